"""Control API endpoints for stored video and Face Liveness (mounted by ``control_api``).

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
moto's S3 when the request arrives), like the other endpoints' images.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .control_api import BadRequest, JsonDict, _fields, _image, _int, _number, _state, _str


def _bytes(value: Any, what: str, account_id: str) -> bytes:
    from ..errors import RekognitionError
    from ..faces import intake

    found = _image(value, what)
    if isinstance(found, bytes):
        return found
    try:
        return intake.read_s3({"Bucket": found[0], "Name": found[1]}, account_id, "aws")
    except RekognitionError:
        raise BadRequest(f"{what}: no object s3://{found[0]}/{found[1]}") from None


def _timestamp(body: JsonDict) -> int | None:
    value = body.get("timestamp")
    return None if value is None else _int(value, "timestamp")


def set_video_face(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("video", "fields"), ("face", "timestamp"))
    if not isinstance(body["fields"], dict) or not body["fields"]:
        raise BadRequest("fields must be a non-empty object of FaceDetail members")
    _state(account_id).set_video_face(
        _bytes(body["video"], "video", account_id), _int(body.get("face", 0), "face"),
        _timestamp(body), **body["fields"])
    return {}


def video_person_is(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("video", "image"), ("similarity", "face", "timestamp", "image_face"))
    _state(account_id).video_person_is(
        _bytes(body["video"], "video", account_id), _image(body["image"], "image"),
        _number(body.get("similarity", 99.0), "similarity"), _int(body.get("face", 0), "face"),
        _timestamp(body), _int(body.get("image_face", 0), "image_face"))
    return {}


def set_video_celebrity(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("video", "celebrity"), ("face", "timestamp", "match_confidence"))
    _state(account_id).set_video_celebrity(
        _bytes(body["video"], "video", account_id), _str(body["celebrity"], "celebrity"),
        _int(body.get("face", 0), "face"), _timestamp(body),
        _number(body.get("match_confidence", 99.0), "match_confidence"))
    return {}


def hold_video_jobs(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("polls",), ("region",))
    _state(account_id).hold_video_jobs(_int(body["polls"], "polls"),
                                       _str(body.get("region", "us-east-1"), "region"))
    return {}


def complete_liveness(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("session_id",),
            ("confidence", "reference_image", "audit_images", "status", "region"))
    reference = body.get("reference_image")
    audit = body.get("audit_images", [])
    if not isinstance(audit, list):
        raise BadRequest("audit_images must be a list of images")
    _state(account_id).complete_liveness(
        _str(body["session_id"], "session_id"),
        _number(body.get("confidence", 99.0), "confidence"),
        None if reference is None else _bytes(reference, "reference_image", account_id),
        [_bytes(a, f"audit_images[{i}]", account_id) for i, a in enumerate(audit)],
        _str(body.get("status", "SUCCEEDED"), "status"),
        _str(body.get("region", "us-east-1"), "region"),
    )
    return {}


def age_liveness_session(body: JsonDict, account_id: str) -> JsonDict:
    _fields(body, ("session_id", "seconds"), ("region",))
    _state(account_id).age_liveness_session(
        _str(body["session_id"], "session_id"), _number(body["seconds"], "seconds"),
        _str(body.get("region", "us-east-1"), "region"))
    return {}


VIDEO_ENDPOINTS: dict[str, Callable[[JsonDict, str], JsonDict]] = {
    "set-video-face": set_video_face,
    "video-person-is": video_person_is,
    "set-video-celebrity": set_video_celebrity,
    "hold-video-jobs": hold_video_jobs,
    "complete-liveness": complete_liveness,
    "age-liveness-session": age_liveness_session,
}
