"""Computer-vision core of rekmock: face detection, landmarks, pose, quality, attributes and
face descriptors from the pixels of an upright RGB image.

Importing this package is cheap: OpenCV, dlib and the models load on the first ``analyze`` call.
Nothing here knows about HTTP, boto3 or AWS request shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .landmarks import LANDMARK_TYPES
from .results import Attributes, Face, ImageAnalysis

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "LANDMARK_TYPES",
    "Attributes",
    "Face",
    "ImageAnalysis",
    "analyze",
    "analyze_encoded",
    "distance_for_similarity",
    "measure_at",
    "similarity",
    "similarity_from_distance",
    "warn_if_confusable",
]


def analyze(key: str, rgb: np.ndarray) -> ImageAnalysis:
    """Faces of an upright RGB uint8 image, cached by ``key`` (see ``api.analyze``)."""
    from .api import analyze as _analyze

    return _analyze(key, rgb)


def analyze_encoded(key: str, pixels: Callable[[], np.ndarray]) -> ImageAnalysis:
    """Faces of an image named by its encoded bytes' hash, decoded only when needed (see
    ``api.analyze_encoded``)."""
    from .api import analyze_encoded as _analyze_encoded

    return _analyze_encoded(key, pixels)


def measure_at(key: str, pixels: Callable[[], np.ndarray],
               box: tuple[float, float, float, float], points5: Sequence[tuple[float, float]],
               confidence: float) -> ImageAnalysis:
    """One face measured at a given box and five points (see ``api.measure_at``)."""
    from .api import measure_at as _measure_at

    return _measure_at(key, pixels, box, points5, confidence)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Similarity 0..100 of two face descriptors (see ``embedding`` for the mapping)."""
    from .embedding import similarity as _similarity

    return _similarity(a, b)


def similarity_from_distance(d: Any) -> Any:
    """Similarity 0..100 of descriptor distances (a float or a numpy array of them)."""
    from .embedding import similarity_from_distance as _from_distance

    return _from_distance(d)


def distance_for_similarity(similarity: float) -> float:
    """The largest descriptor distance that still scores ``similarity``."""
    from .embedding import distance_for_similarity as _inverse

    return _inverse(similarity)


def warn_if_confusable(similarities: Any) -> None:
    """Warn when a reported Similarity lies where dlib confuses different people of East Asian
    origin (see ``embedding.warn_if_confusable``)."""
    from .embedding import warn_if_confusable as _warn

    _warn(similarities)
