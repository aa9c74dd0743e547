"""A second opinion on a face the Face Mesh cannot confirm: dlib's CNN face detector (MMOD) on
a crop around it.

Why: MTCNN finds full profiles, but with probabilities (0.4 to 0.99) that hands, cloth and
blurred shapes also reach, and the Face Mesh, made for faces turned less than about 60 degrees,
rejects profiles as it rejects that junk. dlib's CNN detector finds faces turned further (it
was trained on its author's own labels; the model file is public domain). Over the whole photo
it costs about 2 s, so it only looks at one crop per doubtful candidate, scaled so the face is
``FACE_PX`` wide
(its smallest window is about 80 px: with the face at 80 px it confirmed 2 of the 8 faces it
confirms at 90 px or more), with ``CROP_SCALE`` of context (1.3 to 1.8 confirm the same faces;
the smallest crop costs least). On the labelled, recorded, verification and non-face photos
every face it confirmed is a real face, and among them are the three faces MTCNN doubted that
the service reports.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .weights import face_cnn

FACE_PX = 95.0  # the candidate's longest side in the crop, px
CROP_SCALE = 1.3  # side of the (square) crop / the candidate's longest side
MIN_IOU = 0.5  # a detection in the crop must overlap the candidate's box this much (at 0.3, a
# box half a face off a child's face was confirmed by that face)


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def confirms(rgb: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """Whether dlib's CNN detector finds a face on ``box`` (left, top, width, height in pixels
    of ``rgb``, which may leave the image: the crop is filled with black there)."""
    left, top, w, h = box
    side = max(w, h)
    if side <= 0:
        return False
    out = int(round(CROP_SCALE * FACE_PX))
    half = CROP_SCALE * side / 2.0
    x0 = int(math.floor(left + w / 2.0 - half))
    y0 = int(math.floor(top + h / 2.0 - half))
    x1 = int(math.ceil(left + w / 2.0 + half))
    y1 = int(math.ceil(top + h / 2.0 + half))
    ih, iw = rgb.shape[:2]
    inside = rgb[max(0, y0):max(0, min(ih, y1)), max(0, x0):max(0, min(iw, x1))]
    if inside.size == 0:
        return False
    region = cv2.copyMakeBorder(inside, max(0, -y0), max(0, y1 - ih), max(0, -x0),
                                max(0, x1 - iw), cv2.BORDER_CONSTANT, value=(0, 0, 0))
    shrink = region.shape[1] > out
    crop = cv2.resize(region, (out, out), interpolation=cv2.INTER_AREA if shrink else
                      cv2.INTER_LINEAR)
    sx, sy = out / region.shape[1], out / region.shape[0]
    target = ((left - x0) * sx, (top - y0) * sy, w * sx, h * sy)
    guarded = face_cnn()
    with guarded.lock:
        found = guarded.model(np.ascontiguousarray(crop), 0)
    return any(_iou((float(d.rect.left()), float(d.rect.top()), float(d.rect.width()),
                     float(d.rect.height())), target) >= MIN_IOU for d in found)
