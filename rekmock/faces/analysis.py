"""Faces of a request image, described in the service's words.

The bridge between the vision package (pixels in, measurements out, cached by content) and the
handlers (response dicts). Scripted fields are applied here, so every operation sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import vision
from ..backend import recorded
from ..backend.scripts import ImageRef, Scripts, refs_of
from ..botocore_model import f32, service_model
from .intake import LoadedImage

DEFAULT_LANDMARKS = ("eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose")
# The order of the 30 landmarks with ALL, as every real answer since 2019 gives it.
ALL_LANDMARKS = (
    *DEFAULT_LANDMARKS,
    "leftEyeBrowLeft", "leftEyeBrowRight", "leftEyeBrowUp",
    "rightEyeBrowLeft", "rightEyeBrowRight", "rightEyeBrowUp",
    "leftEyeLeft", "leftEyeRight", "leftEyeUp", "leftEyeDown",
    "rightEyeLeft", "rightEyeRight", "rightEyeUp", "rightEyeDown",
    "noseLeft", "noseRight", "mouthUp", "mouthDown", "leftPupil", "rightPupil",
    "upperJawlineLeft", "midJawlineLeft", "chinBottom", "midJawlineRight", "upperJawlineRight",
)
# The service's 8 emotion types (never UNKNOWN), scored as face model 7 scores them (2024-25
# answers): shares adding to about 100, a plain face's other types near 0. The 2022-23 answers kept
# SURPRISED, FEAR and SAD at a floor (6.3, 5.9, 2.2) even on a plainly happy face; 2020-21's and
# model 7's never do (``benchmarks/fidelity.py`` prints both conventions by era).
SERVICE_EMOTIONS = ("HAPPY", "SURPRISED", "FEAR", "SAD", "CALM", "CONFUSED", "DISGUSTED", "ANGRY")
# The five points that place a face for the landmark networks (vision.measure_at's order).
FIVE_POINTS = ("eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight")
DEFAULT_FIELDS = ("BoundingBox", "Landmarks", "Pose", "Quality", "Confidence")
# Attribute enum value -> FaceDetail member it adds.
ATTRIBUTE_FIELDS = {
    "AGE_RANGE": "AgeRange",
    "BEARD": "Beard",
    "EMOTIONS": "Emotions",
    "EYE_DIRECTION": "EyeDirection",
    "EYEGLASSES": "Eyeglasses",
    "EYES_OPEN": "EyesOpen",
    "GENDER": "Gender",
    "MOUTH_OPEN": "MouthOpen",
    "MUSTACHE": "Mustache",
    "FACE_OCCLUDED": "FaceOccluded",
    "SMILE": "Smile",
    "SUNGLASSES": "Sunglasses",
}


def fields_for(attributes: Iterable[str] | None) -> tuple[set[str], bool]:
    """FaceDetail members to return for an ``Attributes`` list, and whether all 30 landmarks."""
    wanted = set(attributes or ("DEFAULT",))
    if "ALL" in wanted:
        return set(DEFAULT_FIELDS) | set(ATTRIBUTE_FIELDS.values()), True
    extra = {ATTRIBUTE_FIELDS[a] for a in wanted if a in ATTRIBUTE_FIELDS}
    return set(DEFAULT_FIELDS) | extra, False


def _flag(value: tuple[bool, float]) -> dict[str, Any]:
    return {"Value": bool(value[0]), "Confidence": f32(value[1])}


def service_emotions(shares: dict[str, float]) -> list[tuple[str, float]]:
    """The service's 8 emotion scores from the vision package's shares of 100: UNKNOWN's share
    spread over the others, sorted highest first (ties by name)."""
    known = {t: max(0.0, float(shares.get(t, 0.0))) for t in SERVICE_EMOTIONS}
    total = sum(known.values()) or 1.0
    return sorted(((t, 100.0 * v / total) for t, v in known.items()),
                  key=lambda kv: (-kv[1], kv[0]))


def occluded(face_occluded: tuple[bool, float],
             sunglasses: tuple[bool, float]) -> tuple[bool, float]:
    """FaceOccluded: the service counts dark sunglasses as an occlusion (99.99 on a real answer)."""
    if sunglasses[0] and not face_occluded[0]:
        return True, sunglasses[1]
    return face_occluded


@dataclass
class FaceView:
    """One face of one image (``index``: its place in the image, largest first), with the
    fields a recording or a test gave it. ``slot``: the face in ``analysis`` that measures it,
    when not ``index`` (faces a recording placed)."""

    image: LoadedImage
    analysis: vision.ImageAnalysis
    index: int
    refs: list[ImageRef]
    overrides: dict[str, Any] = field(default_factory=dict)
    slot: int | None = None

    @property
    def _slot(self) -> int:
        return self.index if self.slot is None else self.slot

    @property
    def face(self) -> vision.Face:
        return self.analysis.faces[self._slot]

    def bounding_box(self) -> dict[str, float]:
        if "BoundingBox" in self.overrides:
            return dict(self.overrides["BoundingBox"])
        left, top, width, height = self.face.box
        w, h = self.analysis.width, self.analysis.height
        return {"Width": f32(width / w), "Height": f32(height / h),
                "Left": f32(left / w), "Top": f32(top / h)}

    def confidence(self) -> float:
        return float(self.overrides.get("Confidence", f32(self.face.confidence)))

    def landmarks(self, every: bool) -> list[dict[str, Any]]:
        """The 5 (or all 30) landmarks: each given type as given, the others measured."""
        w, h = self.analysis.width, self.analysis.height
        given = {point["Type"]: point for point in self.overrides.get("Landmarks", ())}
        types = ALL_LANDMARKS if every else DEFAULT_LANDMARKS
        return [
            dict(given[t]) if t in given else
            {"Type": t, "X": f32(self.face.landmarks[t][0] / w),
             "Y": f32(self.face.landmarks[t][1] / h)}
            for t in types
        ]

    def pose(self) -> dict[str, float]:
        if "Pose" in self.overrides:  # scripted poses count in quality filtering too
            return dict(self.overrides["Pose"])
        face = self.face
        return {"Roll": f32(face.roll), "Yaw": f32(face.yaw), "Pitch": f32(face.pitch)}

    def quality(self) -> dict[str, float]:
        if "Quality" in self.overrides:
            return dict(self.overrides["Quality"])
        return {"Brightness": f32(self.face.brightness), "Sharpness": f32(self.face.sharpness)}

    def _attribute_fields(self) -> dict[str, Any]:
        a = self.analysis.attributes(self._slot)
        emotions = service_emotions(a.emotions)
        return {
            "AgeRange": {"Low": int(a.age_range[0]), "High": int(a.age_range[1])},
            "Smile": _flag(a.smile),
            "Eyeglasses": _flag(a.eyeglasses),
            "Sunglasses": _flag(a.sunglasses),
            "Gender": {"Value": a.gender[0], "Confidence": f32(a.gender[1])},
            "Beard": _flag(a.beard),
            "Mustache": _flag(a.mustache),
            "EyesOpen": _flag(a.eyes_open),
            "MouthOpen": _flag(a.mouth_open),
            "Emotions": [{"Type": t, "Confidence": f32(c)} for t, c in emotions],
            "FaceOccluded": _flag(occluded(a.face_occluded, a.sunglasses)),
            "EyeDirection": {"Yaw": f32(a.eye_direction[0]), "Pitch": f32(a.eye_direction[1]),
                             "Confidence": f32(a.eye_direction[2])},
        }

    def detail(self, attributes: Iterable[str] | None = None) -> dict[str, Any]:
        """The FaceDetail for an ``Attributes`` list, members in the model's order."""
        wanted, every_landmark = fields_for(attributes)
        values: dict[str, Any] = {
            "BoundingBox": self.bounding_box(),
            "Landmarks": self.landmarks(every_landmark),
            "Pose": self.pose(),
            "Quality": self.quality(),
            "Confidence": self.confidence(),
        }
        if wanted - set(DEFAULT_FIELDS) - set(self.overrides):
            values.update(self._attribute_fields())
        values.update({k: v for k, v in self.overrides.items()
                       if k in wanted and k != "Landmarks"})
        order = service_model().shape_for("FaceDetail").members
        return {name: values[name] for name in order if name in wanted}

    def descriptor(self) -> np.ndarray:
        return self.analysis.descriptor(self._slot)


def faces_of(image: LoadedImage, scripts: Scripts) -> list[FaceView]:
    """Every face the mock sees in ``image``, largest first, scripted fields applied: the faces
    a replayed recording gives the image when it has one (see :func:`_recorded_faces`), else
    the faces vision finds."""
    analysis = vision.analyze_encoded(image.key, image.pixels)
    refs = refs_of(image.key, image.s3_location)
    facts = recorded.current()
    given = facts.faces(image.key)
    if given is None:
        views = [FaceView(image, analysis, i, refs, scripts.fields_for(refs, i))
                 for i in range(len(analysis.faces))]
    else:
        views = _recorded_faces(image, analysis, refs, given, scripts)
    if facts:
        facts.learn(image.key, [view.bounding_box() for view in views])
    return views


def _recorded_faces(image: LoadedImage, analysis: vision.ImageAnalysis, refs: list[ImageRef],
                    given: list[dict[str, Any]], scripts: Scripts) -> list[FaceView]:
    """The service's faces of an image: their number, boxes and every field it gave; what it
    did not give (other attributes or landmarks, the face vector) is measured by vision on the
    face found at the same place, or, where vision found none, at the service's box."""
    w, h = analysis.width, analysis.height
    mine = [_pixel_box(face.box, w, h) for face in analysis.faces]
    same = recorded.matching([detail["BoundingBox"] for detail in given], mine)
    views = []
    for i, detail in enumerate(given):
        overrides = {**detail, **scripts.fields_for(refs, i)}
        if i in same:
            views.append(FaceView(image, analysis, i, refs, overrides, slot=same[i]))
            continue
        box = detail["BoundingBox"]
        points = {p["Type"]: (p["X"] * w, p["Y"] * h) for p in detail["Landmarks"]}
        measured = vision.measure_at(
            image.key, image.pixels,
            (box["Left"] * w, box["Top"] * h, box["Width"] * w, box["Height"] * h),
            [points[t] for t in FIVE_POINTS], float(detail["Confidence"]),
        )
        views.append(FaceView(image, measured, i, refs, overrides, slot=0))
    return views


def _pixel_box(box: tuple[float, float, float, float], w: int, h: int) -> dict[str, float]:
    left, top, width, height = box
    return {"Width": width / w, "Height": height / h, "Left": left / w, "Top": top / h}


def similarity(a: FaceView, b: FaceView, scripts: Scripts, reported: bool = True) -> float:
    """How alike two faces are (0..100): scripted when a test said so (or a replayed recording
    gave the pair's similarity), else by face vector. A ``reported`` value (one the caller may
    answer with) in the band where dlib confuses different people of East Asian origin raises
    ``SimilarityWarning``."""
    scripted = scripts.pair_similarity(a.refs, a.index, b.refs, b.index)
    if scripted is not None:
        return f32(scripted)
    found = f32(vision.similarity(a.descriptor(), b.descriptor()))
    if reported:
        vision.warn_if_confusable(found)
    return found
