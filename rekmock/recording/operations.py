"""Which operations a recording run forwards, and which a replay answers as recorded.

Forwarded: every operation except those naming an S3 location other than an image (stored
video, Face Liveness output, datasets, stream processors, model output) and those reading a job
or session such a call starts (``JobId``, ``SessionId``): the real service cannot read moto's
buckets and knows nothing of rekmock's jobs. rekmock answers those as it always does.

Replayed as recorded: every forwarded operation except those that read or change rekmock's
state (collections, faces, users, tags): their answers carry ids and depend on what the test did
before, so rekmock computes them, taking the recorded answers as facts about the images instead.
"""

from __future__ import annotations

import functools
from typing import Any

# rekmock's stateful operations: computed on replay, with recorded faces and similarities.
KEEPS_STATE = frozenset({
    "CreateCollection", "DeleteCollection", "DescribeCollection", "ListCollections",
    "IndexFaces", "ListFaces", "DeleteFaces", "SearchFaces", "SearchFacesByImage",
    "CreateUser", "DeleteUser", "ListUsers", "AssociateFaces", "DisassociateFaces",
    "SearchUsers", "SearchUsersByImage", "TagResource", "UntagResource", "ListTagsForResource",
})
# Request members naming something only rekmock (or moto) holds.
LOCAL_HANDLES = frozenset({"JobId", "SessionId"})
IMAGE_SHAPE = "Image"  # the request shape holding Bytes or an S3Object


def _names_s3(shape: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a request shape names an S3 location outside an Image."""
    if shape is None or shape.name in seen or shape.name == IMAGE_SHAPE:
        return False
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        return any("S3" in name or _names_s3(member, seen)
                   for name, member in shape.members.items())
    if shape.type_name == "list":
        return _names_s3(shape.member, seen)
    if shape.type_name == "map":
        return _names_s3(shape.value, seen)
    return False


@functools.cache
def forwarded(operation: str) -> bool:
    """Whether a recording run sends ``operation`` to the upstream."""
    from ..botocore_model import service_model

    model = service_model()
    if operation not in model.operation_names:
        return False
    shape = model.operation_model(operation).input_shape
    members = set(shape.members) if shape is not None else set()
    return not (members & LOCAL_HANDLES) and not _names_s3(shape)


def replayed_as_recorded(operation: str) -> bool:
    """Whether a replay answers a matching request with the recorded answer itself."""
    return forwarded(operation) and operation not in KEEPS_STATE
