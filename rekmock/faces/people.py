"""People found through their faces: the box a person fills, derived from the face's box.

rekmock has no body detector; a person is a face it found, and their box follows the proportions
artists and anthropometry use for an upright adult:

- the head reaches ``HEAD_ABOVE_FACE`` face-box heights above the face box (hair and crown; the
  face box runs from the brows to the chin), so a head is ``1 + HEAD_ABOVE_FACE`` face heights
  tall;
- the body is ``HEADS_TALL`` heads tall from the top of the head, and ``HEADS_WIDE`` heads wide
  (shoulders and arms), centred on the face;
- the box is clipped to the image, as the service's person boxes are (a person cut by the
  bottom edge ends there).

The box is an estimate: nothing measures where the body really is (a sitting or leaning person,
a crowd, a child are all boxed as a standing adult would be).
"""

from __future__ import annotations

from ..botocore_model import f32
from .analysis import FaceView

HEAD_ABOVE_FACE = 0.35
HEADS_TALL = 7.5
HEADS_WIDE = 2.0


def person_box(face: FaceView) -> dict[str, float]:
    """The person's BoundingBox (ratios of the image), from face ``face``'s box."""
    box = face.bounding_box()
    width, height = face.analysis.width, face.analysis.height
    left, top = box["Left"] * width, box["Top"] * height
    face_w, face_h = box["Width"] * width, box["Height"] * height
    head = face_h * (1.0 + HEAD_ABOVE_FACE)
    x1 = left + face_w / 2.0 - HEADS_WIDE * head / 2.0
    y1 = top - HEAD_ABOVE_FACE * face_h
    x2 = x1 + HEADS_WIDE * head
    y2 = y1 + HEADS_TALL * head
    x1, x2 = max(0.0, x1), min(float(width), x2)
    y1, y2 = max(0.0, y1), min(float(height), y2)
    return {"Width": f32(max(0.0, x2 - x1) / width), "Height": f32(max(0.0, y2 - y1) / height),
            "Left": f32(x1 / width), "Top": f32(y1 / height)}


def box_pixels(box: dict[str, float], width: int, height: int) -> tuple[int, int, int, int]:
    """A BoundingBox as pixel corners (x1, y1, x2, y2) inside a width x height image."""
    x1 = min(width - 1, max(0, int(box["Left"] * width)))
    y1 = min(height - 1, max(0, int(box["Top"] * height)))
    x2 = max(x1 + 1, min(width, round((box["Left"] + box["Width"]) * width)))
    y2 = max(y1 + 1, min(height, round((box["Top"] + box["Height"]) * height)))
    return x1, y1, x2, y2
