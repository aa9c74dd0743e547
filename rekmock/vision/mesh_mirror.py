"""Left-right mirror of MediaPipe Face Mesh's 468 points: ``MIRROR[i]`` is the point that sits
where point ``i`` would after a horizontal flip of the face.

Why: averaging the mesh of a crop with the mirrored mesh of the flipped crop cancels the network's
left-right biases (see ``facemesh.fit``). The model ships with no such map, so it was derived:
the mesh of 60 near-frontal AFW faces (|yaw| < 17 degrees) and of their flipped crops, each point
matched to the nearest flipped point by summed distance (the optimal one-to-one assignment gives
the same map). The result has a simple layout, used here instead of a 468-entry table: 28 points
lie on the midline and map to themselves; the other points below ``FIRST_RIGHT`` are one half of
the face and the points from ``FIRST_RIGHT`` on are the other half, in the same order.
``tests/test_mesh_mirror.py`` checks the map against the published iBUG 68-point pairs, the eye
contours, the service's left/right landmark types and a mirrored photo.
"""

MIDLINE = (0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 94, 151, 152, 164, 168,
           175, 195, 197, 199, 200)
FIRST_RIGHT = 248
POINTS = 468


def _mirror() -> tuple[int, ...]:
    left = [i for i in range(FIRST_RIGHT) if i not in MIDLINE]
    right = list(range(FIRST_RIGHT, POINTS))
    halves = dict(zip(left, right, strict=True))  # equal halves, or the layout is not this
    pairs = halves | {b: a for a, b in halves.items()} | {i: i for i in MIDLINE}
    return tuple(pairs[i] for i in range(POINTS))


MIRROR: tuple[int, ...] = _mirror()
