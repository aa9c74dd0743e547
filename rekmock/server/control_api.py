"""HTTP control API of ``rekmock serve``, and a small client for it.

What an in-process test scripts through :class:`~rekmock.scripting.RekognitionState`, a client of
the server (another language, another process) scripts here: one POST endpoint per method, with
the method's argument names as JSON keys, acting on the account that moto gives the clients
(``MOTO_ACCOUNT_ID``, else the ``x-moto-account-id`` header, else 123456789012).

Images are base64 strings (the file's bytes), ``{"Bytes": base64}``, or an S3 location
``{"Bucket": ..., "Name": ...}`` (also ``{"S3Object": {...}}``). Request bodies are checked
against JSON Schemas (``SCHEMAS``); bad requests get a 400 with a JSON ``message``, never a
traceback.

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

import json
import logging
import os
from collections.abc import Callable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from werkzeug.wrappers import Request

from .. import __version__
from ..backend.backends import reset_all
from ..defaults import (
    CELEBRITY_MATCH_CONFIDENCE,
    DIFFERENT_PERSON_SIMILARITY,
    SAME_PERSON_SIMILARITY,
)
from ..errors import RekognitionError
from ..faces import intake
from ..scripting import GENDERS, RekognitionState
from .control_analysis import ANALYSIS_ENDPOINTS, ANALYSIS_SCHEMAS
from .control_custom_labels import CUSTOM_LABELS_ENDPOINTS, CUSTOM_LABELS_SCHEMAS
from .control_schema import (
    FACE_INDEX,
    IMAGE,
    NON_EMPTY,
    PERCENT,
    BadRequest,
    JsonDict,
    body_schema,
    check,
    image_of,
)
from .control_streams import STREAM_ENDPOINTS, STREAM_SCHEMAS
from .control_video import VIDEO_ENDPOINTS, VIDEO_SCHEMAS

API_PREFIX = "/rekmock-api"
log = logging.getLogger("rekmock.server")



SCHEMAS: dict[str, dict[str, Any]] = {
    "set-face": body_schema(
        {"image": IMAGE, "fields": {"type": "object", "minProperties": 1,
                                    "message": "a non-empty object of FaceDetail members"}},
        {"face": FACE_INDEX},
    ),
    "same-person": body_schema({"a": IMAGE, "b": IMAGE},
                         {"similarity": PERCENT, "face_a": FACE_INDEX, "face_b": FACE_INDEX}),
    "add-celebrity": body_schema({"name": NON_EMPTY}, {
        "photos": {"type": "array", "items": IMAGE, "message": "a list of images"},
        "urls": {"type": "array", "items": {"type": "string"}, "message": "a list of strings"},
        "known_gender": {"enum": [*GENDERS, None],
                         "message": f"one of {', '.join(GENDERS)} or null"},
    }),
    "set-celebrity": body_schema({"image": IMAGE, "celebrity": NON_EMPTY},
                           {"face": FACE_INDEX, "match_confidence": PERCENT}),
    "reset": body_schema({}),
}
SCHEMAS["different-person"] = SCHEMAS["same-person"]
SCHEMAS.update(VIDEO_SCHEMAS)  # stored video and Face Liveness: control_video
SCHEMAS.update(STREAM_SCHEMAS)  # stream processors: control_streams
SCHEMAS.update(CUSTOM_LABELS_SCHEMAS)  # Custom Labels: control_custom_labels
SCHEMAS.update(ANALYSIS_SCHEMAS)  # labels, moderation, text, PPE: control_analysis


def checked(endpoint: str, body: Any) -> JsonDict:
    """``body`` if it fits the endpoint's schema, else BadRequest saying why."""
    schema = SCHEMAS.get(endpoint)
    if schema is None:  # a bug: every endpoint has a schema (tests/test_control_api.py)
        raise RuntimeError(f"no request schema for {endpoint}")
    return check(schema, body)


# ---------------------------------------------------------------------------------------------
# Server side: checked JSON in, RekognitionState call, JSON out.


def _photo_bytes(value: Any, what: str, account_id: str) -> bytes:
    """A celebrity's reference photo: the bytes themselves (read from S3 now if a location)."""
    image = image_of(value)
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


def set_face(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_face(image_of(body["image"]), body.get("face", 0),
                                          **body["fields"])
    return {}


def _pair(body: JsonDict, account_id: str, default: float) -> JsonDict:
    RekognitionState(account_id).same_person(
        image_of(body["a"]), image_of(body["b"]), float(body.get("similarity", default)),
        body.get("face_a", 0), body.get("face_b", 0),
    )
    return {}


def same_person(body: JsonDict, account_id: str) -> JsonDict:
    return _pair(body, account_id, SAME_PERSON_SIMILARITY)


def different_person(body: JsonDict, account_id: str) -> JsonDict:
    return _pair(body, account_id, DIFFERENT_PERSON_SIMILARITY)


def add_celebrity(body: JsonDict, account_id: str) -> JsonDict:
    photos = [_photo_bytes(p, f"photos[{i}]", account_id)
              for i, p in enumerate(body.get("photos", []))]
    celebrity_id = RekognitionState(account_id).add_celebrity(
        body["name"], photos, body.get("urls", []), body.get("known_gender"))
    return {"Id": celebrity_id}


def set_celebrity(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_celebrity(
        image_of(body["image"]), body["celebrity"], body.get("face", 0),
        float(body.get("match_confidence", CELEBRITY_MATCH_CONFIDENCE)),
    )
    return {}


def reset(body: JsonDict, account_id: str) -> JsonDict:
    """Forget rekmock's state (collections, faces, users, scripts, celebrities), keep S3's."""
    reset_all()
    return {}


ENDPOINTS: dict[str, Callable[[JsonDict, str], JsonDict]] = {
    "set-face": set_face,
    "same-person": same_person,
    "different-person": different_person,
    "add-celebrity": add_celebrity,
    "set-celebrity": set_celebrity,
    "reset": reset,
    **VIDEO_ENDPOINTS,
    **STREAM_ENDPOINTS,
    **CUSTOM_LABELS_ENDPOINTS,
    **ANALYSIS_ENDPOINTS,
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
    try:
        return 200, endpoint(checked(name, body), account_for(headers))
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

    request = Request(environ)
    status, body = handle(request.method, request.path, request.get_data(), request.headers)
    payload = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
    start_response(
        f"{status} {reason.get(status, 'Internal Server Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]

