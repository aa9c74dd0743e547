"""The groups of dlib's 68-point (iBUG 300-W) landmark scheme, named once.

"Left" and "right" are the viewer's, as in Rekognition's responses: ``EYE_LEFT`` (36-41) has
the smaller x in a frontal photo (it is the subject's right eye). Groups are slices, so
``pts68[EYE_LEFT]`` is that group's (n, 2) points.
"""

from __future__ import annotations

JAW = slice(0, 17)
BROW_LEFT = slice(17, 22)
BROW_RIGHT = slice(22, 27)
NOSE_BRIDGE = slice(27, 31)
NOSE_LOWER = slice(31, 36)
EYE_LEFT = slice(36, 42)  # corners 36 (outer) and 39 (inner); upper lid 37-38, lower 40-41
EYE_RIGHT = slice(42, 48)  # corners 42 (inner) and 45 (outer); upper lid 43-44, lower 46-47
MOUTH_OUTER = slice(48, 60)  # corners 48 and 54
MOUTH_INNER = slice(60, 68)

NOSE_TIP = 30
MOUTH_LEFT = 48
MOUTH_RIGHT = 54
CHIN = 8


def indices(group: slice) -> tuple[int, ...]:
    """The point numbers of a group."""
    return tuple(range(group.start, group.stop))
