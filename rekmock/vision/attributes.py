"""Face attributes from the face crop: learned networks where a usable one ships, hand-made
measurements of the 68 points and the pixels elsewhere (figures: ``docs/fields.md``).

``measures`` reads one number per cue; ``decide`` turns them into the service's fields. Each
boolean is the sign of its log-odds (``logits``); its Confidence is a monotone map of their size
(temperature scaling, ``TEMPERATURE``, set so the median matches the service's), never a cap.

Field        How it is produced
-----------  --------------------------------------------------------------------------------
EyesOpen     MediaPipe's eyelid network (``eyelids``): lid gap / eye width above 1/6
MouthOpen    inner-lip gap / mouth width (points 60-67), logistic around 0.10
Smile        the learned expression classifier's HAPPY probability (``emotion``) above 1/2
Eyeglasses   horizontal edges across the nose bridge and below the eyes, and thin lines across
             the bridge (``eyewear``): weights fitted on hand-labelled photos
Sunglasses   eye regions much darker than the cheeks, with glasses evidence
Beard,       darkness + texture of chin / upper lip relative to the cheeks (the mustache's
Mustache     bias fitted on the service's answers); Beard is any facial hair; both need a man's face
FaceOccluded soft share of nose and chin pixels whose chroma is far from the cheeks' skin
EyeDirection dark-iris centroid inside each eye, relative to the head; confidence grows with
             eye size
Emotions     the mean of the learned classifier's 7 shares and the geometric reading (HAPPY
             from the smile cues, SURPRISED from open mouth + wide eyes + raised brows, CALM
             the rest)
Gender,      Cydral's age and gender networks (``agegender``): Gender's Confidence is the
AgeRange     network's probability; the range is the age distribution's mean +- its spread
"""

from __future__ import annotations

import math

import numpy as np

from . import agegender, emotion, eyelids, eyewear
from .crop import crop
from .dlib68 import EYE_LEFT, EYE_RIGHT
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

# Tuning numbers (hand-fitted on the labelled photos). Lengths in inter-ocular distances (iod)
# unless said otherwise; a logistic "around X, spread S" is sigmoid((value - X) / S).
FRONTAL_YAW = 60.0  # degrees of |yaw| at which a face counts as not frontal at all
# Lid gap / eye width (``eyelids``) at which an eye counts as open: half an open eye's, about
# 1/3 (a palpebral fissure about 10 mm high and 30 mm wide); set a priori, not fitted.
EYELID_OPEN_GAP, EYELID_SPREAD = 1.0 / 6.0, 0.05
MOUTH_OPEN_GAP, MOUTH_OPEN_SPREAD = 0.10, 0.03  # inner-lip gap / mouth width
SMILE_CASCADE_WIDTH = 96  # px: the mouth region is resized to this width for the cascade
SMILE_MARGIN = 0.35  # mouth region: beyond each corner
UNDER_EYE_DEPTH = 0.35  # height of the patches under the eyes searched for frames
SUNGLASSES_EYE_RATIO = 0.4  # eye-region brightness / skin brightness below which lenses are dark
EYE_MARGIN = 0.1  # eye regions: above and below the lids
GAZE_DEGREES_PER_EYE_WIDTH, GAZE_MAX_DEGREES = 120.0, 45.0
GAZE_UNSEEN = (0.0, 0.0, 10.0)  # EyeDirection when the eyes cannot be seen
GAZE_EYE_WIDTH = 9.2  # px: EyeDirection's confidence is 1 - exp(-eye width / this) (x frontality)
SKIN_DEFAULT_LEVEL = 128.0  # grey level assumed when no cheek is visible
OCCLUSION_DEFAULT = 0.2  # probability when nose or cheeks cannot be measured
OCCLUSION_Z = 3.5  # chroma z-score beyond which a pixel is not skin
SMILE_LIFT, SMILE_LIFT_GAIN = 0.02, 25.0  # mouth-corner lift (iod) and its weight
SMILE_WIDTH, SMILE_WIDTH_GAIN = 0.95, 8.0  # mouth width (iod) and its weight
SMILE_CASCADE_WEIGHT, SMILE_BIAS = 1.2, 0.6  # the cascade's vote, and the prior against a smile
# Eyeglasses log-odds = edges x EDGE + bridge lines x LINE + BIAS: a logistic regression fitted on
# hand labels of 470 faces of ../shared/data (benchmarks/attribute_labels.py; 5-fold 96.2%, edges
# alone 92.1%), never on the service's answers, which then judge it.
GLASSES_EDGE_WEIGHT, GLASSES_LINE_WEIGHT, GLASSES_BIAS = 2.64, 1.74, -7.29
# Beard is the service's word for any facial hair: it answers Beard true on a mustache alone,
# while its Mustache is stricter (MUSTACHE_BIAS). So Beard's probability is the stronger of the
# chin's and the upper lip's cues, x P(male) (at least this: the gender network can be wrong).
# Mustache's is the upper lip's x P(male) too.
BEARD_MALE_FLOOR = 0.02
SUNGLASSES_GAIN = 20.0
BEARD_DARKNESS, MUSTACHE_DARKNESS = 0.25, 0.3  # darkness relative to the cheeks
MUSTACHE_BIAS = 1.73  # log-odds: fitted on the service's answers (left-out agreement 76 -> 95%)
HAIR_DARKNESS_GAIN = 12.0
HAIR_TEXTURE, HAIR_TEXTURE_GAIN = 4.0, 0.3  # Laplacian texture beyond the cheeks'
OCCLUDED_SHARE, OCCLUSION_GAIN = 0.6, 10.0  # share of non-skin pixels on nose and chin
SURPRISE_EAR, SURPRISE_EAR_SPREAD = 0.30, 0.03  # wide-open eyes
SURPRISE_BROW, SURPRISE_BROW_SPREAD = 0.45, 0.05  # raised brows: eye-to-brow height (iod)
HAPPY_SHARE = 95.0  # Emotions: HAPPY's share at a certain smile
SURPRISE_SHARE = 0.9  # ... SURPRISED's share of what HAPPY leaves
# Confidence = 100 sigmoid(|log-odds| / TEMPERATURE): each set so that rekmock's median
# Confidence over the recorded faces equals the service's median for that attribute
# (benchmarks/fidelity.py prints them: loso.temperatures).
TEMPERATURE = {"eyes_open": 0.64, "mouth_open": 0.62, "smile": 1.6, "eyeglasses": 0.86,
               "sunglasses": 0.66, "beard": 1.07, "mustache": 1.78, "face_occluded": 0.73}
REST_SHARES = {"CALM": 0.82, "SAD": 0.05, "CONFUSED": 0.04, "ANGRY": 0.03, "DISGUSTED": 0.02,
               "FEAR": 0.02, "UNKNOWN": 0.02}  # ... and the other emotions' shares of the rest


def _sigmoid(x: float) -> float:
    if x < -60:
        return 0.0
    if x > 60:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    return math.log(p / (1.0 - p))


def confidence(name: str, z: float) -> float:
    """Confidence (50..100) of the side log-odds ``z`` choose: the probability of that side with
    the log-odds divided by the attribute's ``TEMPERATURE`` (temperature scaling), so it grows
    with the evidence for this face and a strong cue does not pin it at one value."""
    return 100.0 * _sigmoid(abs(z) / TEMPERATURE[name])


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(a - b)))


def _normalised(pts: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Points de-rolled about the eye midpoint and scaled so the inter-ocular distance is 1.

    Returns (points, inter-ocular distance in pixels, roll angle in radians)."""
    le = pts[EYE_LEFT].mean(axis=0)
    re = pts[EYE_RIGHT].mean(axis=0)
    d = re - le
    iod = max(float(np.hypot(*d)), 1e-6)
    ang = math.atan2(d[1], d[0])
    c, s = math.cos(-ang), math.sin(-ang)
    rot = np.array([[c, -s], [s, c]])
    mid = (le + re) / 2.0
    return (pts - mid) @ rot.T / iod, iod, ang


def _rect(img: np.ndarray, x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    """The rectangle between two corners, rounded to pixels and clipped; empty when under
    2 x 2 pixels are left."""
    patch = crop(img, int(round(min(x1, x2))), int(round(min(y1, y2))),
                 int(round(max(x1, x2))), int(round(max(y1, y2))))
    if patch.shape[0] < 2 or patch.shape[1] < 2:
        return img[0:0, 0:0]
    return patch


def _mean(a: np.ndarray, default: float) -> float:
    return float(a.mean()) if a.size else default


# -- one function per attribute -----------------------------------------------------------------


def _eye_aspect(p: np.ndarray) -> float:
    """Eye aspect ratio (Soukupova & Cech 2016), mean of both eyes."""
    left = (_dist(p[37], p[41]) + _dist(p[38], p[40])) / (2 * max(_dist(p[36], p[39]), 1e-6))
    right = (_dist(p[43], p[47]) + _dist(p[44], p[46])) / (2 * max(_dist(p[42], p[45]), 1e-6))
    return (left + right) / 2.0


def mouth_gap(p: np.ndarray) -> float:
    """Inner-lip gap over mouth width."""
    gap = (_dist(p[61], p[67]) + _dist(p[62], p[66]) + _dist(p[63], p[65])) / 3.0
    return gap / max(_dist(p[48], p[54]), 1e-6)


def _smile_cascade(ctx: FaceContext, iod: float) -> float:
    """1.0 when OpenCV's smile cascade fires on the mouth region, else 0.0."""
    import cv2

    from .weights import cascade

    p = ctx.pts68
    x1, x2 = p[48, 0] - SMILE_MARGIN * iod, p[54, 0] + SMILE_MARGIN * iod
    y1, y2 = p[33, 1], p[8, 1]
    roi = _rect(ctx.gray, x1, y1, x2, y2)
    if roi.size == 0:
        return 0.0
    scale = float(SMILE_CASCADE_WIDTH) / roi.shape[1]
    roi = cv2.resize(roi, (SMILE_CASCADE_WIDTH, max(8, round(roi.shape[0] * scale))),
                     interpolation=cv2.INTER_AREA)
    roi = cv2.equalizeHist(roi)
    g = cascade("haarcascade_smile.xml")
    with g.lock:
        hits = g.model.detectMultiScale(roi, scaleFactor=1.1, minNeighbors=20, minSize=(30, 12))
    return 1.0 if len(hits) else 0.0


def smile_shape(n: np.ndarray) -> dict[str, float]:
    """Mouth-corner lift and mouth width, in inter-ocular distances (normalised points ``n``)."""
    centre_y = (n[62, 1] + n[66, 1]) / 2.0
    return {"smile_lift": centre_y - (n[48, 1] + n[54, 1]) / 2.0,
            "mouth_width": _dist(n[48], n[54])}


def _edge_rows(gray: np.ndarray) -> float:
    """Strength of horizontal edges in a patch: max over rows of mean |d/dy|, over mean level."""
    import cv2

    if gray.size == 0 or gray.shape[0] < 3:
        return 0.0
    g = cv2.Sobel(gray.astype(np.float32), cv2.CV_32F, 0, 1, ksize=3)
    prof = np.abs(g).mean(axis=1)
    return float(prof.max() / (float(gray.mean()) + 10.0))


def glasses_edges(ctx: FaceContext, iod: float) -> float:
    """Strength of horizontal edges across the nose bridge and under the eyes (frames)."""
    p = ctx.pts68
    bridge = _rect(ctx.gray, p[39, 0], (p[21, 1] + p[27, 1]) / 2.0, p[42, 0], p[28, 1])
    under_l = _rect(ctx.gray, p[36, 0], p[41, 1], p[39, 0], p[41, 1] + UNDER_EYE_DEPTH * iod)
    under_r = _rect(ctx.gray, p[42, 0], p[46, 1], p[45, 0], p[46, 1] + UNDER_EYE_DEPTH * iod)
    return _edge_rows(bridge) + 0.5 * (_edge_rows(under_l) + _edge_rows(under_r)) / 2.0


def lens_darkness(ctx: FaceContext, iod: float, skin: float) -> float:
    """Eye regions' brightness over the cheeks' (dark lenses read low)."""
    p = ctx.pts68
    eye_l = _rect(ctx.gray, p[36, 0], p[37, 1] - EYE_MARGIN * iod, p[39, 0],
                  p[41, 1] + EYE_MARGIN * iod)
    eye_r = _rect(ctx.gray, p[42, 0], p[43, 1] - EYE_MARGIN * iod, p[45, 0],
                  p[46, 1] + EYE_MARGIN * iod)
    return (_mean(eye_l, skin) + _mean(eye_r, skin)) / (2.0 * max(skin, 1.0))


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


def irises(ctx: FaceContext) -> dict[str, float]:
    """Mean dark-iris offset inside the eyes (eye widths) and the eye width (px); empty when
    no eye can be measured."""
    found = [_iris_offset(ctx.gray, ctx.pts68[eye]) for eye in (EYE_LEFT, EYE_RIGHT)]
    offs = [o for o in found if o is not None]
    if not offs:
        return {}
    return {"iris_dx": float(np.mean([o[0] for o in offs])),
            "iris_dy": float(np.mean([o[1] for o in offs])),
            "eye_width": float(np.mean([o[2] for o in offs]))}


def eye_direction(m: dict[str, float], p_eyes: float, frontal: float
                  ) -> tuple[float, float, float]:
    """(yaw, pitch, confidence) of the gaze relative to the head, from the irises."""
    if "iris_dx" not in m or p_eyes < 0.5:
        return GAZE_UNSEEN
    dx, dy, eye_w = m["iris_dx"], m["iris_dy"], m["eye_width"]
    limit = GAZE_MAX_DEGREES
    return (
        float(np.clip(dx * GAZE_DEGREES_PER_EYE_WIDTH, -limit, limit)),
        float(np.clip(-dy * GAZE_DEGREES_PER_EYE_WIDTH, -limit, limit)),
        float(100.0 * (1.0 - math.exp(-eye_w / GAZE_EYE_WIDTH)) * (0.5 + 0.5 * frontal)),
    )


def _texture(patch: np.ndarray) -> float:
    import cv2

    if patch.size < 9:
        return 0.0
    small = cv2.resize(patch, (32, 32), interpolation=cv2.INTER_AREA)
    return float(np.abs(cv2.Laplacian(small.astype(np.float32), cv2.CV_32F)).mean())


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
    return (float(np.max(level)) if level else SKIN_DEFAULT_LEVEL,
            float(np.min(tex)) if tex else 0.0)


def facial_hair(ctx: FaceContext, iod: float, skin: float, skin_tex: float
                ) -> dict[str, float]:
    """Chin and upper-lip darkness (relative to the cheeks) and texture (beyond theirs)."""
    p = ctx.pts68
    chin = _rect(ctx.gray, p[7, 0], p[57, 1] + 0.1 * iod, p[9, 0], p[8, 1] - 0.05 * iod)
    lip = _rect(ctx.gray, p[49, 0], p[33, 1] + 0.08 * iod, p[53, 0], p[51, 1] - 0.05 * iod)
    return {"chin_dark": 1.0 - _mean(chin, skin) / max(skin, 1.0),
            "lip_dark": 1.0 - _mean(lip, skin) / max(skin, 1.0),
            "chin_texture": _texture(chin) - skin_tex,
            "lip_texture": _texture(lip) - skin_tex}


def occlusion(ctx: FaceContext, iod: float) -> float | None:
    """Share of pixels on the nose and chin whose
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
        return None
    ref = np.concatenate(refs, 0)[:, 1:].astype(np.float32)
    mu = ref.mean(axis=0)
    sd = np.maximum(ref.std(axis=0), 4.0)
    shares = []
    for probe in probes:  # each pixel counts by how sure it is not skin (a soft threshold)
        z = np.abs(probe[:, 1:].astype(np.float32) - mu) / sd
        shares.append(float((1.0 / (1.0 + np.exp(OCCLUSION_Z - z.max(axis=1)))).mean()))
    return float(np.mean(shares))


def brow_raise(n: np.ndarray) -> float:
    """Eye-to-brow height, in inter-ocular distances (normalised points ``n``)."""
    return float(((n[19, 1] + n[24, 1]) / 2.0) * -1.0)


def emotions(brow: float, ear: float, p_smile: float, p_mouth: float) -> dict[str, float]:
    """Shares of 100: HAPPY from the smile, SURPRISED from open mouth, wide eyes and raised
    brows (``brow``), CALM and the small rest from what remains."""
    brow_raise = brow
    p_surprise = (p_mouth * _sigmoid((ear - SURPRISE_EAR) / SURPRISE_EAR_SPREAD)
                  * _sigmoid((brow_raise - SURPRISE_BROW) / SURPRISE_BROW_SPREAD))
    happy = HAPPY_SHARE * p_smile
    surprised = (100.0 - happy) * SURPRISE_SHARE * p_surprise
    rest = 100.0 - happy - surprised
    shares = {"HAPPY": happy, "SURPRISED": surprised,
              **{k: rest * share for k, share in REST_SHARES.items()}}
    return {k: float(shares[k]) for k in EMOTIONS}


def measures(ctx: FaceContext) -> dict[str, float]:
    """Everything the attributes are decided from, one number each (see ``decide``)."""
    p = ctx.pts68
    n, iod, _ = _normalised(p)
    skin, skin_tex = _skin_stats(ctx, iod)
    reading = agegender.predict(ctx)
    out = {
        "yaw": ctx.yaw,
        "ear": _eye_aspect(p),
        "eyelid_gap": eyelids.eyes_openness(ctx.rgb, p),
        "mouth_gap": mouth_gap(p),
        **smile_shape(n),
        "smile_cascade": _smile_cascade(ctx, iod),
        "glasses_edges": glasses_edges(ctx, iod),
        "frame_lines": eyewear.bridge_lines(ctx),
        "lens_darkness": lens_darkness(ctx, iod, skin),
        **facial_hair(ctx, iod, skin, skin_tex),
        "brow_raise": brow_raise(n),
        **irises(ctx),
        "male": reading.male,
        "age": reading.age,
        "age_spread": reading.age_spread,
        "age_mean": reading.age_mean,
    }
    out.update({f"emotion_{k}": v for k, v in emotion.shares(ctx).items()})
    occluded = occlusion(ctx, iod)
    if occluded is not None:
        out["occluded_share"] = occluded
    return out


def hair(m: dict[str, float], region: str, darkness: float) -> float:
    """Log-odds of hair on a region ("chin" or "lip") of a face's ``measures``: darker than the
    cheeks by more than ``darkness``, and more textured than ``HAIR_TEXTURE``."""
    return ((m[f"{region}_dark"] - darkness) * HAIR_DARKNESS_GAIN
            + (m[f"{region}_texture"] - HAIR_TEXTURE) * HAIR_TEXTURE_GAIN)


def logits(m: dict[str, float]) -> dict[str, float]:
    """Log-odds that each boolean attribute is true, from a face's ``measures``."""
    p_glasses = _sigmoid(m["glasses_edges"] * GLASSES_EDGE_WEIGHT
                         + m["frame_lines"] * GLASSES_LINE_WEIGHT + GLASSES_BIAS)
    p_male = max(m["male"], BEARD_MALE_FLOOR)
    chin_hair = hair(m, "chin", BEARD_DARKNESS)
    lip_hair = hair(m, "lip", MUSTACHE_DARKNESS)
    p_sun = (_sigmoid((SUNGLASSES_EYE_RATIO - m["lens_darkness"]) * SUNGLASSES_GAIN)
             * (0.5 + 0.5 * p_glasses))
    z = {
        "eyes_open": (m["eyelid_gap"] - EYELID_OPEN_GAP) / EYELID_SPREAD,
        "mouth_open": (m["mouth_gap"] - MOUTH_OPEN_GAP) / MOUTH_OPEN_SPREAD,
        "smile": _logit(m["emotion_HAPPY"] / 100.0),
        "eyeglasses": _logit(max(p_glasses, p_sun) if p_sun >= 0.5 else p_glasses),
        "sunglasses": _logit(p_sun),
        "beard": _logit(p_male * max(_sigmoid(chin_hair), _sigmoid(lip_hair))),
        "mustache": _logit(p_male * _sigmoid(lip_hair - MUSTACHE_BIAS)),
        "face_occluded": ((m["occluded_share"] - OCCLUDED_SHARE) * OCCLUSION_GAIN
                          if "occluded_share" in m else _logit(OCCLUSION_DEFAULT)),
    }
    if p_sun >= 0.5:
        z["eyes_open"] = 0.0  # the eyes cannot be seen through dark lenses: undecided
    return z


def geometric_emotions(m: dict[str, float]) -> dict[str, float]:
    """The emotions read from the face's geometry alone (smile cues, open mouth, wide eyes,
    raised brows)."""
    p_smile = _sigmoid((m["smile_lift"] - SMILE_LIFT) * SMILE_LIFT_GAIN
                       + (m["mouth_width"] - SMILE_WIDTH) * SMILE_WIDTH_GAIN
                       + SMILE_CASCADE_WEIGHT * m["smile_cascade"] - SMILE_BIAS)
    p_mouth = _sigmoid((m["mouth_gap"] - MOUTH_OPEN_GAP) / MOUTH_OPEN_SPREAD)
    return emotions(m["brow_raise"], m["ear"], p_smile, p_mouth)


def blended_emotions(m: dict[str, float]) -> dict[str, float]:
    """The mean of the geometric reading and the learned classifier's shares (``emotion``):
    left out one source at a time, it agrees with the service's top emotion more often than
    either alone (see docs/fields.md)."""
    geometric = geometric_emotions(m)
    return {k: (geometric[k] + m.get(f"emotion_{k}", 0.0)) / 2.0 for k in EMOTIONS}


def decide(m: dict[str, float]) -> Attributes:
    """The attributes of a face from its ``measures``: each boolean's value is the sign of its
    log-odds and its confidence a monotone map of their size (``confidence``)."""
    frontal = max(0.0, 1.0 - abs(m["yaw"]) / FRONTAL_YAW)
    z = logits(m)
    flags = {name: (value >= 0.0, confidence(name, value)) for name, value in z.items()}
    reading = agegender.Reading(m["male"], m["age"], m["age_spread"], m["age_mean"])
    return Attributes(
        **flags,
        gender=agegender.gender(reading),
        age_range=agegender.age_range(reading.age, reading.age_spread),
        emotions=blended_emotions(m),
        eye_direction=eye_direction(m, _sigmoid(z["eyes_open"]), frontal),
    )


def estimate(ctx: FaceContext) -> Attributes:
    """All attributes of one face (deterministic; see the module docstring for trust)."""
    return decide(measures(ctx))
