"""Stateless face operations: DetectFaces and CompareFaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...defaults import MATCH_THRESHOLD
from ...errors import InvalidParameterException
from ...faces.analysis import FaceView, faces_of, similarity
from ...faces.quality_filter import passing
from ..context import Context
from . import operation

MAX_DETECTED = 100


def no_face() -> InvalidParameterException:
    """The service's answer when an operation needs a face and the image has none."""
    return InvalidParameterException("There are no faces in the image. Should be at least 1.")


def compared_face(face: FaceView, expression: bool = False) -> dict[str, Any]:
    """A ComparedFace: the DEFAULT FaceDetail, plus Emotions and Smile where the service adds."""
    detail = face.detail(["EMOTIONS", "SMILE"] if expression else None)
    keep = ("BoundingBox", "Confidence", "Landmarks", "Pose", "Quality", "Emotions", "Smile")
    return {k: detail[k] for k in keep if k in detail}


def no_face_to_compare() -> InvalidParameterException:
    """CompareFaces with no face in an image: the service answers only the generic message."""
    return InvalidParameterException()


def largest_face(ctx: Context, image: dict[str, Any], quality_filter: str,
                 missing: Callable[[], InvalidParameterException] = no_face) -> FaceView:
    """The largest face that passes the filter; ``missing()`` is raised when there is none."""
    faces = passing(faces_of(ctx.image(image), ctx.scripts), quality_filter)
    if not faces:
        raise missing()
    return faces[0]


@operation("DetectFaces")
def detect_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    faces = faces_of(ctx.image(params["Image"]), ctx.scripts)[:MAX_DETECTED]
    attributes = params.get("Attributes")
    return {"FaceDetails": [f.detail(attributes) for f in faces]}


@operation("CompareFaces")
def compare_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    quality_filter = params.get("QualityFilter", "NONE")
    threshold = params.get("SimilarityThreshold", MATCH_THRESHOLD)
    source = largest_face(ctx, params["SourceImage"], quality_filter, no_face_to_compare)
    targets = faces_of(ctx.image(params["TargetImage"]), ctx.scripts)[:MAX_DETECTED]
    targets = passing(targets, quality_filter)
    if not targets:
        raise no_face_to_compare()
    scored = [(similarity(source, t, ctx.scripts), t) for t in targets]
    matches = sorted(
        ((s, t) for s, t in scored if s >= threshold), key=lambda st: (-st[0], st[1].index)
    )
    return {
        "SourceImageFace": {
            "BoundingBox": source.bounding_box(),
            "Confidence": source.confidence(),
        },
        "FaceMatches": [{"Similarity": s, "Face": compared_face(t)} for s, t in matches],
        "UnmatchedFaces": [compared_face(t) for s, t in scored if s < threshold],
    }
