"""What every control-API module shares: request-body schema pieces, the check that applies
them, and the reading of images named in a body.

``control_api`` serves the endpoints; ``control_video`` (and any later endpoint module) defines
its own schemas and handlers from these pieces, so no endpoint module imports another.
"""

from __future__ import annotations

from typing import Any

import jsonschema

from ..backend.scripts import ImageSource, image_source
from ..errors import RekognitionError
from ..faces import intake

JsonDict = dict[str, Any]


class BadRequest(Exception):
    """A control request the API refuses (answered with 400 and this message)."""


# ---------------------------------------------------------------------------------------------
# Request bodies, as JSON Schemas. A "message" says what a value must be when it is not.

_BASE64 = {"type": "string", "minLength": 4, "pattern": "^[A-Za-z0-9+/]+={0,2}$"}
_S3_LOCATION = {
    "type": "object",
    "properties": {"Bucket": {"type": "string", "minLength": 1},
                   "Name": {"type": "string", "minLength": 1}},
    "required": ["Bucket", "Name"],
}
IMAGE: dict[str, Any] = {
    "message": 'base64 bytes, {"Bytes": base64} or {"Bucket": ..., "Name": ...}',
    "oneOf": [
        _BASE64,
        {"type": "object", "properties": {"Bytes": _BASE64}, "required": ["Bytes"],
         "additionalProperties": False},
        {"type": "object", "properties": {"S3Object": _S3_LOCATION}, "required": ["S3Object"],
         "additionalProperties": False},
        {**_S3_LOCATION, "not": {"anyOf": [{"required": ["Bytes"]}, {"required": ["S3Object"]}]}},
    ],
}
FACE_INDEX: dict[str, Any] = {"type": "integer", "minimum": 0, "message": "a non-negative integer"}
PERCENT: dict[str, Any] = {
    "type": "number", "minimum": 0, "maximum": 100, "message": "a percentage, 0..100"
}
NON_EMPTY: dict[str, Any] = {"type": "string", "minLength": 1, "message": "a non-empty string"}


def body_schema(
    required: dict[str, Any], optional: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An endpoint's body: these members (``required`` must be there), no others."""
    return {"type": "object", "properties": {**required, **(optional or {})},
            "required": list(required), "additionalProperties": False}


def _explain(error: jsonschema.ValidationError) -> str:
    """One clear sentence for a schema violation."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        missing = [k for k in schema.get("required", ()) if k not in instance]
        return f"missing field(s): {', '.join(missing)}"
    if error.validator == "additionalProperties":
        known = list(schema.get("properties", {}))
        unknown = sorted(set(instance) - set(known))
        return f"unknown field(s): {', '.join(unknown)}; expected {', '.join(known)}"
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    where = where.lstrip(".") or "body"
    if "message" in schema:
        return f"{where} must be {schema['message']}"
    return f"{where}: {error.message}"


def check(schema: dict[str, Any], body: Any) -> JsonDict:
    """``body`` if it fits ``schema``, else BadRequest saying why."""
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.path])
    if errors:
        raise BadRequest(_explain(errors[0]))
    return body


def image_of(value: Any) -> ImageSource:
    """A checked control-API image: its bytes (from base64) or its S3 (bucket, name)."""
    return image_source(value, base64_strings=True)


def media_bytes(value: Any, what: str, account_id: str) -> bytes:
    """A checked control-API video or image as bytes (read from moto's S3 now if a location):
    videos are named by content, so a location must be read when the request arrives."""
    found = image_of(value)
    if isinstance(found, bytes):
        return found
    try:
        return intake.read_s3({"Bucket": found[0], "Name": found[1]}, account_id, "aws")
    except RekognitionError:
        raise BadRequest(f"{what}: no object s3://{found[0]}/{found[1]}") from None
