"""Result types of the vision API (plain dataclasses; no HTTP/AWS knowledge)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Face:
    """One detected face; all coordinates in pixels of the upright image."""

    box: tuple[float, float, float, float]  # left, top, width, height (may leave the image)
    confidence: float  # 0..100, detect.confidence(MTCNN O-Net face probability)
    landmarks: dict[str, tuple[float, float]]  # all 30 LANDMARK_TYPES -> (x, y)
    roll: float
    yaw: float
    pitch: float
    brightness: float  # 0..100
    sharpness: float  # 0..100


@dataclass(frozen=True)
class Attributes:
    """Per-face attribute estimates: (value, confidence 0..100) unless said otherwise."""

    smile: tuple[bool, float]
    eyes_open: tuple[bool, float]
    mouth_open: tuple[bool, float]
    eyeglasses: tuple[bool, float]
    sunglasses: tuple[bool, float]
    beard: tuple[bool, float]
    mustache: tuple[bool, float]
    gender: tuple[str, float]  # "Male" | "Female"
    age_range: tuple[int, int]  # low, high
    emotions: dict[str, float]  # the 9 Rekognition emotion types -> confidence
    face_occluded: tuple[bool, float]
    eye_direction: tuple[float, float, float]  # yaw, pitch (degrees), confidence


@dataclass
class FaceContext:
    """What the lazy estimates need about one face: a crop around it and its 68 points.

    Kept instead of the whole image so a cached analysis holds little memory.
    """

    rgb: np.ndarray  # crop of the working copy, uint8 HxWx3
    gray: np.ndarray  # same crop, grey
    pts68: np.ndarray  # (68, 2) in crop pixels
    box: tuple[float, float, float, float]  # MTCNN box in crop pixels
    yaw: float
    pitch: float
    roll: float


@dataclass
class ImageAnalysis:
    """Faces of one image (largest first) with lazily computed attributes and descriptors."""

    width: int
    height: int
    faces: list[Face]
    _contexts: list[FaceContext] = field(default_factory=list, repr=False, compare=False)
    _attributes_fn: Callable[[FaceContext], Attributes] | None = field(
        default=None, repr=False, compare=False
    )
    _descriptor_fn: Callable[[FaceContext], np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )
    _attrs: dict[int, Attributes] = field(default_factory=dict, repr=False, compare=False)
    _descs: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _check(self, i: int) -> None:
        if not 0 <= i < len(self.faces):
            raise IndexError(f"face index {i} out of range (0..{len(self.faces) - 1})")

    def attributes(self, i: int) -> Attributes:
        """Attributes of face ``i`` (computed on first request, then memoised)."""
        self._check(i)
        with self._lock:
            if i not in self._attrs and self._attributes_fn is not None:
                self._attrs[i] = self._attributes_fn(self._contexts[i])
            return self._attrs[i]

    def descriptor(self, i: int) -> np.ndarray:
        """128-d float32 face descriptor of face ``i`` (memoised; a read-only array)."""
        self._check(i)
        with self._lock:
            if i not in self._descs and self._descriptor_fn is not None:
                vec = self._descriptor_fn(self._contexts[i])
                vec.setflags(write=False)
                self._descs[i] = vec
            return self._descs[i]
