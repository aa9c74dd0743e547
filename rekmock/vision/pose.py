"""Head pose from 2-D landmarks: ``cv2.solvePnP`` against a generic 3-D face.

Conventions (degrees, each in [-180, 180]):

- **Yaw** > 0 when the face turns towards the viewer's right (the nose points to larger x).
- **Pitch** > 0 when the face looks up.
- **Roll** > 0 when the face is rotated clockwise in the image (the viewer-right eye is lower).

The camera is a pinhole with focal length = the longest image side and its principal point on
the face, so the angles describe the head relative to the line of sight to it, whatever its place
in the frame. The 3-D points are the widely used 14-point mean face (brows, eye corners, nostrils,
mouth corners, lower lip, chin) in the axes x = viewer's right, y = down, z = away from camera.
"""

from __future__ import annotations

import math

import numpy as np

_IDX = (17, 21, 22, 26, 36, 39, 42, 45, 31, 35, 48, 54, 57, 8)
_MODEL = np.array(
    [
        [-6.825897, -6.760612, -4.402142],  # 17 brow, viewer-left end
        [-1.330353, -7.122144, -6.903745],  # 21
        [1.330353, -7.122144, -6.903745],  # 22
        [6.825897, -6.760612, -4.402142],  # 26
        [-5.311432, -5.485328, -3.987654],  # 36 eye corners
        [-1.789930, -5.393625, -4.413414],  # 39
        [1.789930, -5.393625, -4.413414],  # 42
        [5.311432, -5.485328, -3.987654],  # 45
        [-2.005628, -1.409845, -6.165652],  # 31 nostrils
        [2.005628, -1.409845, -6.165652],  # 35
        [-2.774015, 2.080775, -5.048531],  # 48 mouth corners
        [2.774015, 2.080775, -5.048531],  # 54
        [0.000000, 3.116408, -6.097667],  # 57 lower lip
        [0.000000, 7.415691, -4.070434],  # 8 chin
    ],
    dtype=np.float64,
)


def _wrap(deg: float) -> float:
    return float((deg + 180.0) % 360.0 - 180.0)


def estimate(pts68: np.ndarray, image_w: int, image_h: int) -> tuple[float, float, float]:
    """(roll, yaw, pitch) in degrees for 68 landmark points in pixels."""
    import cv2

    img_pts = np.ascontiguousarray(pts68[list(_IDX)], dtype=np.float64)
    focal = float(max(image_w, image_h, 1))
    centre = img_pts.mean(axis=0)
    cam = np.array([[focal, 0, centre[0]], [0, focal, centre[1]], [0, 0, 1]], dtype=np.float64)
    dist = np.zeros(4)
    # Initial guess: frontal, at the distance implied by the face's apparent size.
    span = float(np.ptp(img_pts[:, 0])) or 1.0
    tz = focal * float(np.ptp(_MODEL[:, 0])) / span
    rvec = np.zeros((3, 1))
    tvec = np.array([[0.0], [0.0], [tz]])
    ok, rotation, _ = cv2.solvePnP(
        _MODEL, img_pts, cam, dist, rvec, tvec, True, flags=cv2.SOLVEPNP_ITERATIVE
    )
    if not ok:
        return 0.0, 0.0, 0.0
    rot, _ = cv2.Rodrigues(rotation)
    forward = rot @ np.array([0.0, 0.0, -1.0])  # where the face points (camera axes)
    right = rot @ np.array([1.0, 0.0, 0.0])  # the face's viewer-right axis
    yaw = math.degrees(math.atan2(forward[0], -forward[2]))
    pitch = math.degrees(math.atan2(-forward[1], math.hypot(forward[0], forward[2])))
    roll = math.degrees(math.atan2(right[1], right[0]))
    return _wrap(roll), _wrap(yaw), _wrap(pitch)
