"""Face image quality: brightness and sharpness of the face crop, each 0..100.

- Brightness: mean luma (BT.601, 0..255) of the inner face (the landmark hull's bounding box,
  brows to chin), scaled to 0..100. A well-lit face gives 40-80; an under-exposed one < 25.
- Sharpness: variance of the Laplacian of that crop resized to 128 px wide (so it does not depend
  on the face's size in pixels), mapped by ``100 * (1 - exp(-var / 400))``. A crisp photo gives
  80-100, a visibly blurred one < 40.
"""

from __future__ import annotations

import math

import numpy as np

from .crop import crop

SHARPNESS_SCALE = 400.0
CROP_WIDTH = 128


def face_crop(gray: np.ndarray, pts68: np.ndarray) -> np.ndarray:
    """Grey crop of the inner face (bounding box of the 68 points, clipped to the image)."""
    x1, y1 = np.floor(pts68.min(axis=0)).astype(int)
    x2, y2 = np.ceil(pts68.max(axis=0)).astype(int)
    patch = crop(gray, int(x1), int(y1), int(x2) + 1, int(y2) + 1)
    if patch.shape[0] < 2 or patch.shape[1] < 2:
        return np.zeros((2, 2), dtype=np.uint8)
    return patch


def measure(gray: np.ndarray, pts68: np.ndarray) -> tuple[float, float]:
    """(brightness, sharpness), each 0..100."""
    import cv2

    crop = face_crop(gray, pts68)
    brightness = float(crop.mean()) * 100.0 / 255.0
    ch, cw = crop.shape
    size = (CROP_WIDTH, max(2, round(ch * CROP_WIDTH / cw)))
    interp = cv2.INTER_AREA if cw > CROP_WIDTH else cv2.INTER_LINEAR
    norm = cv2.resize(crop, size, interpolation=interp)
    var = float(cv2.Laplacian(norm, cv2.CV_64F).var())
    sharpness = 100.0 * (1.0 - math.exp(-var / SHARPNESS_SCALE))
    return min(100.0, max(0.0, brightness)), min(100.0, max(0.0, sharpness))
