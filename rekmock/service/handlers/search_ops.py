"""Face search in a collection: SearchFaces (by stored FaceId) and SearchFacesByImage."""

from __future__ import annotations

from typing import Any

from ...defaults import MATCH_THRESHOLD
from ..context import Context
from . import operation
from .collection_ops import collection_of
from .face_ops import largest_face

DEFAULT_MAX_FACES = 4096  # the model's maximum; the service documents no smaller default


def matches(hits: list[tuple[float, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"Similarity": s, "Face": face} for s, face in hits]


@operation("SearchFaces")
def search_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    hits = coll.search_faces(
        params["FaceId"],
        params.get("FaceMatchThreshold", MATCH_THRESHOLD),
        params.get("MaxFaces", DEFAULT_MAX_FACES),
        ctx.scripts,
    )
    return {
        "SearchedFaceId": params["FaceId"],
        "FaceMatches": matches(hits),
        "FaceModelVersion": coll.face_model_version,
    }


@operation("SearchFacesByImage")
def search_faces_by_image(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    probe = largest_face(ctx, params["Image"], params.get("QualityFilter", "NONE"))
    hits = coll.search(
        probe.descriptor(),  # vision work, before the backend takes any lock
        probe.refs, probe.index,
        params.get("FaceMatchThreshold", MATCH_THRESHOLD),
        params.get("MaxFaces", DEFAULT_MAX_FACES),
        ctx.scripts,
    )
    return {
        "SearchedFaceBoundingBox": probe.bounding_box(),
        "SearchedFaceConfidence": probe.confidence(),
        "FaceMatches": matches(hits),
        "FaceModelVersion": coll.face_model_version,
    }
