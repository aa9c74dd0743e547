"""Control API endpoints for stream processors (mounted by ``control_api``; the shared pieces
come from ``control_schema``).

::

    POST /rekmock-api/send-stream-frame       {"name", "image", "producer_timestamp": null,
                                               "region": "us-east-1", "labels": []}
                                              -> the frame record (face search), or
                                                 {"Labels", "Notices", "SessionEnded"}
    POST /rekmock-api/hold-stream-processors  {"polls", "region": "us-east-1"}

The image is base64 bytes, ``{"Bytes": base64}`` or an S3 location, like the other endpoints'
images; ``labels`` are ``{"Name", "Confidence", "BoundingBox"}`` for a label detection frame.
A frame for a processor that is not analysing frames, or that does not exist, gets a 400 saying
why. Bodies are checked by the JSON Schemas in ``STREAM_SCHEMAS`` (merged into
``control_api.SCHEMAS``) before a handler runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend.stream_processors import CONNECTED_HOME_LABELS
from ..scripting import RekognitionState
from .control_schema import FACE_INDEX, IMAGE, NON_EMPTY, PERCENT, JsonDict, body_schema, image_of

DEFAULT_REGION = "us-east-1"
_REGION = {"type": "string", "minLength": 1, "message": "a region name"}
_RATIO = {"type": "number", "minimum": 0, "maximum": 1}
_LABEL = {
    "type": "object",
    "properties": {
        "Name": {"enum": list(CONNECTED_HOME_LABELS)},
        "Confidence": PERCENT,
        "BoundingBox": {"type": "object",
                        "properties": {k: _RATIO for k in ("Width", "Height", "Left", "Top")},
                        "required": ["Width", "Height", "Left", "Top"],
                        "additionalProperties": False},
    },
    "required": ["Name", "Confidence", "BoundingBox"],
    "additionalProperties": False,
}

STREAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "send-stream-frame": body_schema({"name": NON_EMPTY, "image": IMAGE}, {
        "producer_timestamp": {"type": ["number", "null"], "minimum": 0,
                               "message": "a time in Unix seconds, or null"},
        "region": _REGION,
        "labels": {"type": "array", "items": _LABEL,
                   "message": f"a list of {{Name: {'|'.join(CONNECTED_HOME_LABELS)}, "
                              "Confidence, BoundingBox}}"},
    }),
    "hold-stream-processors": body_schema({"polls": FACE_INDEX}, {"region": _REGION}),
}


def send_stream_frame(body: JsonDict, account_id: str) -> JsonDict:
    return RekognitionState(account_id).send_stream_frame(
        body["name"], image_of(body["image"]), body.get("producer_timestamp"),
        body.get("region", DEFAULT_REGION), body.get("labels", []))


def hold_stream_processors(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).hold_stream_processors(body["polls"],
                                                        body.get("region", DEFAULT_REGION))
    return {}


STREAM_ENDPOINTS: dict[str, Callable[[JsonDict, str], JsonDict]] = {
    "send-stream-frame": send_stream_frame,
    "hold-stream-processors": hold_stream_processors,
}
