"""Face landmarks as 68 iBUG-style points and their mapping to Rekognition's 30 landmark types.

Default source: MediaPipe's 468-point Face Mesh (``facemesh.py``, Apache-2.0), reduced to its 68
iBUG counterparts. Option ``REKMOCK_LANDMARKS=ibug68``: dlib's 68-point shape predictor, trained on
iBUG 300-W whose terms exclude commercial use (kept only for comparison; not the default).

"Left" and "right" are the viewer's, as in Rekognition's responses: ``eyeLeft`` has the smaller x
in a frontal photo, so it is dlib's eye 36-41 (the subject's right eye).

dlib's shape predictor was trained on boxes from its HOG detector, which are squarer and lower
than MTCNN's; ``predictor_rect`` converts one into the other (fitted on the labelled photos: the
HOG box is a square of 0.85 x the MTCNN height, centred 5% of that height lower).

The 68-point model fails on turned heads (beyond ~30 degrees of yaw its eyes drift towards the
face's centre), where MTCNN's five points stay right. ``reconcile`` therefore measures how far
dlib's eye centres are from MTCNN's and, when they disagree, moves all 68 points by the affine map
that best carries dlib's five matching points (eye centres, nose tip, mouth corners) onto
MTCNN's. On AFW this cuts the mean eye error from 16% to about 6% of the inter-ocular distance
and the |Yaw| error from 16 to about 9 degrees; frontal faces are left untouched.
"""

from __future__ import annotations

import os

import numpy as np

from .dlib68 import EYE_LEFT, EYE_RIGHT, MOUTH_LEFT, MOUTH_RIGHT, NOSE_TIP, indices
from .weights import shape_predictor

LANDMARKS_ENV = "REKMOCK_LANDMARKS"  # "mesh" (default) or "ibug68"

LANDMARK_TYPES: tuple[str, ...] = (
    "eyeLeft",
    "eyeRight",
    "nose",
    "mouthLeft",
    "mouthRight",
    "leftEyeBrowLeft",
    "leftEyeBrowRight",
    "leftEyeBrowUp",
    "rightEyeBrowLeft",
    "rightEyeBrowRight",
    "rightEyeBrowUp",
    "leftEyeLeft",
    "leftEyeRight",
    "leftEyeUp",
    "leftEyeDown",
    "rightEyeLeft",
    "rightEyeRight",
    "rightEyeUp",
    "rightEyeDown",
    "noseLeft",
    "noseRight",
    "mouthUp",
    "mouthDown",
    "leftPupil",
    "rightPupil",
    "upperJawlineLeft",
    "midJawlineLeft",
    "chinBottom",
    "midJawlineRight",
    "upperJawlineRight",
)

# Each type is the mean of these dlib 68-point indices.
_FROM_68: dict[str, tuple[int, ...]] = {
    "eyeLeft": indices(EYE_LEFT),
    "eyeRight": indices(EYE_RIGHT),
    "nose": (30,),
    "mouthLeft": (48,),
    "mouthRight": (54,),
    "leftEyeBrowLeft": (17,),
    "leftEyeBrowRight": (21,),
    "leftEyeBrowUp": (19,),
    "rightEyeBrowLeft": (22,),
    "rightEyeBrowRight": (26,),
    "rightEyeBrowUp": (24,),
    "leftEyeLeft": (36,),
    "leftEyeRight": (39,),
    "leftEyeUp": (37, 38),
    "leftEyeDown": (40, 41),
    "rightEyeLeft": (42,),
    "rightEyeRight": (45,),
    "rightEyeUp": (43, 44),
    "rightEyeDown": (46, 47),
    "noseLeft": (31,),
    "noseRight": (35,),
    "mouthUp": (51,),
    "mouthDown": (57,),
    "leftPupil": indices(EYE_LEFT),
    "rightPupil": indices(EYE_RIGHT),
    "upperJawlineLeft": (0,),
    "midJawlineLeft": (4,),
    "chinBottom": (8,),
    "midJawlineRight": (12,),
    "upperJawlineRight": (16,),
}


def predictor_rect(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """HOG-like square (left, top, right, bottom) for an MTCNN box (left, top, width, height)."""
    left, top, w, h = box
    side = 0.85 * h
    cx = left + w / 2.0
    cy = top + h / 2.0 + 0.053 * h
    x1 = round(cx - side / 2.0)
    y1 = round(cy - side / 2.0)
    return x1, y1, x1 + max(1, round(side)), y1 + max(1, round(side))


def fit68(gray: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """68 (x, y) points in the pixels of ``gray`` (uint8 2-D) for the face in ``box``."""
    import dlib

    x1, y1, x2, y2 = predictor_rect(box)
    guarded = shape_predictor()
    with guarded.lock:
        shape = guarded.model(gray, dlib.rectangle(x1, y1, x2, y2))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


AGREE = 0.03  # eye disagreement (x face height) below which dlib's fit is kept as is
DISAGREE = 0.07  # ... above which the affine correction is applied in full


def five_points(pts68: np.ndarray) -> np.ndarray:
    """dlib's counterparts of MTCNN's 5 points: eye centres, nose tip, mouth corners."""
    return np.array(
        [pts68[EYE_LEFT].mean(axis=0), pts68[EYE_RIGHT].mean(axis=0), pts68[NOSE_TIP],
         pts68[MOUTH_LEFT], pts68[MOUTH_RIGHT]]
    )


def reconcile(pts68: np.ndarray, mtcnn5: np.ndarray, face_h: float) -> np.ndarray:
    """68 points corrected towards MTCNN's five where the two disagree (see module doc)."""
    own = five_points(pts68)
    gap = float(np.linalg.norm(own[:2] - mtcnn5[:2], axis=1).mean()) / max(face_h, 1e-6)
    weight = min(1.0, max(0.0, (gap - AGREE) / (DISAGREE - AGREE)))
    if weight == 0.0:
        return pts68
    design = np.column_stack([own, np.ones(5)])
    affine, *_ = np.linalg.lstsq(design, mtcnn5, rcond=None)
    moved = np.column_stack([pts68, np.ones(len(pts68))]) @ affine
    return (1.0 - weight) * pts68 + weight * moved


def to_rekognition(pts: np.ndarray) -> dict[str, tuple[float, float]]:
    """The 30 Rekognition landmark types (pixels) from 68 dlib points."""
    out: dict[str, tuple[float, float]] = {}
    for name in LANDMARK_TYPES:
        xy = pts[list(_FROM_68[name])].mean(axis=0)
        out[name] = (float(xy[0]), float(xy[1]))
    return out


def source() -> str:
    """Which landmark model is in use (read on every call so tests can switch it)."""
    value = os.environ.get(LANDMARKS_ENV, "mesh").strip().lower()
    return "ibug68" if value == "ibug68" else "mesh"


def fit(work: np.ndarray, gray: np.ndarray, box: tuple[float, float, float, float],
        points5: np.ndarray, first: tuple[np.ndarray, float] | None = None
        ) -> tuple[np.ndarray, dict[str, tuple[float, float]], np.ndarray | None, float | None]:
    """68 (x, y) points, the 30 Rekognition landmarks, the 468-point mesh and its face-presence
    logit (None, None with the iBUG option), all in working-copy pixels, for a detected face
    (``points5``: the detector's eyes, nose and mouth corners; ``first``: the mesh's first pass
    on it, when detection ran it)."""
    if source() == "ibug68":
        pts68 = reconcile(fit68(gray, box), points5, box[3])
        return pts68, to_rekognition(pts68), None, None
    from . import facemesh

    mesh, presence = facemesh.fit(work, box, points5, first)
    return facemesh.to68(mesh), facemesh.to_rekognition(mesh), mesh, presence
