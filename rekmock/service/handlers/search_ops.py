"""Face search in a collection: SearchFaces (by stored FaceId) and SearchFacesByImage."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidParameterException
from . import operation
from .collection_ops import collection_of
from .face_ops import largest_face

DEFAULT_THRESHOLD = 80.0
DEFAULT_MAX_FACES = 4096  # the model's maximum; the service documents no smaller default


def face_not_found() -> InvalidParameterException:
    return InvalidParameterException("faceId was not found in the collection.")


def matches(hits: list[tuple[float, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"Similarity": s, "Face": face} for s, face in hits]


@operation("SearchFaces")
def search_faces(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    face_id = params["FaceId"]
    with coll.lock:
        row = coll.row(face_id)
        if row is None:
            raise face_not_found()
        vector, refs, index = coll.probe_of(row)
        hits = coll.search(
            vector, refs, index,
            params.get("FaceMatchThreshold", DEFAULT_THRESHOLD),
            params.get("MaxFaces", DEFAULT_MAX_FACES),
            ctx.scripts,
            exclude_face=face_id,
        )
    return {
        "SearchedFaceId": face_id,
        "FaceMatches": matches(hits),
        "FaceModelVersion": coll.face_model_version,
    }


@operation("SearchFacesByImage")
def search_faces_by_image(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    probe = largest_face(ctx, params["Image"], params.get("QualityFilter", "NONE"))
    vector = probe.descriptor()  # vision work, outside the collection's lock
    hits = coll.search(
        vector, probe.refs, probe.index,
        params.get("FaceMatchThreshold", DEFAULT_THRESHOLD),
        params.get("MaxFaces", DEFAULT_MAX_FACES),
        ctx.scripts,
    )
    return {
        "SearchedFaceBoundingBox": probe.bounding_box(),
        "SearchedFaceConfidence": probe.confidence(),
        "FaceMatches": matches(hits),
        "FaceModelVersion": coll.face_model_version,
    }
