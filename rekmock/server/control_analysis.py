"""Control API endpoints for the image and video analysis beside the faces (mounted by
``control_api``; the shared pieces come from ``control_schema``).

::

    POST /rekmock-api/set-labels                   {"image", "labels": [Label]}
    POST /rekmock-api/set-moderation-labels        {"image", "labels": [ModerationLabel],
                                                    "content_types": []}
    POST /rekmock-api/set-text                     {"image", "detections": [TextDetection]}
    POST /rekmock-api/set-protective-equipment     {"image", "persons": [ProtectiveEquipmentPerson]}
    POST /rekmock-api/set-video-labels             {"video", "labels", "timestamp": null}
    POST /rekmock-api/set-video-moderation-labels  {"video", "labels", "timestamp": null,
                                                    "content_types": []}
    POST /rekmock-api/set-video-text               {"video", "detections", "timestamp": null}

Images and videos are base64 bytes, ``{"Bytes": base64}`` or an S3 location (a video's is read
from moto's S3 when the request arrives). The lists are checked against the model's shapes by
``RekognitionState`` (a 400 names each problem); bodies are checked by ``ANALYSIS_SCHEMAS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..scripting import RekognitionState
from .control_schema import IMAGE, JsonDict, body_schema, image_of, media_bytes

_LIST = {"type": "array", "items": {"type": "object"}, "message": "a list of objects"}
_TIMESTAMP = {"type": ["integer", "null"], "minimum": 0,
              "message": "a non-negative integer (milliseconds) or null"}

ANALYSIS_SCHEMAS: dict[str, dict[str, Any]] = {
    "set-labels": body_schema({"image": IMAGE, "labels": _LIST}),
    "set-moderation-labels": body_schema({"image": IMAGE, "labels": _LIST},
                                         {"content_types": _LIST}),
    "set-text": body_schema({"image": IMAGE, "detections": _LIST}),
    "set-protective-equipment": body_schema({"image": IMAGE, "persons": _LIST}),
    "set-video-labels": body_schema({"video": IMAGE, "labels": _LIST}, {"timestamp": _TIMESTAMP}),
    "set-video-moderation-labels": body_schema(
        {"video": IMAGE, "labels": _LIST}, {"timestamp": _TIMESTAMP, "content_types": _LIST}),
    "set-video-text": body_schema({"video": IMAGE, "detections": _LIST},
                                  {"timestamp": _TIMESTAMP}),
}


def set_labels(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_labels(image_of(body["image"]), body["labels"])
    return {}


def set_moderation_labels(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_moderation_labels(
        image_of(body["image"]), body["labels"], body.get("content_types", []))
    return {}


def set_text(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_text(image_of(body["image"]), body["detections"])
    return {}


def set_protective_equipment(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_protective_equipment(image_of(body["image"]),
                                                          body["persons"])
    return {}


def set_video_labels(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_video_labels(
        media_bytes(body["video"], "video", account_id), body["labels"], body.get("timestamp"))
    return {}


def set_video_moderation_labels(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_video_moderation_labels(
        media_bytes(body["video"], "video", account_id), body["labels"], body.get("timestamp"),
        body.get("content_types", []))
    return {}


def set_video_text(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_video_text(
        media_bytes(body["video"], "video", account_id), body["detections"],
        body.get("timestamp"))
    return {}


ANALYSIS_ENDPOINTS: dict[str, Callable[[JsonDict, str], JsonDict]] = {
    "set-labels": set_labels,
    "set-moderation-labels": set_moderation_labels,
    "set-text": set_text,
    "set-protective-equipment": set_protective_equipment,
    "set-video-labels": set_video_labels,
    "set-video-moderation-labels": set_video_moderation_labels,
    "set-video-text": set_video_text,
}
