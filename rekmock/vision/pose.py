"""Head pose: from the Face Mesh's 3-D axes (default), or from 68 points by ``cv2.solvePnP``.

Conventions (degrees, each in [-180, 180]):

- **Yaw** > 0 when the face turns towards the viewer's right (the nose points to larger x).
- **Pitch** > 0 when the face looks up.
- **Roll** > 0 when the face is rotated clockwise in the image (the viewer-right eye is lower).

``estimate`` (the ``ibug68`` option) fits the points to a generic 3-D face. The camera is a
pinhole with focal length = the longest image side and its principal point on
the face, so the angles describe the head relative to the line of sight to it, whatever its place
in the frame. The 3-D points are the widely used 14-point mean face (brows, eye corners, nostrils,
mouth corners, lower lip, chin) in the axes x = viewer's right, y = down, z = away from camera.

With the Face Mesh (default), ``mesh_pose`` reads the pose from the mesh's own 3-D axes instead
(the network predicts depth): left-right from the mean direction of mirror-point pairs, down from
brow-to-chin midline pairs. Against the service's recorded answers (36 faces of
``../shared/fidelity``) this follows Rekognition far better than the fit above (Yaw median |diff|
1.5 against 5.7 degrees, Pitch correlation 0.83 against 0.64). Corrections, each judged with one
source of recorded answers left out at a time (``benchmarks/fidelity.py``):

- Pitch: the brow-to-chin line leans back from the service's level by ``PITCH_OFFSET`` degrees
  (median difference; left out, median |diff| 2.5 degrees against 2.9 without it).
- Yaw: the mesh's own reading up to ``TURNED`` degrees. On AFW's labels the mesh under-reads
  turns past 15 degrees, but the service reads them as the mesh does (a 30 % gain past 15
  degrees, fitted on AFW, made the service's answers worse: median |diff| 1.46 against 1.40,
  4.6 against 2.4 on the newest answers), so no gain is applied. From ``TURNED`` degrees the yaw
  is at least what MTCNN's eye points imply: their distance over the eye-to-mouth height falls
  steadily with the turn (0.98 frontal, 0.70 at 45, 0.40 at 90 on AFW) and is read linearly,
  ``PROFILE_AT + PROFILE_SLOPE * (PROFILE_RATIO - ratio)`` (fitted on AFW; no recorded answer
  turns that far).
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


def wrap_degrees(deg: float) -> float:
    """An angle in degrees brought into [-180, 180)."""
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
    return wrap_degrees(roll), wrap_degrees(yaw), wrap_degrees(pitch)


# Mirror pairs of mesh points (viewer-left, viewer-right): eyes, cheeks, brows, mouth, jaw, nose.
_MIRROR = ((33, 263), (133, 362), (234, 454), (127, 356), (61, 291), (70, 300), (107, 336),
           (58, 288), (172, 397), (98, 327), (93, 323))
# Midline pairs of mesh points (upper, lower): forehead-chin, nose bridge-tip, brow-lip, etc.
_MIDLINE = ((10, 152), (168, 1), (9, 2), (151, 175))
PITCH_OFFSET = -1.6  # degrees added to the mesh's pitch (see module doc)
TURNED = 35.0  # |yaw| from which MTCNN's eye spacing may raise the estimate
PROFILE_RATIO = 0.85  # eye distance / eye-to-mouth height at PROFILE_AT degrees ...
PROFILE_AT = 30.0
PROFILE_SLOPE = 110.0  # ... and degrees per unit of ratio below it


def _mean_direction(mesh: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    axis = np.zeros(3)
    for a, b in pairs:
        d = mesh[b] - mesh[a]
        axis += d / max(float(np.linalg.norm(d)), 1e-9)
    return axis / max(float(np.linalg.norm(axis)), 1e-9)


def eye_spacing_yaw(points5: np.ndarray) -> float:
    """|Yaw| (degrees) implied by MTCNN's eye distance over its eye-to-mouth height."""
    p = np.asarray(points5, dtype=np.float64)
    ang = math.atan2(p[1, 1] - p[0, 1], p[1, 0] - p[0, 0])
    c, s = math.cos(-ang), math.sin(-ang)
    q = np.column_stack([p[:, 0] * c - p[:, 1] * s, p[:, 0] * s + p[:, 1] * c])
    height = float(q[3:, 1].mean() - q[:2, 1].mean())
    if height <= 0:
        return 0.0
    ratio = float(q[1, 0] - q[0, 0]) / height
    return min(90.0, max(0.0, PROFILE_AT + PROFILE_SLOPE * (PROFILE_RATIO - ratio)))


def profile_yaw(yaw: float, points5: np.ndarray) -> float:
    """Yaw of a face the mesh could not confirm (kept on dlib's CNN's word: a profile). The
    mesh's reading of such a face is not to be trusted, in size or in sign: on the four
    labelled profiles it found (AFW, 90 to 105 degrees) it read 11 to 18 degrees, two of them
    the wrong way. MTCNN's eye spacing reads 47 to 90 there, and the side of the eyes' middle
    its nose lies on (across the image: its eye line is no guide to the roll of a profile) gave
    the right sign on all four and on the near-profile the service reports in
    ../shared/fidelity. So: the larger of the two readings, with MTCNN's sign."""
    p = np.asarray(points5, dtype=np.float64)
    across = float(p[2, 0] - (p[0, 0] + p[1, 0]) / 2.0)
    magnitude = min(90.0, max(abs(yaw), eye_spacing_yaw(p)))
    return math.copysign(magnitude, across) if across else yaw


def mesh_angles(mesh: np.ndarray) -> tuple[float, float, float]:
    """(roll, yaw, pitch) in degrees read from the Face Mesh's 3-D axes, uncorrected."""
    right = _mean_direction(mesh, _MIRROR)
    down = _mean_direction(mesh, _MIDLINE)
    down = down - right * float(down @ right)
    down /= max(float(np.linalg.norm(down)), 1e-9)
    roll = math.degrees(math.atan2(right[1], right[0]))
    pitch = math.degrees(math.atan2(-down[2], down[1]))
    yaw = math.degrees(math.atan2(right[2], right[0]))
    return roll, yaw, pitch


def corrected_yaw(raw_yaw: float, eyes_yaw: float, turned: float = TURNED) -> float:
    """The mesh's yaw, raised past ``turned`` to at least ``eyes_yaw`` (the |yaw| MTCNN's eye
    spacing implies; see module doc)."""
    magnitude = abs(raw_yaw)
    if magnitude >= turned:
        magnitude = max(magnitude, eyes_yaw)
    return math.copysign(min(90.0, magnitude), raw_yaw)


def mesh_pose(mesh: np.ndarray, points5: np.ndarray) -> tuple[float, float, float]:
    """(roll, yaw, pitch) in degrees from the Face Mesh's 3-D axes (see module doc)."""
    roll, raw_yaw, raw_pitch = mesh_angles(mesh)
    yaw = corrected_yaw(raw_yaw, eye_spacing_yaw(points5))
    return wrap_degrees(roll), yaw, wrap_degrees(raw_pitch + PITCH_OFFSET)
