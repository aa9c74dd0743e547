"""MediaPipe Face Mesh (468 points, Apache-2.0) run by OpenCV's DNN TFLite importer.

Why: the 68-point dlib model was trained on iBUG 300-W (non-commercial terms); the mesh is
licence-clean and, on AFW, places the eyes closer to the labels (mean error 5.0% of the
inter-ocular distance against 6.7%, better at every yaw; see benchmarks/accuracy.py).

The network wants an upright 192x192 RGB crop in [0, 1] of a square 1.5x the face's size. Two
passes, as MediaPipe's own tracker does: the first crop comes from the detector's box, rotated so
MTCNN's eyes are level; the second from the first mesh's face oval and eyes, which centres the
crop on the face whatever the detector's box convention. The second pass averages the crop's mesh
with the mesh of the mirrored crop (``mesh_mirror``), which cancels much of the network's
left-right bias and jitter. Measured on AFW: eye error 5.3% -> 4.9% of the inter-ocular
distance; against the service's recorded landmarks 6.1% -> 6.0%. Each run costs 2-4 ms; a
second crop size (1.25 and 1.45) gave 5.8% against the service and nothing on AFW, for two runs
more, so it is not done.

``to68`` gives the mesh's counterparts of the 68 iBUG points (the widely used correspondence),
so everything downstream (pose, quality, attributes, descriptor alignment) keeps its input.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .mesh_mirror import MIRROR
from .weights import face_mesh_net

INPUT = 192
CROP_SCALE = 1.5  # side of the crop / face size (MediaPipe's face ROI convention)
REFINE_SCALE = 1.35  # second pass: side / face-oval size (best of 1.2..1.5 on AFW, mirrored)
REALIGN_DEGREES = 10.0  # the second pass is run again while its mesh turns the crop this much ...
MAX_REFINES = 3  # ... at most this many runs in all
SURE_UPRIGHT = 20.0  # a face the mesh gives this presence logit is the right way up; below, ...
TURNED_OVER_BY = 6.0  # ... it is upside down when its crop turned over scores this much more

# Face oval in order (forehead top, viewer-right side, chin, viewer-left side).
OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
        377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)

# Mesh index of each iBUG 68 point (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67).
TO_68 = (162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
         70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
         168, 197, 5, 4, 98, 97, 2, 326, 327,
         33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
         61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
         78, 82, 13, 312, 308, 317, 14, 87)

# Eye contours (viewer's left eye = the subject's right), for eye centres.
EYE_LEFT = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
EYE_RIGHT = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)


# Each Rekognition landmark type is the mean of these mesh points. Chosen by where the service
# puts its points: for each type, among the anatomically matching mesh points (and the mean of two
# neighbours), the one closest to the landmarks of 36 faces in the real DetectFaces ALL answers of
# ../shared/fidelity, kept mirror-symmetric (left and right types use mirrored mesh points). The
# service's mouth corners are the inner commissures (78/308), its chinBottom sits on the front of
# the chin (175) rather than under it, its mouthDown mid-way down the lower lip.
REKOGNITION: dict[str, tuple[int, ...]] = {
    "eyeLeft": EYE_LEFT,
    "eyeRight": EYE_RIGHT,
    "nose": (4,),
    "mouthLeft": (78,),
    "mouthRight": (308,),
    "leftEyeBrowLeft": (70,),
    "leftEyeBrowRight": (107,),
    "leftEyeBrowUp": (66, 105),
    "rightEyeBrowLeft": (336,),
    "rightEyeBrowRight": (300,),
    "rightEyeBrowUp": (296, 334),
    "leftEyeLeft": (33, 161),
    "leftEyeRight": (173,),
    "leftEyeUp": (159,),
    "leftEyeDown": (145,),
    "rightEyeLeft": (398,),
    "rightEyeRight": (263, 388),
    "rightEyeUp": (386,),
    "rightEyeDown": (374,),
    "noseLeft": (60, 75),
    "noseRight": (290, 305),
    "mouthUp": (0,),
    "mouthDown": (14, 17),
    "leftPupil": EYE_LEFT,  # the service's pupils sit exactly on its eye points (40 of 40
    "rightPupil": EYE_RIGHT,  # recorded faces), not on the iris: so do these
    "upperJawlineLeft": (127,),
    "midJawlineLeft": (58, 135),
    "chinBottom": (175,),
    "midJawlineRight": (288, 364),
    "upperJawlineRight": (356,),
}


def _infer(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """Mesh (468, 3) in crop pixels and the face-presence logit for one 192x192 crop."""
    guarded = face_mesh_net()
    with guarded.lock:
        guarded.model.setInput(cv2.dnn.blobFromImage(crop.astype(np.float32) / 255.0))
        raw, flag = guarded.model.forward(["conv2d_21", "conv2d_31"])
    return raw.reshape(-1, 3).astype(np.float64), float(flag.ravel()[0])


def _run(rgb: np.ndarray, centre: tuple[float, float], side: float, angle: float,
         mirrored: bool = False) -> tuple[np.ndarray, float]:
    """Mesh (468, 3) in image pixels (z in the same scale) and the face-presence logit; with
    ``mirrored``, the mean of the crop's mesh and the flipped crop's mesh mapped back."""
    c, s = math.cos(angle), math.sin(angle)
    k = side / INPUT
    half = INPUT / 2.0
    # crop pixel u -> image: R(angle) * k * (u - half) + centre
    fwd = np.array([[c * k, -s * k, centre[0] - (c - s) * k * half],
                    [s * k, c * k, centre[1] - (s + c) * k * half]])
    crop = cv2.warpAffine(rgb, cv2.invertAffineTransform(fwd), (INPUT, INPUT),
                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    pts, flag = _infer(crop)
    if mirrored:
        flipped, _ = _infer(np.ascontiguousarray(crop[:, ::-1]))
        flipped[:, 0] = INPUT - flipped[:, 0]
        pts = (pts + flipped[list(MIRROR)]) / 2.0
    out = np.empty_like(pts)
    out[:, :2] = np.column_stack([pts[:, :2], np.ones(len(pts))]) @ fwd.T
    out[:, 2] = pts[:, 2] * k
    return out, flag


def _eye_angle(left: np.ndarray, right: np.ndarray) -> float:
    return math.atan2(float(right[1] - left[1]), float(right[0] - left[0]))


def _detector_crop(box: tuple[float, float, float, float], points5: np.ndarray
                   ) -> tuple[tuple[float, float], float, float]:
    """Centre, side and angle of the first crop: the detector's box, its eyes level."""
    left, top, w, h = box
    centre = (left + w / 2.0, top + h / 2.0)
    return centre, max(w, h) * CROP_SCALE, _eye_angle(points5[0], points5[1])


def first_pass(rgb: np.ndarray, box: tuple[float, float, float, float], points5: np.ndarray
               ) -> tuple[np.ndarray, float]:
    """The mesh and face-presence logit of the detector's crop: the face in ``box`` (left, top,
    width, height) whose detector points (eyes first, viewer's left first) are ``points5``. The
    logit is a second opinion from a network trained on other data, used to confirm MTCNN's
    doubtful faces; the mesh places ``fit``'s second crop."""
    return _run(rgb, *_detector_crop(box, points5))


def turned_over(rgb: np.ndarray, box: tuple[float, float, float, float], points5: np.ndarray,
                presence: float) -> tuple[np.ndarray, float] | None:
    """The first pass of the detector's crop turned over, when the face in it (``first_pass``
    gave it ``presence``) is upside down. MTCNN finds heads tilted 120-150 degrees and levels
    their eyes the wrong way round; turned over, the mesh scores such a crop 10 to 38 higher.
    Upright faces it gives ``SURE_UPRIGHT`` or more are not checked (two thirds of them); of
    the other 150 in the project's real photos none scores more than 4 higher turned over."""
    if presence >= SURE_UPRIGHT:
        return None
    centre, side, angle = _detector_crop(box, points5)
    over = _run(rgb, centre, side, angle + math.pi)
    return over if over[1] >= presence + TURNED_OVER_BY else None


def fit(rgb: np.ndarray, box: tuple[float, float, float, float], points5: np.ndarray,
        first: tuple[np.ndarray, float] | None = None) -> tuple[np.ndarray, float]:
    """468 mesh points (x, y, z) in pixels of ``rgb`` for the face in ``box`` with detector
    points ``points5``, and the first crop's face-presence logit. ``first``: that crop's
    ``first_pass``, when detection already ran it.

    The second crop is levelled by the previous mesh's eyes. MTCNN's points can be tens of
    degrees off on a strongly tilted head (a photo turned 60 degrees: eyes at 21 degrees), and
    the mesh of a crop that far off under-reads the tilt (43 instead of 63 degrees), so the
    second pass is repeated while it still turns the crop by ``REALIGN_DEGREES`` or more. On
    the labelled and recorded photos it never is: their figures are unchanged. A face upside
    down in the first crop (``turned_over``) is fitted from that crop turned over, and the
    logit returned is the turned crop's."""
    mesh, flag = first if first is not None else first_pass(rgb, box, points5)
    over = turned_over(rgb, box, points5, flag)
    if over is not None:
        mesh, flag = over
    angle: float | None = None  # of the last second-pass crop
    for _ in range(MAX_REFINES):
        level = _eye_angle(mesh[[33, 133], :2].mean(axis=0), mesh[[263, 362], :2].mean(axis=0))
        if angle is not None and (abs(math.remainder(level - angle, math.tau))
                                  < math.radians(REALIGN_DEGREES)):
            break
        angle = level
        oval = mesh[list(OVAL), :2]
        lo, hi = oval.min(axis=0), oval.max(axis=0)
        centre = (float(lo[0] + hi[0]) / 2.0, float(lo[1] + hi[1]) / 2.0)
        mesh, _ = _run(rgb, centre, float(max(hi - lo)) * REFINE_SCALE, angle, mirrored=True)
    return mesh, flag


def to_rekognition(mesh: np.ndarray) -> dict[str, tuple[float, float]]:
    """The 30 Rekognition landmark types (pixels) from the mesh."""
    out: dict[str, tuple[float, float]] = {}
    for name, idx in REKOGNITION.items():
        xy = mesh[list(idx), :2].mean(axis=0)
        out[name] = (float(xy[0]), float(xy[1]))
    return out


def to68(mesh: np.ndarray) -> np.ndarray:
    """(68, 2) iBUG-style points from the mesh, with the eye points as in dlib's model."""
    return mesh[list(TO_68), :2].copy()
