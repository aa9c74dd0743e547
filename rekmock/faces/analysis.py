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
# The service's 8 emotion types (never UNKNOWN). Since 2023 each is an independent score; three
# of them rest at a floor even on a plainly happy face (median of the recorded 2023 answers:
# SURPRISED 6.3, FEAR 5.9, SAD 2.2), so the scores add up to about 100-115.
EMOTION_FLOORS = {"SURPRISED": 6.3, "FEAR": 5.9, "SAD": 2.2}
SERVICE_EMOTIONS = ("HAPPY", "SURPRISED", "FEAR", "SAD", "CALM", "CONFUSED", "DISGUSTED", "ANGRY")
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
    """The service's 8 independent emotion scores from the vision package's shares of 100.

    UNKNOWN's share is spread over the others; each score is its floor plus its share of the
    rest. Sorted by score, highest first (ties by name).
    """
    known = {t: max(0.0, float(shares.get(t, 0.0))) for t in SERVICE_EMOTIONS}
    total = sum(known.values()) or 1.0
    scores = {t: EMOTION_FLOORS.get(t, 0.0) + (100.0 - EMOTION_FLOORS.get(t, 0.0)) * v / total
              for t, v in known.items()}
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def occluded(face_occluded: tuple[bool, float],
             sunglasses: tuple[bool, float]) -> tuple[bool, float]:
    """FaceOccluded: the service counts dark sunglasses as an occlusion (99.99 on a real answer)."""
    if sunglasses[0] and not face_occluded[0]:
        return True, sunglasses[1]
    return face_occluded


@dataclass
class FaceView:
    """One detected face of one image, with its scripted overrides."""

    image: LoadedImage
    analysis: vision.ImageAnalysis
    index: int
    refs: list[ImageRef]
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def face(self) -> vision.Face:
        return self.analysis.faces[self.index]

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
        w, h = self.analysis.width, self.analysis.height
        types = ALL_LANDMARKS if every else DEFAULT_LANDMARKS
        return [
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
        a = self.analysis.attributes(self.index)
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
        if wanted - set(DEFAULT_FIELDS):
            values.update(self._attribute_fields())
        values.update({k: v for k, v in self.overrides.items() if k in wanted})
        order = service_model().shape_for("FaceDetail").members
        return {name: values[name] for name in order if name in wanted}

    def descriptor(self) -> np.ndarray:
        return self.analysis.descriptor(self.index)


def faces_of(image: LoadedImage, scripts: Scripts) -> list[FaceView]:
    """Every face the mock sees in ``image``, largest first, scripted fields applied."""
    analysis = vision.analyze_encoded(image.key, image.pixels)
    refs = refs_of(image.key, image.s3_location)
    return [
        FaceView(image, analysis, i, refs, scripts.fields_for(refs, i))
        for i in range(len(analysis.faces))
    ]


def similarity(a: FaceView, b: FaceView, scripts: Scripts, reported: bool = True) -> float:
    """How alike two faces are (0..100): scripted when a test said so, else by face vector.
    A ``reported`` value (one the caller may answer with) in the band where dlib confuses
    different people of East Asian origin raises ``SimilarityWarning``."""
    scripted = scripts.pair_similarity(a.refs, a.index, b.refs, b.index)
    if scripted is not None:
        return f32(scripted)
    found = f32(vision.similarity(a.descriptor(), b.descriptor()))
    if reported:
        vision.warn_if_confusable(found)
    return found
