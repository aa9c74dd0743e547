"""StartPersonTracking and GetPersonTracking: the people of a stored video, found through their
faces and followed with the same tracking StartFaceSearch uses (``video_ops.tracked``).

Each sampled frame with a face gives one PersonDetection per face: Person.Index is the track's,
Person.BoundingBox the person box derived from the face (``faces.people``), Person.Face the face
with the DEFAULT attributes, as the API reference says GetPersonTracking returns. A person whose
face is never seen (from behind, too small) is not tracked.
"""

from __future__ import annotations

from typing import Any

from ...faces.people import person_box
from ..context import Context
from . import operation
from .video_ops import Clip, get_job, persons_order, start_job, tracked


def _persons(ctx: Context, request: dict[str, Any], clip: Clip) -> list[dict[str, Any]]:
    return [
        {"Timestamp": timestamp,
         "Person": {"Index": index, "BoundingBox": person_box(face), "Face": face.detail()}}
        for timestamp, face, index in tracked(ctx, clip.faces(ctx))
    ]


@operation("StartPersonTracking")
def start_person_tracking(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return start_job(ctx, "StartPersonTracking", "PERSON_TRACKING", params, _persons)


@operation("GetPersonTracking")
def get_person_tracking(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return get_job(ctx, params, "PERSON_TRACKING", "Persons", persons_order(params))
