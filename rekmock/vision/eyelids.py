"""How open each eye is, from MediaPipe's iris and eye-contour network (Apache-2.0; the copy in
``models/``, read by OpenCV's TFLite importer as the Face Mesh is).

Why: the Face Mesh keeps a near-average eye shape, so its lid gap barely moves when an eye
closes (on the service's recorded answers the eye aspect ratio of eyes it calls closed,
0.10-0.19, overlaps that of open eyes, 0.19-0.32). The iris network is made to follow the lids:
it takes a 64x64 RGB crop of one eye, ``CROP_SCALE`` times the corner-to-corner distance wide,
levelled by the corners, the viewer's-right eye mirrored (MediaPipe's own convention), and gives
71 eye-region points: the outer corner, 7 lower-lid points, the inner corner, then 7 upper-lid
points in the same order. Openness = the widest upper-to-lower lid gap over the corner distance.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .weights import iris_net

INPUT = 64
CROP_SCALE = 2.3  # crop side / eye width (MediaPipe's eye ROI)
LOWER = slice(1, 8)  # lower-lid points of the network's 71, outer to inner ...
UPPER = slice(9, 16)  # ... and the upper-lid points above them
CORNERS = (0, 8)


def openness(rgb: np.ndarray, left: np.ndarray, right: np.ndarray, mirrored: bool) -> float:
    """Widest lid gap over the corner distance for the eye whose corners are ``left`` and
    ``right`` (the viewer's, pixels of ``rgb``); ``mirrored`` for the viewer's-right eye, whose
    crop is flipped so its outer corner comes first, as the network wants."""
    left, right = np.asarray(left, np.float64), np.asarray(right, np.float64)
    centre = (left + right) / 2.0
    span = right - left
    angle = math.degrees(math.atan2(float(span[1]), float(span[0])))
    turn = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle,
                                   INPUT / max(CROP_SCALE * float(np.hypot(*span)), 1e-6))
    turn[:, 2] += INPUT / 2.0 - centre
    crop = cv2.warpAffine(rgb, turn, (INPUT, INPUT), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    if mirrored:
        crop = crop[:, ::-1]
    blob = np.ascontiguousarray(crop.astype(np.float32).transpose(2, 0, 1)[None] / 255.0)
    guarded = iris_net()
    with guarded.lock:
        guarded.model.setInput(blob)
        points = guarded.model.forward("output_eyes_contours_and_brows").reshape(-1, 3)[:, :2]
    gap = float(np.linalg.norm(points[UPPER] - points[LOWER], axis=1).max())
    return gap / max(float(np.linalg.norm(points[CORNERS[1]] - points[CORNERS[0]])), 1e-6)


def eyes_openness(rgb: np.ndarray, pts68: np.ndarray) -> float:
    """Mean ``openness`` of both eyes of a face with these 68 points."""
    return (openness(rgb, pts68[36], pts68[39], False)
            + openness(rgb, pts68[42], pts68[45], True)) / 2.0
