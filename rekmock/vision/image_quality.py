"""Face image quality: Brightness and Sharpness of the face crop, 0..100, on the service's scales.

Both are read from the inner face (the bounding box of the 68 points, brows to chin), so they
depend on the crop, not on the exact landmark positions.

- Brightness: mean luma (BT.601) of the crop as a percentage, times ``BRIGHTNESS_GAIN``. The
  service's answers read about 1.7 times rekmock's plain mean on the same faces: 1.69 fitted on
  the 2023-2025 answers of ../shared/fidelity (the scale drifts: 2020 answers read darker, about
  1.5), 1.67 on all of them; with one source of answers left out at a time the median error is
  2.7 points (a ratio generalised better than a constant offset).
- Sharpness: every real value lies on one lattice, ``logit(S / 100) = LATTICE_A + LATTICE_B * k``
  for a whole number ``k``. ``k`` is read from the variance of the Laplacian of the crop resized to
  ``CROP_WIDTH`` px (so it does not depend on the face's size in pixels):
  ``k = round(K_PER_LOG_VAR * ln(var) + K_OFFSET)`` (fitted on the 2020-2023 answers; refitted
  with one source left out at a time, median error 4.5 points; the 2024-25 answers read small
  faces far less sharp, 21-26 where this gives 39-67, and a face-size term fitted to follow
  them did worse left out). A crisp portrait gives k about 20-24
  (Sharpness 86-97), a small or soft face k about 0-5 (Sharpness 3-12).
"""

from __future__ import annotations

import math

import numpy as np

from .crop import crop

CROP_WIDTH = 128
BRIGHTNESS_GAIN = 1.7
LATTICE_A = -3.37711
LATTICE_B = 0.292545
K_PER_LOG_VAR = 4.971
K_OFFSET = -8.753
MIN_VARIANCE = 1e-6  # a flat crop: ln() stays finite, k very low


def face_crop(gray: np.ndarray, pts68: np.ndarray) -> np.ndarray:
    """Grey crop of the inner face (bounding box of the 68 points, clipped to the image)."""
    x1, y1 = np.floor(pts68.min(axis=0)).astype(int)
    x2, y2 = np.ceil(pts68.max(axis=0)).astype(int)
    patch = crop(gray, int(x1), int(y1), int(x2) + 1, int(y2) + 1)
    if patch.shape[0] < 2 or patch.shape[1] < 2:
        return np.zeros((2, 2), dtype=np.uint8)
    return patch


def lattice_sharpness(k: int) -> float:
    """The service's Sharpness value for lattice step ``k``."""
    return 100.0 / (1.0 + math.exp(-(LATTICE_A + LATTICE_B * k)))


def sharpness_step(log_variance: float, per_log: float = K_PER_LOG_VAR,
                   offset: float = K_OFFSET) -> int:
    """Lattice step ``k`` of a crop whose (normalised) Laplacian variance has this logarithm."""
    return round(per_log * log_variance + offset)


def region_measures(crop: np.ndarray) -> tuple[float, float]:
    """What Quality is read from, before the service's scales, for any grey region (at least
    2x2 px): its mean luma (percent) and the logarithm of its Laplacian variance at
    ``CROP_WIDTH`` px. Faces use the inner-face crop; image properties the whole region."""
    import cv2

    luma = float(crop.mean()) * 100.0 / 255.0
    ch, cw = crop.shape
    size = (CROP_WIDTH, max(2, round(ch * CROP_WIDTH / cw)))
    interp = cv2.INTER_AREA if cw > CROP_WIDTH else cv2.INTER_LINEAR
    norm = cv2.resize(crop, size, interpolation=interp)
    var = float(cv2.Laplacian(norm, cv2.CV_64F).var())
    return luma, math.log(max(var, MIN_VARIANCE))


def measures(gray: np.ndarray, pts68: np.ndarray) -> tuple[float, float]:
    """:func:`region_measures` of the inner face."""
    return region_measures(face_crop(gray, pts68))


def brightness(luma: float, gain: float = BRIGHTNESS_GAIN) -> float:
    """Brightness (0..100) on the service's scale for a crop of mean luma ``luma`` percent."""
    return min(100.0, max(0.0, luma * gain))


def region_quality(crop: np.ndarray) -> tuple[float, float]:
    """(brightness, sharpness), each 0..100, of a grey region on the service's face scales."""
    luma, log_variance = region_measures(crop)
    return brightness(luma), lattice_sharpness(sharpness_step(log_variance))


def measure(gray: np.ndarray, pts68: np.ndarray) -> tuple[float, float]:
    """(brightness, sharpness) of the inner face, each 0..100."""
    return region_quality(face_crop(gray, pts68))
