"""Face descriptor (dlib ResNet, 128-d) and the distance -> Similarity mapping.

The descriptor is dlib's ``face_recognition_model_v1`` on the 150x150 chip aligned from the 68
landmarks, with ``num_jitters=0`` (no random jitter, so it is deterministic).

Similarity: with ``d`` the Euclidean distance between two descriptors,
``Similarity = 100 / (1 + exp((d - D0) / S))`` with ``D0 = 0.63`` and ``S = 0.03``, fitted to the
service's scale: an identical photo scores 100.0 (float32), the same person 99.9 or more, other
people under 10. On ../shared/data/verification (273 pairs) dlib's same-person distances have
median 0.38 (-> 99.976; 72% of pairs >= 99.9, 95th percentile d 0.50 -> 98.8); different people
start at 0.70 (-> 8.8) with median 0.87 (-> 0.03). Rekognition's default threshold 80 falls at
d = 0.588 (true-match rate 99.4%, false-match rate 0% there). dlib's descriptor separates people
less well on faces unlike its (mostly Western) training set; no mapping can fix that.

It fails on people of East Asian origin: on ../shared/data/verification-east-asian (15 K-pop
singers) 87% of its pairs of *different* singers lie under d = 0.588, i.e. score 80 or more, all
of them in d = 0.354-0.588 (Similarity 80-99.99), where Western same-person pairs lie too. No
distance curve, cohort normalisation, linear map or crop change measured out of sample separates
them (``docs/similarity.md``, ``benchmarks/similarity_study.py``). So every reported Similarity
in that band is logged, and the first in a process raises ``SimilarityWarning``, pointing tests
to scripted answers.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import warnings

import numpy as np

from ..defaults import MATCH_THRESHOLD
from .weights import face_encoder

D0 = 0.63
S = 0.03
# Similarity where dlib's descriptor also puts most pairs of different people of East Asian
# origin: from the service's default threshold up to 99.99 (d = 0.354; every false match of the
# East Asian set lies in it). Western same-person pairs land here too (their median d is 0.38).
CONFUSABLE = (MATCH_THRESHOLD, 99.99)

log = logging.getLogger("rekmock.similarity")


class SimilarityWarning(UserWarning):
    """A Similarity was reported in the band where dlib's face descriptor cannot tell different
    people of East Asian origin apart (``CONFUSABLE``): the match may be two strangers."""


def _edged(rgb: np.ndarray, pts68: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The image and points, the image continued by its edge pixels when the aligned chip
    could reach past it. dlib fills what lies outside with black, and a black band across a
    face cut by the frame (a tight crop, an ID photo) makes strangers alike: on the East Asian
    set's left-out singers the false-match rate at 80 fell from 81.7% to 73.3% this way (true
    matches 88.9% -> 88.7%); faces inside the image get exactly the same vector as before."""
    lo, hi = pts68.min(axis=0), pts68.max(axis=0)
    pad = int(math.ceil(float((hi - lo).max())))  # the chip spans less around the points
    h, w = rgb.shape[:2]
    if lo[0] - pad >= 0 and lo[1] - pad >= 0 and hi[0] + pad <= w - 1 and hi[1] + pad <= h - 1:
        return rgb, pts68
    return np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="edge"), pts68 + pad


def descriptor(rgb: np.ndarray, pts68: np.ndarray) -> np.ndarray:
    """128-d float32 descriptor of the face whose 68 points (pixels of ``rgb``) are given."""
    import dlib

    rgb, pts68 = _edged(rgb, pts68)
    xs, ys = pts68[:, 0], pts68[:, 1]
    rect = dlib.rectangle(
        int(math.floor(xs.min())),
        int(math.floor(ys.min())),
        int(math.ceil(xs.max())),
        int(math.ceil(ys.max())),
    )
    parts = [dlib.point(round(float(x)), round(float(y))) for x, y in pts68]
    shape = dlib.full_object_detection(rect, parts)
    guarded = face_encoder()
    with guarded.lock:
        vec = guarded.model.compute_face_descriptor(np.ascontiguousarray(rgb), shape, 0)
    return np.asarray(vec, dtype=np.float32).reshape(128)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors (computed in float64)."""
    diff = np.asarray(a, dtype=np.float64).ravel() - np.asarray(b, dtype=np.float64).ravel()
    return float(math.sqrt(float(diff @ diff)))


def similarity_from_distance(d: float | np.ndarray) -> float | np.ndarray:
    """The documented logistic mapping, 0..100, decreasing in ``d`` (a float or an array)."""
    # Above 700 exp overflows; the similarity is 0 to double precision anyway.
    z = np.minimum((np.asarray(d, dtype=np.float64) - D0) / S, 700.0)
    out = 100.0 / (1.0 + np.exp(z))
    return float(out) if out.ndim == 0 else out


def distance_for_similarity(similarity: float) -> float:
    """The inverse mapping: the largest distance that still scores ``similarity`` (0..100)."""
    if similarity <= 0.0:
        return math.inf
    if similarity >= 100.0:
        return -math.inf
    return D0 + S * math.log(100.0 / similarity - 1.0)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Similarity 0..100 of two face descriptors (see the module docstring)."""
    return float(similarity_from_distance(distance(a, b)))


def _confusable_message() -> str:
    low, high = CONFUSABLE
    near, far = distance_for_similarity(high), distance_for_similarity(low)
    return (
        f"rekmock: a face match scored Similarity {low:g}-{high:g} (descriptor distance "
        f"{near:.3f}-{far:.3f}). dlib's face descriptor gives such scores to the same person, "
        "but also to most pairs of DIFFERENT people of East Asian origin (87% of pairs of "
        "different K-pop singers match at 80; Western faces are told apart). If a test relies "
        "on two faces being different (or the same) person, script it: "
        "rek.different_person(a, b) / rek.same_person(a, b) (server: POST "
        "/rekmock-api/different-person, /same-person). See docs/similarity.md."
    )


def warn_if_confusable(similarities: float | np.ndarray) -> None:
    """Tell when a reported Similarity lies in ``CONFUSABLE``: the first time in a process with
    ``SimilarityWarning`` and a log warning, afterwards with an info line on ``rekmock.similarity``
    (every band match, with its value). Once, because image decoding resets the warnings
    registry, so Python's own once-per-place would repeat it on every call. The answer never
    depends on warning filters: under ``-W error`` the warning is only logged."""
    sims = np.asarray(similarities, dtype=np.float64).ravel()
    low, high = CONFUSABLE
    hits = sims[(sims >= low) & (sims < high)]
    if hits.size == 0:
        return
    first = not _warned.is_set()
    _warned.set()
    log.log(
        logging.WARNING if first else logging.INFO,
        "Similarity %.4f (descriptor distance %.3f) lies where dlib also scores different people "
        "of East Asian origin; script the pair if the test depends on it (docs/similarity.md)",
        float(hits.max()), distance_for_similarity(float(hits.max())),
    )
    if first:
        with contextlib.suppress(SimilarityWarning):
            warnings.warn(_confusable_message(), SimilarityWarning, stacklevel=3)


_warned = threading.Event()
