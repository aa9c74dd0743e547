"""Face attributes estimated from the 68 landmarks and the pixels of the face crop.

Except gender and age (``agegender``), no shipped model predicts these fields, so each is a
hand-made, deterministic measurement.

Field        How it is produced                              Trust
-----------  ----------------------------------------------  ------------------------------------
EyesOpen     eye aspect ratio (lid gap / eye width, points   good on frontal faces; poor past
             36-47), logistic around 0.20                    ~45 deg yaw or on tiny faces
MouthOpen    inner-lip gap / mouth width (points 60-67),     good on frontal faces
             logistic around 0.10
Smile        mouth-corner lift + mouth width relative to     fair: broad smiles found, closed-lip
             the eyes + OpenCV's smile cascade               smiles often missed
Eyeglasses   horizontal-edge energy across the nose bridge   fair: bold frames found; rimless
             and below the eyes (frames are edges)           frames missed
Sunglasses   eye regions much darker than the cheeks, with   fair for dark lenses; tinted missed
             glasses evidence
Beard,       darkness + texture of chin / upper lip          rough: stubble, shadows, dark skin
Mustache     relative to the cheeks                          confuse it; confidence capped at 85
FaceOccluded share of nose and chin pixels whose chroma is   rough: hands/masks of non-skin
             far from the cheeks' skin colour               colour; same-colour hands missed
EyeDirection dark-iris centroid inside each eye, relative    rough (+-10 deg at best)
             to the head; confidence grows with eye size
Emotions     HAPPY from Smile; SURPRISED from open mouth +   a reading of the geometry, not an
             wide eyes + raised brows; CALM the rest; the    emotion model
             other six small shares; sums to 100
Gender,      Cydral's age and gender networks (see           gender right on 33 of 34 labelled
AgeRange     ``agegender``); the range widens as the age     faces; ages plausible (+-5 years
             network's confidence falls                      on the test photos)
"""

from __future__ import annotations

import math

import numpy as np

from . import agegender
from .results import Attributes, FaceContext

EMOTIONS = (
    "HAPPY",
    "SAD",
    "ANGRY",
    "CONFUSED",
    "DISGUSTED",
    "SURPRISED",
    "CALM",
    "UNKNOWN",
    "FEAR",
)


def _sigmoid(x: float) -> float:
    if x < -60:
        return 0.0
    if x > 60:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def _decision(p: float) -> tuple[bool, float]:
    """(value, confidence) from a probability: confidence is that of the chosen side."""
    value = p >= 0.5
    conf = 100.0 * (p if value else 1.0 - p)
    return value, float(min(99.9, max(50.0, conf)))


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(a - b)))


def _normalised(pts: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Points de-rolled about the eye midpoint and scaled so the inter-ocular distance is 1.

    Returns (points, inter-ocular distance in pixels, roll angle in radians)."""
    le = pts[36:42].mean(axis=0)
    re = pts[42:48].mean(axis=0)
    d = re - le
    iod = max(float(np.hypot(*d)), 1e-6)
    ang = math.atan2(d[1], d[0])
    c, s = math.cos(-ang), math.sin(-ang)
    rot = np.array([[c, -s], [s, c]])
    mid = (le + re) / 2.0
    return (pts - mid) @ rot.T / iod, iod, ang


def _rect(gray: np.ndarray, x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    """Clipped sub-image; empty array when the rectangle misses the image."""
    h, w = gray.shape[:2]
    xa, ya = max(0, int(round(min(x1, x2)))), max(0, int(round(min(y1, y2))))
    xb, yb = min(w, int(round(max(x1, x2)))), min(h, int(round(max(y1, y2))))
    if xb - xa < 2 or yb - ya < 2:
        return gray[0:0, 0:0]
    return gray[ya:yb, xa:xb]


def _mean(a: np.ndarray, default: float) -> float:
    return float(a.mean()) if a.size else default


def _eye_aspect(p: np.ndarray) -> float:
    """Eye aspect ratio (Soukupova & Cech 2016), mean of both eyes."""
    left = (_dist(p[37], p[41]) + _dist(p[38], p[40])) / (2 * max(_dist(p[36], p[39]), 1e-6))
    right = (_dist(p[43], p[47]) + _dist(p[44], p[46])) / (2 * max(_dist(p[42], p[45]), 1e-6))
    return (left + right) / 2.0


def _mouth_gap(p: np.ndarray) -> float:
    gap = (_dist(p[61], p[67]) + _dist(p[62], p[66]) + _dist(p[63], p[65])) / 3.0
    return gap / max(_dist(p[48], p[54]), 1e-6)


def _smile_cascade(ctx: FaceContext, iod: float) -> float:
    """1.0 when OpenCV's smile cascade fires on the mouth region, else 0.0."""
    import cv2

    from .weights import cascade

    p = ctx.pts68
    x1, x2 = p[48, 0] - 0.35 * iod, p[54, 0] + 0.35 * iod
    y1, y2 = p[33, 1], p[8, 1]
    roi = _rect(ctx.gray, x1, y1, x2, y2)
    if roi.size == 0:
        return 0.0
    scale = 96.0 / roi.shape[1]
    roi = cv2.resize(roi, (96, max(8, round(roi.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    roi = cv2.equalizeHist(roi)
    g = cascade("haarcascade_smile.xml")
    with g.lock:
        hits = g.model.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=20, minSize=(30, 12))
    return 1.0 if len(hits) else 0.0


def _edge_rows(gray: np.ndarray) -> float:
    """Strength of horizontal edges in a patch: max over rows of mean |d/dy|, over mean level."""
    import cv2

    if gray.size == 0 or gray.shape[0] < 3:
        return 0.0
    g = cv2.Sobel(gray.astype(np.float32), cv2.CV_32F, 0, 1, ksize=3)
    prof = np.abs(g).mean(axis=1)
    return float(prof.max() / (float(gray.mean()) + 10.0))


def _iris_offset(gray: np.ndarray, eye: np.ndarray) -> tuple[float, float, float] | None:
    """Dark-pixel centroid inside one eye's landmark polygon, as (dx, dy) in eye widths, and
    the eye width in pixels."""
    import cv2

    x1, y1 = np.floor(eye.min(axis=0)).astype(int)
    x2, y2 = np.ceil(eye.max(axis=0)).astype(int) + 1
    h, w = gray.shape
    if x1 < 0 or y1 < 0 or x2 > w or y2 > h or x2 - x1 < 6 or y2 - y1 < 3:
        return None
    patch = gray[y1:y2, x1:x2].astype(np.float32)
    mask = np.zeros(patch.shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(eye - [x1, y1]).astype(np.int32), 1)
    vals = patch[mask > 0]
    if vals.size < 6:
        return None
    thr = np.percentile(vals, 30)
    sel = (mask > 0) & (patch <= thr)
    ys, xs = np.nonzero(sel)
    if xs.size == 0:
        return None
    cx, cy = xs.mean() + x1, ys.mean() + y1
    centre = eye.mean(axis=0)
    width = max(_dist(eye[0], eye[3]), 1e-6)
    return (cx - centre[0]) / width, (cy - centre[1]) / width, width


def _skin_stats(ctx: FaceContext, iod: float) -> tuple[float, float]:
    """Mean grey level and Laplacian texture of both cheeks (the reference skin)."""
    p = ctx.pts68
    patches = []
    for a, b in ((1, 31), (15, 35)):
        cx = (p[a, 0] + p[b, 0]) / 2.0
        cy = (p[a, 1] + p[b, 1]) / 2.0 + 0.1 * iod
        patches.append(
            _rect(ctx.gray, cx - 0.15 * iod, cy - 0.15 * iod, cx + 0.15 * iod, cy + 0.15 * iod)
        )
    level = [float(x.mean()) for x in patches if x.size]
    tex = [_texture(x) for x in patches if x.size]
    return (float(np.max(level)) if level else 128.0, float(np.min(tex)) if tex else 0.0)


def _texture(patch: np.ndarray) -> float:
    import cv2

    if patch.size < 9:
        return 0.0
    small = cv2.resize(patch, (32, 32), interpolation=cv2.INTER_AREA)
    return float(np.abs(cv2.Laplacian(small.astype(np.float32), cv2.CV_32F)).mean())


def _facial_hair(ctx: FaceContext, iod: float, skin: float, skin_tex: float) -> tuple[float, float]:
    """Probabilities of beard and mustache from chin / upper-lip darkness and texture."""
    p = ctx.pts68
    chin = _rect(ctx.gray, p[7, 0], p[57, 1] + 0.1 * iod, p[9, 0], p[8, 1] - 0.05 * iod)
    lip = _rect(ctx.gray, p[49, 0], p[33, 1] + 0.08 * iod, p[53, 0], p[51, 1] - 0.05 * iod)
    chin_dark = 1.0 - _mean(chin, skin) / max(skin, 1.0)
    lip_dark = 1.0 - _mean(lip, skin) / max(skin, 1.0)
    chin_tex = _texture(chin) - skin_tex
    lip_tex = _texture(lip) - skin_tex
    beard = _sigmoid((chin_dark - 0.25) * 12.0 + (chin_tex - 4.0) * 0.3)
    mustache = _sigmoid((lip_dark - 0.3) * 12.0 + (lip_tex - 4.0) * 0.3)
    return beard, mustache


def _occlusion(ctx: FaceContext, iod: float) -> float:
    """Probability that something covers the face: share of pixels on the nose and chin whose
    colour (YCrCb chroma) is far from the cheeks'. Lips are left out (lipstick is not skin-
    coloured either); a beard lowers the chin's share only a little (its chroma is close)."""
    import cv2

    p = ctx.pts68
    ycc = cv2.cvtColor(ctx.rgb, cv2.COLOR_RGB2YCrCb)
    refs = []
    for a, b in ((1, 31), (15, 35)):
        cx, cy = (p[a] + p[b]) / 2.0
        refs.append(_rect(ycc, cx - 0.12 * iod, cy - 0.05 * iod, cx + 0.12 * iod, cy + 0.2 * iod))
    refs = [r.reshape(-1, 3) for r in refs if r.size]
    nose = _rect(ycc, p[31, 0], p[28, 1], p[35, 0], p[33, 1])
    chin = _rect(ycc, p[6, 0], p[57, 1] + 0.08 * iod, p[10, 0], p[8, 1] - 0.05 * iod)
    probes = [x.reshape(-1, 3) for x in (nose, chin) if x.size]
    if not refs or not probes:
        return 0.2
    ref = np.concatenate(refs, 0)[:, 1:].astype(np.float32)
    mu = ref.mean(axis=0)
    sd = np.maximum(ref.std(axis=0), 4.0)
    shares = []
    for probe in probes:
        z = np.abs(probe[:, 1:].astype(np.float32) - mu) / sd
        shares.append(float((z.max(axis=1) > 3.5).mean()))
    return _sigmoid((float(np.mean(shares)) - 0.6) * 10.0)


def estimate(ctx: FaceContext) -> Attributes:
    """All attributes of one face (deterministic; see the module docstring for trust)."""
    p = ctx.pts68
    n, iod, _ = _normalised(p)
    frontal = max(0.0, 1.0 - abs(ctx.yaw) / 60.0)

    ear = _eye_aspect(p)
    p_eyes = _sigmoid((ear - 0.20) / 0.025)
    gap = _mouth_gap(p)
    p_mouth = _sigmoid((gap - 0.10) / 0.03)

    mouth_w = _dist(n[48], n[54])
    centre_y = (n[62, 1] + n[66, 1]) / 2.0
    lift = centre_y - (n[48, 1] + n[54, 1]) / 2.0
    cascade_hit = _smile_cascade(ctx, iod)
    p_smile = _sigmoid((lift - 0.02) * 25.0 + (mouth_w - 0.95) * 8.0 + 1.2 * cascade_hit - 0.6)

    bridge = _rect(ctx.gray, p[39, 0], (p[21, 1] + p[27, 1]) / 2.0, p[42, 0], p[28, 1])
    under_l = _rect(ctx.gray, p[36, 0], p[41, 1], p[39, 0], p[41, 1] + 0.35 * iod)
    under_r = _rect(ctx.gray, p[42, 0], p[46, 1], p[45, 0], p[46, 1] + 0.35 * iod)
    edges = _edge_rows(bridge) + 0.5 * (_edge_rows(under_l) + _edge_rows(under_r)) / 2.0
    p_glasses = _sigmoid((edges - 1.35) * 10.0)

    skin, skin_tex = _skin_stats(ctx, iod)
    eye_l = _rect(ctx.gray, p[36, 0], p[37, 1] - 0.1 * iod, p[39, 0], p[41, 1] + 0.1 * iod)
    eye_r = _rect(ctx.gray, p[42, 0], p[43, 1] - 0.1 * iod, p[45, 0], p[46, 1] + 0.1 * iod)
    eye_ratio = (_mean(eye_l, skin) + _mean(eye_r, skin)) / (2.0 * max(skin, 1.0))
    p_sun = _sigmoid((0.4 - eye_ratio) * 20.0) * (0.5 + 0.5 * p_glasses)
    if p_sun >= 0.5:
        p_glasses = max(p_glasses, p_sun)
        p_eyes = 0.5  # the eyes cannot be seen through dark lenses: undecided

    p_beard, p_must = _facial_hair(ctx, iod, skin, skin_tex)
    p_occ = _occlusion(ctx, iod)

    # Eye direction relative to the head.
    offs = [_iris_offset(ctx.gray, p[a : a + 6]) for a in (36, 42)]
    offs = [o for o in offs if o is not None]
    if offs and p_eyes >= 0.5:
        dx = float(np.mean([o[0] for o in offs]))
        dy = float(np.mean([o[1] for o in offs]))
        eye_w = float(np.mean([o[2] for o in offs]))
        gaze_yaw = float(np.clip(dx * 120.0, -45.0, 45.0))
        gaze_pitch = float(np.clip(-dy * 120.0, -45.0, 45.0))
        gaze_conf = float(min(95.0, 40.0 + eye_w * 2.0) * (0.5 + 0.5 * frontal))
    else:
        gaze_yaw, gaze_pitch, gaze_conf = 0.0, 0.0, 10.0

    # Emotions: shares of 100 driven by the geometry above.
    brow_raise = float(((n[19, 1] + n[24, 1]) / 2.0) * -1.0)  # eye-to-brow height, in iods
    p_surprise = p_mouth * _sigmoid((ear - 0.30) / 0.03) * _sigmoid((brow_raise - 0.45) / 0.05)
    happy = 95.0 * p_smile
    surprised = (100.0 - happy) * 0.9 * p_surprise
    rest = 100.0 - happy - surprised
    emotions = {
        "HAPPY": happy,
        "SURPRISED": surprised,
        "CALM": rest * 0.82,
        "SAD": rest * 0.05,
        "CONFUSED": rest * 0.04,
        "ANGRY": rest * 0.03,
        "DISGUSTED": rest * 0.02,
        "FEAR": rest * 0.02,
        "UNKNOWN": rest * 0.02,
    }
    emotions = {k: float(emotions[k]) for k in EMOTIONS}

    gender, age_range = agegender.estimate(ctx)

    return Attributes(
        smile=_decision(p_smile),
        eyes_open=_decision(p_eyes),
        mouth_open=_decision(p_mouth),
        eyeglasses=_decision(p_glasses),
        sunglasses=_decision(p_sun),
        beard=(_decision(p_beard)[0], min(85.0, _decision(p_beard)[1])),
        mustache=(_decision(p_must)[0], min(85.0, _decision(p_must)[1])),
        gender=gender,
        age_range=age_range,
        emotions=emotions,
        face_occluded=_decision(p_occ),
        eye_direction=(gaze_yaw, gaze_pitch, gaze_conf),
    )
