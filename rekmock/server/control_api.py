"""HTTP control API of ``rekmock serve``, and a small client for it.

What an in-process test scripts through :class:`~rekmock.scripting.RekognitionState`, a client of
the server (another language, another process) scripts here: one POST endpoint per method, with
the method's argument names as JSON keys, acting on the account that moto gives the clients
(``MOTO_ACCOUNT_ID``, else the ``x-moto-account-id`` header, else 123456789012).

Images are base64 strings (the file's bytes), ``{"Bytes": base64}``, or an S3 location
``{"Bucket": ..., "Name": ...}`` (also ``{"S3Object": {...}}``). Bad requests get a 400 with a
JSON ``message``, never a traceback.

::

    GET  /rekmock-api                   this list, and the version
    POST /rekmock-api/set-face          {"image", "face": 0, "fields": {FaceDetail members}}
    POST /rekmock-api/same-person       {"a", "b", "similarity": 99.0, "face_a": 0, "face_b": 0}
    POST /rekmock-api/different-person  {"a", "b", "similarity": 5.0, "face_a": 0, "face_b": 0}
    POST /rekmock-api/add-celebrity     {"name", "photos": [], "urls": [], "known_gender": null}
                                        -> {"Id": "..."}
    POST /rekmock-api/set-celebrity     {"image", "celebrity": Id, "face": 0,
                                         "match_confidence": 99.0}
    POST /rekmock-api/reset             {} -> forget all Rekognition state (every account);
                                        S3 and other services are kept (POST /moto-api/reset
                                        resets everything, rekmock included)
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

API_PREFIX = "/rekmock-api"
log = logging.getLogger("rekmock.server")

JsonDict = dict[str, Any]


class BadRequest(Exception):
    """A control request the API refuses (answered with 400 and this message)."""


# ---------------------------------------------------------------------------------------------
# Server side: JSON in, RekognitionState call, JSON out.


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise BadRequest(f"{what} must be a base64 string")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{what} is not valid base64") from None
    if not data:
        raise BadRequest(f"{what} is empty")
    return data


def _image(value: Any, what: str) -> bytes | tuple[str, str]:
    """A control-API image as RekognitionState takes it: bytes, or (bucket, name)."""
    if isinstance(value, str):
        return _b64(value, what)
    if isinstance(value, dict):
        if "Bytes" in value:
            return _b64(value["Bytes"], f"{what}.Bytes")
        location = value.get("S3Object", value)
        if isinstance(location, dict):
            bucket, name = location.get("Bucket"), location.get("Name")
            if isinstance(bucket, str) and isinstance(name, str) and bucket and name:
                return (bucket, name)
    raise BadRequest(
        f"{what} must be base64 bytes, {{\"Bytes\": base64}} or {{\"Bucket\": ..., \"Name\": ...}}"
    )


def _photo_bytes(value: Any, what: str, account_id: str) -> bytes:
    """A celebrity's reference photo: the bytes themselves (read from S3 now if a location)."""
    from ..errors import RekognitionError
    from ..faces import intake

    image = _image(value, what)
    if isinstance(image, tuple):
        try:
            data = intake.read_s3({"Bucket": image[0], "Name": image[1]}, account_id, "aws")
        except RekognitionError:
            raise BadRequest(f"{what}: no object s3://{image[0]}/{image[1]}") from None
    else:
        data = image
    try:
        intake.decode(data)
    except RekognitionError:
        raise BadRequest(f"{what} is not a JPEG or PNG image") from None
    return data


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"{what} must be a non-negative integer")
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{what} must be a number")
    return float(value)


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{what} must be a non-empty string")
    return value


def _fields(body: JsonDict, required: Iterable[str], optional: Iterable[str]) -> None:
    required, optional = tuple(required), tuple(optional)
    missing = [k for k in required if k not in body]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        raise BadRequest(
            f"unknown field(s): {', '.join(unknown)}; expected {', '.join(required + optional)}"
        )


def _state(account_id: str) -> Any:
    from ..scripting import RekognitionState

    return RekognitionState(account_id)


def set_face(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("image", "fields"), ("face",))
    if not isinstance(body["fields"], dict) or not body["fields"]:
        raise BadRequest("fields must be a non-empty object of FaceDetail members")
    image = _image(body["image"], "image")
    _state(account_id).set_face(image, _int(body.get("face", 0), "face"), **body["fields"])
    return {}


def _pair(body: JsonDict, account_id: str, default: float) -> JsonDict:
    _fields(body, ("a", "b"), ("similarity", "face_a", "face_b"))
    _state(account_id).same_person(
        _image(body["a"], "a"),
        _image(body["b"], "b"),
        _number(body.get("similarity", default), "similarity"),
        _int(body.get("face_a", 0), "face_a"),
        _int(body.get("face_b", 0), "face_b"),
    )
    return {}


def same_person(body: JsonDict, account_id: str) -> JsonDict:
    return _pair(body, account_id, 99.0)


def different_person(body: JsonDict, account_id: str) -> JsonDict:
    return _pair(body, account_id, 5.0)


def add_celebrity(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("name",), ("photos", "urls", "known_gender"))
    photos, urls = body.get("photos", []), body.get("urls", [])
    if not isinstance(photos, list):
        raise BadRequest("photos must be a list of images")
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise BadRequest("urls must be a list of strings")
    gender = body.get("known_gender")
    if gender is not None and not isinstance(gender, str):
        raise BadRequest("known_gender must be a string or null")
    data = [_photo_bytes(p, f"photos[{i}]", account_id) for i, p in enumerate(photos)]
    celebrity_id = _state(account_id).add_celebrity(_str(body["name"], "name"), data, urls, gender)
    return {"Id": celebrity_id}


def set_celebrity(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("image", "celebrity"), ("face", "match_confidence"))
    _state(account_id).set_celebrity(
        _image(body["image"], "image"),
        _str(body["celebrity"], "celebrity"),
        _int(body.get("face", 0), "face"),
        _number(body.get("match_confidence", 99.0), "match_confidence"),
    )
    return {}


def reset(body: JsonDict, account_id: str) -> JsonDict:
    """Forget rekmock's state (collections, faces, users, scripts, celebrities), keep S3's."""
    from moto.core.base_backend import backend_lock

    from ..backend.backends import rekognition_backends

    _fields(body, (), ())
    with backend_lock:
        for account in rekognition_backends.values():
            account.reset()
        rekognition_backends.clear()
    return {}


ENDPOINTS: dict[str, Callable[[JsonDict, str], JsonDict]] = {
    "set-face": set_face,
    "same-person": same_person,
    "different-person": different_person,
    "add-celebrity": add_celebrity,
    "set-celebrity": set_celebrity,
    "reset": reset,
}


def is_control_path(path: str) -> bool:
    """``/rekmock-api`` and below (a bucket named ``rekmock-api`` is hidden by it, no other)."""
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def account_for(headers: Any) -> str:
    """The account moto serves the clients from, by moto's own rules (minus IAM access keys)."""
    return (
        os.environ.get("MOTO_ACCOUNT_ID")
        or headers.get("x-moto-account-id")
        or DEFAULT_ACCOUNT_ID
    )


def handle(method: str, path: str, data: bytes, headers: Any) -> tuple[int, JsonDict]:
    """Answer one control request: (HTTP status, JSON body)."""
    from .. import __version__

    name = path[len(API_PREFIX):].strip("/")
    if not name:
        if method != "GET":
            return 405, {"message": f"use GET on {API_PREFIX}"}
        endpoints = [f"POST {API_PREFIX}/{n}" for n in ENDPOINTS]
        return 200, {"version": __version__, "endpoints": endpoints}
    endpoint = ENDPOINTS.get(name)
    if endpoint is None:
        return 404, {"message": f"no endpoint {path}; GET {API_PREFIX} lists them"}
    if method != "POST":
        return 405, {"message": f"use POST on {path}"}
    try:
        body = json.loads(data or b"{}")
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deeply
        return 400, {"message": "request body is not valid JSON"}
    if not isinstance(body, dict):
        return 400, {"message": "request body must be a JSON object"}
    try:
        return 200, endpoint(body, account_for(headers))
    except BadRequest as exc:
        return 400, {"message": str(exc)}
    except KeyError as exc:  # RekognitionState: unknown celebrity Id
        return 400, {"message": str(exc.args[0]) if exc.args else "not found"}
    except (ValueError, TypeError) as exc:  # RekognitionState's own argument checks
        return 400, {"message": str(exc)}
    except Exception as exc:  # a bug: say so in one line, keep serving
        log.error("control %s failed: %s: %s", name, type(exc).__name__, exc)
        return 500, {"message": f"rekmock failed: {type(exc).__name__}: {exc}"}


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The control API as a WSGI application (mounted by rekmock.server.app)."""
    from werkzeug.wrappers import Request

    request = Request(environ)
    status, body = handle(request.method, request.path, request.get_data(), request.headers)
    payload = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    start_response(
        f"{status} {reason.get(status, 'Internal Server Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
