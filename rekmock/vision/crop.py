"""The one crop helper of the vision code: a sub-image clipped to the image's bounds.

Callers round their rectangle to whole pixels as their measurement needs (round, or floor and
ceil outwards); this clips and slices.
"""

from __future__ import annotations

import numpy as np


def crop(image: np.ndarray, x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    """``image[y1:y2, x1:x2]`` clipped to the image (a view; empty when nothing is left)."""
    h, w = image.shape[:2]
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(w, x2), min(h, y2)
    return image[y1:max(y1, y2), x1:max(x1, x2)]
