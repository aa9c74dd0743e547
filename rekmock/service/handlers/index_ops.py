"""Faces in a collection: IndexFaces, ListFaces, DeleteFaces."""

from __future__ import annotations

from typing import Any

from ...backend.face_store import NewFace
from ...backend.pagination import DEFAULT_PAGE
from ...backend.scripts import refs_of
from ...botocore_model import FACE_MODEL_VERSION
from ...faces.analysis import FaceView, faces_of
from ...faces.quality_filter import reasons
from ..context import Context
from . import operation
from .collection_ops import collection_of

MAX_INDEXED = 100  # the service considers the 100 largest faces of an image


def area(face: FaceView) -> float:
    box = face.bounding_box()
    return float(box["Width"]) * float(box["Height"])


def select(
    faces: list[FaceView], level: str, max_faces: int | None
) -> tuple[list[FaceView], list[tuple[FaceView, list[str]]]]:
    """Faces to index (largest first) and the unindexed ones with the service's Reasons.

    The 100 largest faces are considered; the quality filter drops faces first; then, over
    ``max_faces``, the lowest-quality faces (judged at the AUTO bar) go first, then the smallest.
    """
    considered = sorted(faces, key=lambda f: (-area(f), f.index))[:MAX_INDEXED]
    keep: list[FaceView] = []
    dropped: dict[int, list[str]] = {}
    for face in considered:
        why = reasons(face, level)
        if why:
            dropped[face.index] = why
        else:
            keep.append(face)
    if max_faces is not None and len(keep) > max_faces:
        ranked = sorted(keep, key=lambda f: (len(reasons(f, "AUTO")), -area(f), f.index))
        for face in ranked[max_faces:]:
            dropped[face.index] = ["EXCEEDS_MAX_FACES"]
        keep = [f for f in keep if f.index not in dropped]
    unindexed = [(f, dropped[f.index]) for f in considered if f.index in dropped]
    return keep, unindexed


@operation("IndexFaces")
def index_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    image = ctx.image(params["Image"])
    ext = params.get("ExternalImageId")
    attributes = params.get("DetectionAttributes")
    views = faces_of(image, ctx.scripts)
    keep, unindexed = select(views, params.get("QualityFilter", "AUTO"), params.get("MaxFaces"))
    stored = coll.index_image(
        image.key, ext, refs_of(image.key, image.s3_location),
        lambda: [NewFace(f.descriptor(), f.bounding_box(), f.confidence(), f.index) for f in keep],
    )
    by_index = {f.index: f for f in views}
    stored.sort(key=lambda fi: (-area(by_index[fi[1]]), fi[1]))
    indexed = {i for _, i in stored}
    return {
        "FaceRecords": [
            {"Face": face, "FaceDetail": by_index[i].detail(attributes)} for face, i in stored
        ],
        "FaceModelVersion": FACE_MODEL_VERSION,
        "UnindexedFaces": [
            {"Reasons": why, "FaceDetail": f.detail(attributes)}
            for f, why in unindexed
            if f.index not in indexed
        ],
    }


@operation("ListFaces")
def list_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    faces, token = coll.list_faces(
        params.get("NextToken"),
        params.get("MaxResults") or DEFAULT_PAGE,
        params.get("FaceIds"),
        params.get("UserId"),
    )
    out: dict[str, Any] = {"Faces": faces}
    if token:
        out["NextToken"] = token
    out["FaceModelVersion"] = coll.face_model_version
    return out


@operation("DeleteFaces")
def delete_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    deleted, failed = coll.delete_faces(params["FaceIds"])
    out: dict[str, Any] = {}
    if deleted:  # the model's FaceIdList holds at least one id: an empty list is left out
        out["DeletedFaces"] = deleted
    out["UnsuccessfulFaceDeletions"] = failed
    return out
