"""Control API endpoints for Custom Labels (mounted by ``control_api``; the shared pieces come
from ``control_schema``).

::

    POST /rekmock-api/set-custom-labels   {"project_version_arn", "image", "labels": [CustomLabel]}
    POST /rekmock-api/hold-training       {"polls", "region": "us-east-1"}
    POST /rekmock-api/hold-custom-labels  {"polls", "region": "us-east-1"}
    POST /rekmock-api/fail-training       {"version_name", "status_message", "region": "us-east-1"}
    POST /rekmock-api/set-f1-score        {"version_name", "f1_score", "region": "us-east-1"}

Images are base64 bytes, ``{"Bytes": base64}`` or an S3 location, like the other endpoints'
images. Bodies are checked by the JSON Schemas in ``CUSTOM_LABELS_SCHEMAS`` (merged into
``control_api.SCHEMAS``) before a handler runs; labels are then checked against the model's
``CustomLabel`` shape by ``RekognitionState.set_custom_labels``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..scripting import RekognitionState
from .control_schema import FACE_INDEX, IMAGE, NON_EMPTY, JsonDict, body_schema, image_of

DEFAULT_REGION = "us-east-1"
_REGION = {"type": "string", "minLength": 1, "message": "a region name"}
_LABELS = {"type": "array", "items": {"type": "object"}, "message": "a list of CustomLabel objects"}
_F1 = {"type": "number", "minimum": 0, "maximum": 1, "message": "a number, 0..1"}

CUSTOM_LABELS_SCHEMAS: dict[str, dict[str, Any]] = {
    "set-custom-labels": body_schema(
        {"project_version_arn": NON_EMPTY, "image": IMAGE, "labels": _LABELS}),
    "hold-training": body_schema({"polls": FACE_INDEX}, {"region": _REGION}),
    "hold-custom-labels": body_schema({"polls": FACE_INDEX}, {"region": _REGION}),
    "fail-training": body_schema({"version_name": NON_EMPTY, "status_message": NON_EMPTY},
                                 {"region": _REGION}),
    "set-f1-score": body_schema({"version_name": NON_EMPTY, "f1_score": _F1},
                                {"region": _REGION}),
}


def set_custom_labels(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_custom_labels(body["project_version_arn"],
                                                   image_of(body["image"]), body["labels"])
    return {}


def hold_training(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).hold_training(body["polls"], body.get("region", DEFAULT_REGION))
    return {}


def hold_custom_labels(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).hold_custom_labels(body["polls"],
                                                    body.get("region", DEFAULT_REGION))
    return {}


def fail_training(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).fail_training(body["version_name"], body["status_message"],
                                               body.get("region", DEFAULT_REGION))
    return {}


def set_f1_score(body: JsonDict, account_id: str) -> JsonDict:
    RekognitionState(account_id).set_f1_score(body["version_name"], float(body["f1_score"]),
                                              body.get("region", DEFAULT_REGION))
    return {}


CUSTOM_LABELS_ENDPOINTS: dict[str, Callable[[JsonDict, str], JsonDict]] = {
    "set-custom-labels": set_custom_labels,
    "hold-training": hold_training,
    "hold-custom-labels": hold_custom_labels,
    "fail-training": fail_training,
    "set-f1-score": set_f1_score,
}
