"""RecognizeCelebrities and GetCelebrityInfo against the gallery a test registers.

The gallery starts empty. A face is recognised when a test scripted it, or when its face vector
matches the largest face of one of a celebrity's reference photos at Similarity >= 80 (the best
match wins; MatchConfidence is that Similarity).
"""

from __future__ import annotations

from typing import Any

from ...backend.scripts import Celebrity
from ...defaults import MATCH_THRESHOLD
from ...errors import ResourceNotFoundException
from ...faces.analysis import FaceView, faces_of, similarity
from ..context import Context
from . import operation
from .face_ops import compared_face

MAX_FACES = 64


def _reference_faces(ctx: Context, celeb: Celebrity) -> list[FaceView]:
    faces = []
    for data in celeb.photos:
        found = faces_of(ctx.image({"Bytes": data}), ctx.scripts)
        if found:
            faces.append(found[0])
    return faces


def _recognise(ctx: Context, face: FaceView, gallery: list[tuple[Celebrity, list[FaceView]]]
               ) -> tuple[Celebrity, float] | None:
    scripted = ctx.scripts.celebrity_for(face.refs, face.index)
    if scripted is not None:
        celeb_id, confidence = scripted
        return ctx.scripts.celebrities[celeb_id], confidence
    best: tuple[Celebrity, float] | None = None
    for celeb, references in gallery:
        for ref in references:
            score = similarity(face, ref, ctx.scripts)
            if score >= MATCH_THRESHOLD and (best is None or score > best[1]):
                best = (celeb, score)
    return best


def _celebrity_fields(celeb: Celebrity) -> dict[str, Any]:
    out: dict[str, Any] = {"Urls": list(celeb.urls), "Name": celeb.name}
    if celeb.known_gender is not None:
        out["KnownGender"] = {"Type": celeb.known_gender}
    return out


@operation("RecognizeCelebrities")
def recognize_celebrities(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    faces = faces_of(ctx.image(params["Image"]), ctx.scripts)[:MAX_FACES]
    gallery = [(c, _reference_faces(ctx, c)) for c in ctx.scripts.gallery()] if faces else []
    recognised, unrecognised = [], []
    for face in faces:
        found = _recognise(ctx, face, gallery)
        if found is None:
            unrecognised.append(compared_face(face, expression=True))
            continue
        celeb, confidence = found
        recognised.append({
            **_celebrity_fields(celeb),
            "Id": celeb.id,
            "Face": compared_face(face, expression=True),
            "MatchConfidence": float(confidence),
        })
    return {"CelebrityFaces": recognised, "UnrecognizedFaces": unrecognised}


@operation("GetCelebrityInfo")
def get_celebrity_info(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    celeb = ctx.scripts.celebrity(params["Id"])
    if celeb is None:
        raise ResourceNotFoundException()
    return _celebrity_fields(celeb)
