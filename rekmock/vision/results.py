"""Result types of the vision API (plain dataclasses; no HTTP/AWS knowledge)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

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


BORDER_GREY = 128  # the grey of the border added round a photo whose face the frame cuts


def bordered(image: np.ndarray, border: int) -> np.ndarray:
    """``image`` (HxW or HxWx3) with ``border`` grey pixels added on every side."""
    pad = ((border, border), (border, border)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, pad, constant_values=BORDER_GREY)


@dataclass
class FaceContext:
    """What the lazy estimates need about one face: a crop around it and its 68 points.

    Kept instead of the whole image so a cached analysis holds little memory.
    """

    PIXELS: ClassVar[tuple[str, ...]] = ("rgb", "gray")  # the crops; the rest is geometry

    rgb: np.ndarray  # crop of the working copy, uint8 HxWx3
    gray: np.ndarray  # same crop, grey
    pts68: np.ndarray  # (68, 2) in crop pixels
    box: tuple[float, float, float, float]  # MTCNN box in crop pixels
    yaw: float
    pitch: float
    roll: float
    origin: tuple[int, int] = (0, 0)  # the crop's top-left corner in the working copy ...
    quarter: int = 0  # ... turned this many times 90 degrees counter-clockwise (sideways photos)
    border: int = 0  # ... with this many grey pixels added round it first (faces cut by the frame)

    def geometry(self) -> dict[str, Any]:
        """Everything but the pixels, and where the crop lies: enough to cut it again."""
        x0, y0 = self.origin
        h, w = self.rgb.shape[:2]
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self.PIXELS}
        return {**out, "crop": (x0, y0, x0 + w, y0 + h)}

    @classmethod
    def from_geometry(
        cls, work: np.ndarray, gray: np.ndarray, geometry: dict[str, Any]
    ) -> FaceContext:
        """The context again, its crops cut from the working copy (and its grey version)."""
        rest = {k: v for k, v in geometry.items() if k != "crop"}
        if set(rest) != {f.name for f in fields(cls)} - set(cls.PIXELS):
            raise ValueError("face context fields differ")
        x0, y0, x1, y1 = (int(v) for v in geometry["crop"])
        if rest["border"]:
            work, gray = bordered(work, int(rest["border"])), bordered(gray, int(rest["border"]))
        work, gray = (np.rot90(a, int(rest["quarter"])) for a in (work, gray))
        return cls(rgb=work[y0:y1, x0:x1].copy(), gray=gray[y0:y1, x0:x1].copy(), **rest)


@dataclass
class ImageAnalysis:
    """Faces of one image (largest first) with lazily computed attributes and descriptors.

    An analysis read back from the disk cache has no face contexts (crops); ``_restore`` rebuilds
    them from the request's pixels the first time a part the entry lacks is asked for, and
    ``_persist`` stores each newly computed part so the next process finds it.
    """

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
    # An RLock: storing a new part reads the known parts while the part's lock is held.
    _lock: Any = field(default_factory=threading.RLock, repr=False, compare=False)
    _restore: Callable[[ImageAnalysis], None] | None = field(
        default=None, repr=False, compare=False
    )
    _persist: Callable[[ImageAnalysis], None] | None = field(
        default=None, repr=False, compare=False
    )
    _geometry: list[dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def _check(self, i: int) -> None:
        if not 0 <= i < len(self.faces):
            raise IndexError(f"face index {i} out of range (0..{len(self.faces) - 1})")

    def _context(self, i: int) -> FaceContext:
        """Face ``i``'s context, rebuilding the contexts first when read back from disk."""
        if not self._contexts and self._restore is not None:
            self._restore(self)
            self._restore = None
        return self._contexts[i]

    def _stored(self) -> None:
        if self._persist is not None:
            self._persist(self)

    def attributes(self, i: int) -> Attributes:
        """Attributes of face ``i`` (computed on first request, then memoised)."""
        self._check(i)
        with self._lock:
            if i not in self._attrs:
                ctx = self._context(i)
                if self._attributes_fn is not None:
                    self._attrs[i] = self._attributes_fn(ctx)
                    self._stored()
            return self._attrs[i]

    def descriptor(self, i: int) -> np.ndarray:
        """Float32 face descriptor of face ``i`` (memoised; a read-only array)."""
        self._check(i)
        with self._lock:
            if i not in self._descs:
                ctx = self._context(i)
                if self._descriptor_fn is not None:
                    vec = self._descriptor_fn(ctx)
                    vec.setflags(write=False)
                    self._descs[i] = vec
                    self._stored()
            return self._descs[i]

    def geometry(self) -> list[dict[str, Any]] | None:
        """Each face context's geometry (``FaceContext.geometry``), None when unknown."""
        if self._contexts:
            return [c.geometry() for c in self._contexts]
        return self._geometry if self.faces else []

    def known_parts(self) -> tuple[dict[int, Attributes], dict[int, np.ndarray]]:
        """Copies of the attributes and descriptors computed so far (for the disk cache)."""
        with self._lock:
            return dict(self._attrs), dict(self._descs)

    def adopt_parts(
        self, attrs: dict[int, Attributes], descs: dict[int, np.ndarray]
    ) -> None:
        """Take parts computed elsewhere (another process) that this analysis lacks."""
        with self._lock:
            for i, a in attrs.items():
                self._attrs.setdefault(i, a)
            for i, d in descs.items():
                self._descs.setdefault(i, d)
