"""Whole-frame measurements of video: colour signatures for hard cuts, luminance for black frames.

- A frame's signature is its hue/saturation/value histogram (``HIST_BINS``) on a copy shrunk to
  ``SIGNATURE_WIDTH`` px, normalised to sum 1. Two frames differ by ``1 - sum(min(a, b))``
  (one minus the histogram intersection): 0 for the same colours, 1 for none in common.
- A frame's black fraction is the share of its pixels whose BT.709 luma is at most a threshold.

Nothing here knows about video files or AWS: frames are upright RGB uint8 arrays.
"""

from __future__ import annotations

import numpy as np

HIST_BINS = (16, 4, 4)  # hue, saturation, value
SIGNATURE_WIDTH = 160
BT709 = (0.2126, 0.7152, 0.0722)  # R, G, B weights of luma (the service names BT.709)


def signature(rgb: np.ndarray) -> np.ndarray:
    """The frame's normalised HSV histogram (float32, ``prod(HIST_BINS)`` values)."""
    import cv2

    height, width = rgb.shape[:2]
    size = (SIGNATURE_WIDTH, max(1, round(height * SIGNATURE_WIDTH / max(1, width))))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, list(HIST_BINS), [0, 180, 0, 256, 0, 256])
    flat = hist.ravel().astype(np.float32)
    return flat / max(float(flat.sum()), 1.0)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """How unlike two signatures are, 0..1 (one minus their histogram intersection)."""
    return float(np.clip(1.0 - np.minimum(a, b).sum(), 0.0, 1.0))


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.709 luma, 0..255 (float32)."""
    weights = np.asarray(BT709, dtype=np.float32)
    return np.asarray(rgb, dtype=np.float32) @ weights


def black_fraction(rgb: np.ndarray, max_black: float) -> float:
    """The share (0..1) of pixels whose luma is at most ``max_black`` (0..255)."""
    return float((luma(rgb) <= max_black).mean())
