"""Glasses frames: thin lines across the nose bridge.

A frame's bridge is a thin dark (or, for metal, bright) line across the nose between the eyes.
Thin frames make weak *edges* but a clear *line*, so the line is measured with a morphological
black-hat plus top-hat in a chip levelled and scaled by the eye centres (the kernel is then a
fixed share of the eye distance), against the same measure over the inner face.
"""

from __future__ import annotations

import numpy as np

from .crop import crop
from .dlib68 import EYE_LEFT, EYE_RIGHT
from .results import FaceContext

CHIP_EYE_DISTANCE = 64.0  # px: the chip is scaled so the eye centres lie this far apart
CHIP_EYES = ((64.0, 80.0), (128.0, 80.0))  # where the eye centres land in the chip
CHIP_SIDE = 192  # px
LINE_KERNEL = 7  # px in the chip: lines thinner than this stand out of the black/top-hat
BRIDGE_HALF_WIDTH = 6.0  # px in the chip, either side of the midpoint of the inner eye corners
LINE_FLOOR = 1.0  # grey levels added to the face's mean line level (a perfectly smooth face)


def _patch(image: np.ndarray, x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    return crop(image, round(x1), round(y1), round(x2), round(y2))


def _chip(ctx: FaceContext) -> tuple[np.ndarray, np.ndarray]:
    """The face crop in grey, levelled and scaled by the eye centres, and its 68 points."""
    import cv2

    p = ctx.pts68.astype(np.float64)
    src = np.array([p[EYE_LEFT].mean(axis=0), p[EYE_RIGHT].mean(axis=0)])
    d = src[1] - src[0]
    scale = CHIP_EYE_DISTANCE / max(float(np.hypot(*d)), 1e-6)
    angle = -float(np.arctan2(d[1], d[0]))
    c, s = scale * np.cos(angle), scale * np.sin(angle)
    turn = np.array([[c, -s, 0.0], [s, c, 0.0]])
    turn[:, 2] = np.array(CHIP_EYES[0]) - turn[:, :2] @ src[0]
    gray = cv2.warpAffine(ctx.gray, turn, (CHIP_SIDE, CHIP_SIDE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)
    return gray.astype(np.float32), p @ turn[:, :2].T + turn[:, 2]


def bridge_lines(ctx: FaceContext) -> float:
    """Strongest thin line across the nose bridge (row mean of black-hat + top-hat, from halfway
    between brows and eyes down to the nose's upper half) over the whole inner face's mean line
    level (eyes, brows, lips, skin): smooth retouched skin and a fringe over the brows then read
    no glasses."""
    import cv2

    gray, q = _chip(ctx)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (LINE_KERNEL, LINE_KERNEL))
    lines = (cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
             + cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel))
    brows = min(q[21, 1], q[22, 1])
    face = _patch(lines, q[36, 0], brows, q[45, 0], q[57, 1])
    reference = (float(face.mean()) if face.size else 0.0) + LINE_FLOOR
    mid = (q[39, 0] + q[42, 0]) / 2.0
    top = (brows + float(q[36:48, 1].mean())) / 2.0
    bridge = _patch(lines, mid - BRIDGE_HALF_WIDTH, top, mid + BRIDGE_HALF_WIDTH, q[29, 1])
    return float(bridge.mean(axis=1).max()) / reference if bridge.size else 0.0
