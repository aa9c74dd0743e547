"""Control API endpoints for stored video and Face Liveness (mounted by ``control_api``; the
shared pieces come from ``control_schema``).

::

    POST /rekmock-api/set-video-face        {"video", "face": 0, "timestamp": null, "fields": {}}
    POST /rekmock-api/video-person-is       {"video", "image", "similarity": 99.0, "face": 0,
                                             "timestamp": null, "image_face": 0}
    POST /rekmock-api/set-video-celebrity   {"video", "celebrity": Id, "face": 0,
                                             "timestamp": null, "match_confidence": 99.0}
    POST /rekmock-api/hold-video-jobs       {"polls", "region": "us-east-1"}
    POST /rekmock-api/complete-liveness     {"session_id", "confidence": 99.0,
                                             "reference_image": null, "audit_images": [],
                                             "status": "SUCCEEDED", "region": "us-east-1"}
    POST /rekmock-api/age-liveness-session  {"session_id", "seconds", "region": "us-east-1"}

Videos and liveness images are base64 bytes, ``{"Bytes": base64}`` or an S3 location (read from
moto's S3 when the request arrives), like the other endpoints' images. Bodies are checked by the
JSON Schemas in ``VIDEO_SCHEMAS`` (merged into ``control_api.SCHEMAS``) before a handler runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..defaults import CELEBRITY_MATCH_CONFIDENCE, SAME_PERSON_SIMILARITY
from ..scripting import RekognitionState
from .control_schema import (
    FACE_INDEX,
    IMAGE,
    NON_EMPTY,
    PERCENT,
    JsonDict,
    body_schema,
    image_of,
    media_bytes,
)

DEFAULT_REGION = "us-east-1"
_TIMESTAMP = {"type": ["integer", "null"], "minimum": 0,
              "message": "a non-negative integer (milliseconds) or null"}
_REGION = {"type": "string", "minLength": 1, "message": "a region name"}

VIDEO_SCHEMAS: dict[str, dict[str, Any]] = {
    "set-video-face": body_schema(
        {"video": IMAGE, "fields": {"type": "object", "minProperties": 1,
                                    "message": "a non-empty object of FaceDetail members"}},
        {"face": FACE_INDEX, "timestamp": _TIMESTAMP},
    ),
    "video-person-is": body_schema(
        {"video": IMAGE, "image": IMAGE},
        {"similarity": PERCENT, "face": FACE_INDEX, "timestamp": _TIMESTAMP,
         "image_face": FACE_INDEX},
    ),
    "set-video-celebrity": body_schema(
        {"video": IMAGE, "celebrity": NON_EMPTY},
        {"face": FACE_INDEX, "timestamp": _TIMESTAMP, "match_confidence": PERCENT},
    ),
    "hold-video-jobs": body_schema({"polls": FACE_INDEX}, {"region": _REGION}),
    "complete-liveness": body_schema({"session_id": NON_EMPTY}, {
        "confidence": PERCENT,
        "reference_image": {"anyOf": [{"type": "null"}, IMAGE], "message": "an image or null"},
        "audit_images": {"type": "array", "items": IMAGE, "message": "a list of images"},
        "status": NON_EMPTY,
        "region": _REGION,
    }),
    "age-liveness-session": body_schema(
        {"session_id": NON_EMPTY, "seconds": {"type": "number", "message": "a number of seconds"}},
        {"region": _REGION},
    ),
}


def set_video_face(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_video_face(
        media_bytes(body["video"], "video", account_id), body.get("face", 0), body.get("timestamp"),
        **body["fields"])
    return {}


def video_person_is(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).video_person_is(
        media_bytes(body["video"], "video", account_id), image_of(body["image"]),
        float(body.get("similarity", SAME_PERSON_SIMILARITY)), body.get("face", 0),
        body.get("timestamp"), body.get("image_face", 0))
    return {}


def set_video_celebrity(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_video_celebrity(
        media_bytes(body["video"], "video", account_id), body["celebrity"], body.get("face", 0),
        body.get("timestamp"),
        float(body.get("match_confidence", CELEBRITY_MATCH_CONFIDENCE)))
    return {}


def hold_video_jobs(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).hold_video_jobs(body["polls"],
                                                 body.get("region", DEFAULT_REGION))
    return {}


def complete_liveness(body: JsonDict, account_id: str) -> JsonDict:
    reference = body.get("reference_image")
    audit = body.get("audit_images", [])
    RekognitionState(account_id).complete_liveness(
        body["session_id"],
        float(body.get("confidence", SAME_PERSON_SIMILARITY)),
        None if reference is None else media_bytes(reference, "reference_image", account_id),
        [media_bytes(a, f"audit_images[{i}]", account_id) for i, a in enumerate(audit)],
        body.get("status", "SUCCEEDED"),
        body.get("region", DEFAULT_REGION),
    )
    return {}


def age_liveness_session(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).age_liveness_session(
        body["session_id"], float(body["seconds"]), body.get("region", DEFAULT_REGION))
    return {}


VIDEO_ENDPOINTS: dict[str, Callable[[JsonDict, str], JsonDict]] = {
    "set-video-face": set_video_face,
    "video-person-is": video_person_is,
    "set-video-celebrity": set_video_celebrity,
    "hold-video-jobs": hold_video_jobs,
    "complete-liveness": complete_liveness,
    "age-liveness-session": age_liveness_session,
}
