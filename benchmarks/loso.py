"""Leave-one-source-out judgement of every number rekmock fits to the service's answers.

``benchmarks/fidelity.py`` pairs each real face with rekmock's and keeps, beside both answers,
what rekmock *measured* before putting it on the service's scale (mean luma, the mesh's own
angles, the networks' answers, each attribute's cue). Each ``Fit`` here says how one constant
(or one small set of them) is fitted from such faces and how a face is then scored. It is
judged four ways on the same faces:

- ``shipped``: the value in rekmock's code;
- ``plain``: the unfitted, principled value (no gain, no offset, the anatomical point ...);
- ``in-sample``: fitted on every face and scored on the same faces;
- ``LOSO``: for each source repository, fitted on the other repositories' faces and scored on
  that repository's; the left-out scores of all repositories pooled.

A fitted number is worth adopting only when its LOSO figure beats ``plain``. Faces are also
grouped by the service's model era (the answer's year), where the scales drift.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rekmock.vision import agegender, attributes, facemesh, image_quality, pose
from rekmock.vision.mesh_mirror import MIRROR

Record = dict[str, Any]
ERAS = (("2020 (model 4-5)", 2000, 2020), ("2021-22 (model 5-6)", 2021, 2022),
        ("2023 (model 6)", 2023, 2023), ("2024-25 (model 7)", 2024, 2099))


def era(year: int) -> str:
    return next(name for name, lo, hi in ERAS if lo <= year <= hi)


def median(values: Iterable[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    return statistics.median(vals) if vals else math.nan


@dataclass
class Fit:
    """One fitted constant (or set): how it is fitted, how a face is scored with it."""

    name: str
    usable: Callable[[Record], bool]  # the faces this fit can use and be scored on
    fit: Callable[[list[Record]], Any]  # training faces -> parameters
    score: Callable[[Record, Any], float]  # one face's error (or 1.0/0.0 agreement)
    shipped: Any
    plain: Any
    summary: str = "median"  # "median" of |errors| or "mean" of agreements
    unit: str = ""
    note: str = ""
    results: dict[str, Any] = field(default_factory=dict)


def summarise(kind: str, values: Sequence[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    if not vals:
        return math.nan
    return statistics.median(abs(v) for v in vals) if kind == "median" else statistics.mean(vals)


def folds(faces: list[Record]) -> Iterator[tuple[str, list[Record], list[Record]]]:
    """Each source in turn: its name, the other sources' faces (to fit on) and its own."""
    for source in sorted({r["source"] for r in faces}):
        yield (source, [r for r in faces if r["source"] != source],
               [r for r in faces if r["source"] == source])


def judge(f: Fit, records: list[Record]) -> dict[str, Any]:
    """Scores of the four variants, overall and by era; the LOSO parameters per source."""
    faces = [r for r in records if f.usable(r)]
    out: dict[str, Any] = {"n": len(faces)}
    if not faces:
        return out
    everything = f.fit(faces)
    left_out: list[tuple[Record, float]] = []
    params_by_source: dict[str, Any] = {}
    for source, train, test in folds(faces):
        params = f.fit(train) if train else None
        params_by_source[source] = params
        left_out += [(r, f.score(r, params) if params is not None else math.nan) for r in test]
    variants = {
        "shipped": [(r, f.score(r, f.shipped)) for r in faces],
        "plain": [(r, f.score(r, f.plain)) for r in faces],
        "in-sample": [(r, f.score(r, everything)) for r in faces],
        "LOSO": left_out,
    }
    for name, scored in variants.items():
        out[name] = summarise(f.summary, [s for _, s in scored])
        out[name + "/era"] = {
            e: summarise(f.summary, [s for r, s in scored if era(r["year"]) == e])
            for e, _, _ in ERAS if any(era(r["year"]) == e for r, _ in scored)
        }
        out[name + "/n_era"] = {e: sum(era(r["year"]) == e for r, _ in scored) for e, _, _ in ERAS}
    out["fitted"] = everything
    out["per_source"] = params_by_source
    f.results = out
    return out


# -- Quality --------------------------------------------------------------------------------

def _has_quality(r: Record) -> bool:
    return "Quality" in r["real"] and "luma" in r["raw"]


def _brightness_fit(faces: list[Record]) -> float:
    return median(r["real"]["Quality"]["Brightness"] / max(r["raw"]["luma"], 1e-6) for r in faces)


def _brightness_error(r: Record, gain: float) -> float:
    return image_quality.brightness(r["raw"]["luma"], gain) - r["real"]["Quality"]["Brightness"]


def _lattice_step(sharpness: float) -> float:
    s = min(max(sharpness / 100.0, 1e-6), 1 - 1e-6)
    return (math.log(s / (1 - s)) - image_quality.LATTICE_A) / image_quality.LATTICE_B


def _sharp_ok(r: Record) -> bool:
    return _has_quality(r) and not r["pixelated"]


def _sharpness_fit(faces: list[Record]) -> tuple[float, float]:
    x = np.array([r["raw"]["log_variance"] for r in faces])
    y = np.array([_lattice_step(r["real"]["Quality"]["Sharpness"]) for r in faces])
    if len(faces) < 2 or np.ptp(x) == 0:
        return image_quality.K_PER_LOG_VAR, image_quality.K_OFFSET
    slope, offset = np.polyfit(x, y, 1)
    return float(slope), float(offset)


def _sharpness_error(r: Record, p: tuple[float, float]) -> float:
    k = image_quality.sharpness_step(r["raw"]["log_variance"], *p)
    return image_quality.lattice_sharpness(k) - r["real"]["Quality"]["Sharpness"]


def face_px(r: Record) -> float:
    """rekmock's face width in pixels of the photo."""
    return max(r["ours"]["BoundingBox"]["Width"] * r["size"][0], 1.0)


def _sharpness_size_fit(faces: list[Record]) -> tuple[float, float, float]:
    """k = a ln(var) + b + c ln(face width px), least squares."""
    x = np.array([[r["raw"]["log_variance"], 1.0, math.log(face_px(r))] for r in faces])
    y = np.array([_lattice_step(r["real"]["Quality"]["Sharpness"]) for r in faces])
    if len(faces) < 4:
        return image_quality.K_PER_LOG_VAR, image_quality.K_OFFSET, 0.0
    (a, b, c), *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(a), float(b), float(c)


def _sharpness_size_error(r: Record, p: tuple[float, float, float]) -> float:
    a, b, c = p
    k = image_quality.sharpness_step(r["raw"]["log_variance"], a, b + c * math.log(face_px(r)))
    return image_quality.lattice_sharpness(k) - r["real"]["Quality"]["Sharpness"]


def newest(usable: Callable[[Record], bool]) -> Callable[[Record], bool]:
    """Only the answers of face models 6-7 (2023 on): drift-prone scales are set on these."""
    return lambda r: usable(r) and r["year"] >= NEWEST_FROM


NEWEST_FROM = 2023


# -- Pose -----------------------------------------------------------------------------------

def _has_pose(r: Record) -> bool:
    return "Pose" in r["real"] and "yaw_raw" in r["raw"]


def _pitch_fit(faces: list[Record]) -> float:
    return median(r["real"]["Pose"]["Pitch"] - r["raw"]["pitch_raw"] for r in faces)


def _pitch_error(r: Record, offset: float) -> float:
    return r["raw"]["pitch_raw"] + offset - r["real"]["Pose"]["Pitch"]


YAW_GRID = tuple(g / 20 for g in range(0, 21))  # knee gains tried by the fidelity fit
KNEE_FROM, AFW_GAIN = 15.0, 0.3  # the knee rekmock had, fitted on AFW: +30 % past 15 degrees


def _yaw(r: Record, p: tuple[float, float, float]) -> float:
    """The mesh's yaw with a knee: raised by ``gain`` past ``gain_from`` degrees."""
    gain, gain_from, turned = p
    raw = r["raw"]["yaw_raw"]
    bent = math.copysign(abs(raw) + gain * max(0.0, abs(raw) - gain_from), raw)
    return pose.corrected_yaw(bent, r["raw"]["eyes_yaw"], turned)


def _yaw_error(r: Record, p: tuple[float, float, float]) -> float:
    return abs(_yaw(r, p)) - abs(r["real"]["Pose"]["Yaw"])


def _yaw_fit(faces: list[Record]) -> tuple[float, float, float]:
    """The knee gain that best fits these faces (knee and eye-spacing floor kept)."""
    def cost(g: float) -> float:
        p = (g, KNEE_FROM, pose.TURNED)
        return median(abs(_yaw_error(r, p)) for r in faces)
    best = min(YAW_GRID, key=cost)
    return best, KNEE_FROM, pose.TURNED


# -- Age ------------------------------------------------------------------------------------

def _has_age(r: Record) -> bool:
    return "AgeRange" in r["real"] and "age" in r["raw"] and not r["pixelated"]


def _real_mid(r: Record) -> float:
    return (r["real"]["AgeRange"]["Low"] + r["real"]["AgeRange"]["High"]) / 2.0


def _age_shift_fit(faces: list[Record]) -> int:
    return round(median(_real_mid(r) - r["raw"]["age"] for r in faces))


def _age_mid_error(r: Record, shift: int) -> float:
    lo, hi = agegender.age_range(r["raw"]["age"], r["raw"]["age_spread"], shift)
    return (lo + hi) / 2.0 - _real_mid(r)


def _real_width(r: Record) -> float:
    return float(r["real"]["AgeRange"]["High"] - r["real"]["AgeRange"]["Low"])


def _age_width_fit(faces: list[Record]) -> float:
    """Half-width over the network's spread: the median over these faces."""
    return median(_real_width(r) / 2.0 / max(r["raw"]["age_spread"], 1e-6) for r in faces)


def _age_width_error(r: Record, scale: float) -> float:
    lo, hi = agegender.age_range(r["raw"]["age"], r["raw"]["age_spread"], 0, scale)
    return (hi - lo) - _real_width(r)


# -- Landmarks ------------------------------------------------------------------------------

def _has_landmarks(r: Record) -> bool:
    return "Landmarks" in r["real"] and "mesh" in r["raw"]


def mirror_name(name: str) -> str:
    swapped = name.replace("Left", "\0").replace("Right", "Left").replace("\0", "Right")
    return swapped.replace("left", "\0").replace("right", "left").replace("\0", "right")


FIXED_TYPES = ("eyeLeft", "eyeRight", "leftPupil", "rightPupil")  # eye centres: not fitted


def _iod(r: Record) -> float:
    pts = {lm["Type"]: lm for lm in r["real"]["Landmarks"]}
    w, h = r["size"]
    return max(math.hypot((pts["eyeRight"]["X"] - pts["eyeLeft"]["X"]) * w,
                          (pts["eyeRight"]["Y"] - pts["eyeLeft"]["Y"]) * h), 1e-6)


def _point(r: Record, idx: tuple[int, ...]) -> np.ndarray:
    return np.asarray(r["raw"]["mesh"])[list(idx)].mean(axis=0)


def _type_error(r: Record, name: str, idx: tuple[int, ...]) -> float:
    """Distance (pixels over the real inter-ocular distance) of one type from the real one."""
    real = next((lm for lm in r["real"]["Landmarks"] if lm["Type"] == name), None)
    if real is None:
        return math.nan
    w, h = r["size"]
    x, y = _point(r, idx)
    return math.hypot(x - real["X"] * w, y - real["Y"] * h) / _iod(r)


def candidates(name: str) -> list[tuple[int, ...]]:
    """The mesh points a type may be read from: the shipped choice, the iBUG-68 counterpart,
    and the mesh points next to them (single points and mirror-kept pairs)."""
    from rekmock.vision.landmarks import _FROM_68

    base = {facemesh.REKOGNITION[name], tuple(facemesh.TO_68[i] for i in _FROM_68[name])}
    return sorted(base | {(i,) for idx in base for i in idx}
                  | {tuple(sorted((a, b))) for idx in base for a in idx for b in idx if a < b})


def _landmark_fit(faces: list[Record]) -> dict[str, tuple[int, ...]]:
    """Per type (mirror pairs together), the candidate closest to the service's points."""
    chosen: dict[str, tuple[int, ...]] = {}
    for name in facemesh.REKOGNITION:
        if name in chosen or name in FIXED_TYPES:
            continue
        twin = mirror_name(name)

        def cost(idx: tuple[int, ...], name: str = name, twin: str = twin) -> float:
            mirrored = tuple(MIRROR[i] for i in idx)
            errs = [_type_error(r, name, idx) for r in faces]
            if twin != name:
                errs += [_type_error(r, twin, mirrored) for r in faces]
            else:
                errs += [_type_error(r, name, mirrored) for r in faces]
            return float(np.nanmean(errs))

        best = min(candidates(name), key=cost)
        chosen[name] = best
        chosen[twin] = tuple(MIRROR[i] for i in best)
    return chosen


def _landmark_error(r: Record, choice: dict[str, tuple[int, ...]]) -> float:
    errs = [_type_error(r, name, choice.get(name, facemesh.REKOGNITION[name]))
            for name in facemesh.REKOGNITION]
    return float(np.nanmean(errs))


def _plain_landmarks() -> dict[str, tuple[int, ...]]:
    from rekmock.vision.landmarks import _FROM_68

    out = {name: tuple(facemesh.TO_68[i] for i in _FROM_68[name]) for name in facemesh.REKOGNITION}
    for name in FIXED_TYPES:
        out[name] = facemesh.REKOGNITION[name]
    return out


# -- Boolean attributes ---------------------------------------------------------------------

@dataclass(frozen=True)
class Flag:
    """A boolean attribute decided by one cue against a threshold."""

    field: str
    cue: Callable[[dict[str, float]], float]  # larger = more likely true
    shipped: float  # the shipped threshold on the cue
    plain: float


def field(flag: Flag) -> str:
    """The service's field a flag is scored against (the name before any note)."""
    return flag.field.split(" ")[0]


def _cue_ok(flag: Flag) -> Callable[[Record], bool]:
    def ok(r: Record) -> bool:
        return (field(flag) in r["real"] and "Value" in r["real"][field(flag)]
                and "cues" in r["raw"] and not r["pixelated"])
    return ok


def _flag_fit(flag: Flag) -> Callable[[list[Record]], float]:
    def fit(faces: list[Record]) -> float:
        vals = sorted({flag.cue(r["raw"]["cues"]) for r in faces})
        cuts = [flag.plain] + [(a + b) / 2 for a, b in zip(vals, vals[1:], strict=False)]
        cuts += [vals[0] - 1e-6, vals[-1] + 1e-6] if vals else []

        def agree(t: float) -> float:
            return sum((flag.cue(r["raw"]["cues"]) >= t) == truth(r, field(flag)) for r in faces)
        best = max(agree(t) for t in cuts)
        # Among the best cuts, the one nearest the plain value (fewest assumptions).
        return min((t for t in cuts if agree(t) == best), key=lambda t: abs(t - flag.plain))
    return fit


def truth(r: Record, name: str) -> bool:
    """The service's value (Gender: Male)."""
    value = r["real"][name]["Value"]
    return value == "Male" if name == "Gender" else bool(value)


def service_probability(r: Record, name: str) -> float:
    """The service's probability that ``name`` is true: its Confidence on the side it chose
    (a printed answer without one counts as 90 %)."""
    answer = r["real"][name]
    conf = answer.get("Confidence") or 90.0
    return conf / 100.0 if truth(r, name) else 1.0 - conf / 100.0


SOFT_SPREADS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # of the cue's own spread (see below)


def _soft_fit(flag: Flag) -> Callable[[list[Record]], float]:
    """The threshold of a logistic model of the cue fitted by maximum likelihood to the
    service's own probabilities (its Confidences as soft labels): uses every face's confidence,
    not only which side it chose."""
    def fit(faces: list[Record]) -> float:
        x = np.array([flag.cue(r["raw"]["cues"]) for r in faces])
        y = np.array([service_probability(r, field(flag)) for r in faces])
        unit = float(np.std(x)) or 1.0
        best = (-math.inf, flag.plain)
        for t in np.linspace(float(x.min()), float(x.max()), 201):
            for k in SOFT_SPREADS:
                q = np.clip(1.0 / (1.0 + np.exp(-(x - t) / (k * unit))), 1e-6, 1 - 1e-6)
                ll = float(np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)))
                if ll > best[0]:
                    best = (ll, float(t))
        return best[1]
    return fit


def _flag_score(flag: Flag) -> Callable[[Record, float], float]:
    def score(r: Record, t: float) -> float:
        return float((flag.cue(r["raw"]["cues"]) >= t) == truth(r, field(flag)))
    return score


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def shipped_logit(name: str) -> Callable[[dict[str, float]], float]:
    """The shipped decision's log-odds for attribute ``name`` (0 at the shipped threshold)."""
    return lambda m: attributes.logits(m)[name]


def geometric_smile(m: dict[str, float]) -> float:
    """The smile log-odds rekmock used before the learned classifier (geometry and cascade)."""
    return ((m["smile_lift"] - attributes.SMILE_LIFT) * attributes.SMILE_LIFT_GAIN
            + (m["mouth_width"] - attributes.SMILE_WIDTH) * attributes.SMILE_WIDTH_GAIN
            + attributes.SMILE_CASCADE_WEIGHT * m["smile_cascade"] - attributes.SMILE_BIAS)


def chin_beard(m: dict[str, float]) -> float:
    """The Beard log-odds from the chin alone (x P(male)), before the upper lip counted too."""
    chin = attributes.hair(m, "chin", attributes.BEARD_DARKNESS)
    male = max(m["male"], attributes.BEARD_MALE_FLOOR)
    return _logit(male / (1.0 + math.exp(-chin)))


EAR_BEFORE = 0.20  # the mesh eye-aspect-ratio threshold rekmock used before the eyelid network

FLAGS = (
    Flag("EyesOpen", shipped_logit("eyes_open"), 0.0, 0.0),
    Flag("EyesOpen (mesh EAR, before)", lambda m: m["ear"], EAR_BEFORE, EAR_BEFORE),
    Flag("MouthOpen", shipped_logit("mouth_open"), 0.0, 0.0),
    Flag("Smile", shipped_logit("smile"), 0.0, 0.0),
    Flag("Smile (geometric, before)", geometric_smile, 0.0, 0.0),
    Flag("Eyeglasses", shipped_logit("eyeglasses"), 0.0, 0.0),
    Flag("Sunglasses", shipped_logit("sunglasses"), 0.0, 0.0),
    Flag("Beard", shipped_logit("beard"), 0.0, 0.0),
    Flag("Beard (chin only, before)", chin_beard, 0.0, 0.0),
    Flag("Mustache", shipped_logit("mustache"), 0.0, -attributes.MUSTACHE_BIAS),
    Flag("FaceOccluded", lambda m: max(attributes.logits(m)["face_occluded"],
                                       attributes.logits(m)["sunglasses"]), 0.0, 0.0),
    Flag("Gender", lambda m: attributes._logit(m["male"]), 0.0, 0.0),
)


def fits() -> list[Fit]:
    """Every fitted number of rekmock/vision and rekmock/faces that the answers can judge."""
    out = [
        Fit("Brightness gain (x mean luma)", _has_quality, _brightness_fit, _brightness_error,
            image_quality.BRIGHTNESS_GAIN, 1.0, unit="points", note="aim |d| <= 8"),
        Fit("Sharpness k = a ln(var) + b", _sharp_ok, _sharpness_fit, _sharpness_error,
            (image_quality.K_PER_LOG_VAR, image_quality.K_OFFSET), (image_quality.K_PER_LOG_VAR,
                                                                   image_quality.K_OFFSET),
            unit="points", note="plain = shipped: no unfitted scale exists"),
        Fit("Sharpness + face size term", _sharp_ok, _sharpness_size_fit, _sharpness_size_error,
            (image_quality.K_PER_LOG_VAR, image_quality.K_OFFSET, 0.0),
            (image_quality.K_PER_LOG_VAR, image_quality.K_OFFSET, 0.0), unit="points"),
        Fit("Brightness gain, 2023+ only", newest(_has_quality), _brightness_fit,
            _brightness_error, image_quality.BRIGHTNESS_GAIN, 1.0, unit="points"),
        Fit("Sharpness+size, 2023+ only", newest(_sharp_ok), _sharpness_size_fit,
            _sharpness_size_error, (image_quality.K_PER_LOG_VAR, image_quality.K_OFFSET, 0.0),
            (image_quality.K_PER_LOG_VAR, image_quality.K_OFFSET, 0.0), unit="points"),
        Fit("Pitch offset", _has_pose, _pitch_fit, _pitch_error, pose.PITCH_OFFSET, 0.0,
            unit="deg", note="aim |d| <= 6"),
        Fit("Yaw knee gain", _has_pose, _yaw_fit, _yaw_error,
            (0.0, KNEE_FROM, pose.TURNED), (0.0, KNEE_FROM, 90.0), unit="deg",
            note="| |yaw| d |, aim <= 6; plain = the mesh's own angle, no eye-spacing floor"),
        Fit("Yaw knee gain, AFW's 0.3 (before)", _has_pose, _yaw_fit, _yaw_error,
            (AFW_GAIN, KNEE_FROM, pose.TURNED), (0.0, KNEE_FROM, 90.0), unit="deg"),
        Fit("AgeRange shift", _has_age, _age_shift_fit, _age_mid_error, agegender.AGE_SHIFT, 0,
            unit="years", note="midpoint |d|, aim <= 5"),
        Fit("AgeRange width (x age spread)", _has_age, _age_width_fit, _age_width_error,
            agegender.SPREAD_SCALE, 1.0, unit="years",
            note="width |d|; plain = +-1 standard deviation"),
        Fit("Landmark mesh points", _has_landmarks, _landmark_fit, _landmark_error,
            dict(facemesh.REKOGNITION), _plain_landmarks(), unit="x iod",
            note="mean over types, aim <= 0.06; plain = the iBUG-68 counterparts"),
    ]
    for flag in FLAGS:
        out.append(Fit(f"{flag.field} threshold", _cue_ok(flag), _flag_fit(flag),
                       _flag_score(flag), flag.shipped, flag.plain, summary="mean",
                       unit="agree", note="aim >= 0.85"))
        out.append(Fit(f"{flag.field} soft fit", _cue_ok(flag), _soft_fit(flag),
                       _flag_score(flag), flag.shipped, flag.plain, summary="mean",
                       unit="agree", note="fitted to the service's confidences"))
    return out


def fmt(value: float, unit: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return f"{value:.0%}" if unit == "agree" else f"{value:.3f}" if unit == "x iod" \
        else f"{value:.2f}"


def fmt_params(p: Any) -> str:
    if isinstance(p, dict):
        return f"{len(p)} types"
    if isinstance(p, tuple):
        return "(" + ", ".join(f"{v:.3g}" for v in p) + ")"
    if isinstance(p, float):
        return f"{p:.3g}"
    return str(p)


def report(records: list[Record], print_: Callable[[str], None] = print) -> list[Fit]:
    """Judge every fit and print the table (errors: median |d|; flags: share agreeing)."""
    done = fits()
    print_("")
    print_("Leave-one-source-out (LOSO): each figure is the median |error| (flags: share "
           "agreeing) of faces scored with a value fitted without their source.")
    print_(f"{'fitted number':<32} {'n':>3} {'shipped':>8} {'plain':>8} {'in-samp':>8} "
           f"{'LOSO':>8}  fitted on all / LOSO params")
    for f in done:
        res = judge(f, records)
        if not res.get("n"):
            print_(f"{f.name:<32} {0:>3}")
            continue
        ps = sorted({fmt_params(p) for p in res["per_source"].values()})
        print_(f"{f.name:<32} {res['n']:>3} {fmt(res['shipped'], f.unit):>8} "
               f"{fmt(res['plain'], f.unit):>8} "
               f"{fmt(res['in-sample'], f.unit):>8} "
               f"{fmt(res['LOSO'], f.unit):>8}  {fmt_params(res['fitted'])} / "
               f"{', '.join(ps[:4])}{' ...' if len(ps) > 4 else ''}")
    print_("")
    print_("By model era (LOSO, then shipped):")
    for f in done:
        res = f.results
        if not res.get("n"):
            continue
        cells = [f"{e.split(' ')[0]}: {fmt(res['LOSO/era'][e], f.unit)} / "
                 f"{fmt(res['shipped/era'][e], f.unit)} (n={res['LOSO/n_era'][e]})"
                 for e in res["LOSO/era"]]
        print_(f"  {f.name:<30} " + "; ".join(cells))
    return done


# -- Emotions (no number fitted: the learned model against the geometric reading) -----------

def model_shares(m: dict[str, float]) -> dict[str, float]:
    return {k[len("emotion_"):]: v for k, v in m.items() if k.startswith("emotion_")}


EMOTION_VARIANTS: dict[str, Callable[[dict[str, float]], dict[str, float]]] = {
    "geometric (before)": attributes.geometric_emotions,
    "learned (mini-Xception)": model_shares,
    "mean of the two (shipped)": attributes.blended_emotions,
}


def top_emotion(shares: dict[str, float]) -> str:
    from rekmock.faces.analysis import service_emotions

    return service_emotions(shares)[0][0]


def emotion_report(records: list[Record], print_: Callable[[str], None] = print) -> None:
    faces = [r for r in records if r["real"].get("Emotions") and "cues" in r["raw"]
             and not r["pixelated"]]
    print_("")
    print_(f"Top emotion agreeing with the service ({len(faces)} faces; nothing fitted):")
    for name, shares in EMOTION_VARIANTS.items():
        agree = [(r, top_emotion(shares(r["raw"]["cues"]))
                  == max(r["real"]["Emotions"], key=lambda e: e["Confidence"])["Type"])
                 for r in faces]
        by_era = {e: [a for r, a in agree if era(r["year"]) == e] for e, _, _ in ERAS}
        cells = "; ".join(f"{e.split(' ')[0]}: {sum(v)}/{len(v)}" for e, v in by_era.items() if v)
        print_(f"  {name:<26} {sum(a for _, a in agree)}/{len(agree)}  ({cells})")
    score_report(faces, print_)


# The 2022-23 answers' convention: these three rest at a floor on any face (their medians there).
FLOORS_2022_23 = {"SURPRISED": 6.3, "FEAR": 5.9, "SAD": 2.2}


def _scores(r: Record, floors: dict[str, float]) -> dict[str, float]:
    from rekmock.faces.analysis import service_emotions

    shipped = dict(service_emotions(attributes.blended_emotions(r["raw"]["cues"])))
    return {t: floors.get(t, 0.0) + (100.0 - floors.get(t, 0.0)) * v / 100.0
            for t, v in shipped.items()}


def score_report(faces: list[Record], print_: Callable[[str], None] = print) -> None:
    """The 8 emotion scores against the service's (mean |difference| per face, median over
    faces), with and without the 2022-23 floors: a convention read by era, no number fitted."""
    print_("Emotion scores, mean |difference| of the 8 per face (median over faces), by era:")
    for name, floors in (("floors of 2022-23 (before)", FLOORS_2022_23),
                         ("shares of 100 (shipped)", {})):
        errors = []
        for r in faces:
            ours, real = _scores(r, floors), {e["Type"]: e["Confidence"]
                                              for e in r["real"]["Emotions"]}
            errors.append((r, float(np.mean([abs(v - real.get(t, 0.0))
                                              for t, v in ours.items()]))))
        cells = "; ".join(f"{e.split(' ')[0]}: {median(v):.2f} (n={len(v)})" for e, _, _ in ERAS
                          if (v := [d for r, d in errors if era(r["year"]) == e]))
        print_(f"  {name:<26} {median(d for _, d in errors):.2f}  ({cells})")


BEARD_FORMS = {"chin only (before)": chin_beard,
               "chin or upper lip (shipped)": shipped_logit("beard")}


def choice_report(records: list[Record], print_: Callable[[str], None] = print) -> None:
    """Beard's form (chin only, or chin or upper lip: a convention read from the answers, no
    number fitted) chosen on the other sources and scored on the one left out."""
    faces = [r for r in records if "Value" in r["real"].get("Beard", {})
             and "cues" in r["raw"] and not r["pixelated"]]

    def right(r: Record, form: str) -> bool:
        return (BEARD_FORMS[form](r["raw"]["cues"]) >= 0) == bool(r["real"]["Beard"]["Value"])

    chosen, agree = [], 0
    for _, train, test in folds(faces):
        best = max(BEARD_FORMS, key=lambda form: sum(right(r, form) for r in train))
        chosen.append(best)
        agree += sum(right(r, best) for r in test)
    print_("")
    print_(f"Beard's form chosen left out ({len(faces)} faces): "
           + ", ".join(f"{form} on {chosen.count(form)} folds" for form in BEARD_FORMS)
           + f"; left-out agreement {agree}/{len(faces)}")


AGE_CENTRES = ("age_mean", "age")  # the age distribution's mean (before), its median (shipped)


def age_centre_report(records: list[Record], print_: Callable[[str], None] = print) -> None:
    """The AgeRange centre (the distribution's mean or median: no number fitted) chosen on the
    other sources by median midpoint error, scored on the one left out; on all answers and on
    those since 2021 (today's range convention)."""
    faces = [r for r in records if "AgeRange" in r["real"] and "age_mean" in r["raw"].get(
        "cues", {}) and not r["pixelated"]]

    def error(r: Record, centre: str) -> float:
        lo, hi = agegender.age_range(r["raw"]["cues"][centre], r["raw"]["cues"]["age_spread"])
        return abs((lo + hi) / 2.0 - _real_mid(r))

    print_("")
    for label, group in (("all answers", faces),
                         ("answers since 2021", [r for r in faces if r["year"] >= 2021])):
        chosen, left_out = [], []
        for _, train, test in folds(group):
            best = min(AGE_CENTRES, key=lambda c: median(error(r, c) for r in train))
            chosen.append(best)
            left_out += [error(r, best) for r in test]
        fixed = ", ".join(f"{c} {median(error(r, c) for r in group):.1f}" for c in AGE_CENTRES)
        print_(f"AgeRange centre chosen left out, {label} ({len(group)} faces): median on "
               f"{chosen.count('age')} of {len(chosen)} folds, left-out midpoint |d| "
               f"{median(left_out):.1f} (each throughout: {fixed})")


BOOLEAN_FIELDS = {"eyes_open": "EyesOpen", "mouth_open": "MouthOpen", "smile": "Smile",
                  "eyeglasses": "Eyeglasses", "sunglasses": "Sunglasses", "beard": "Beard",
                  "mustache": "Mustache", "face_occluded": "FaceOccluded"}


def temperatures(records: list[Record]) -> dict[str, float]:
    """Per boolean attribute, the temperature at which rekmock's median Confidence over these
    faces equals the service's: Confidence = 100 sigmoid(|z| / T) is monotone in |z|, so
    T = median |z| / logit(the service's median / 100)."""
    out = {}
    for name, key in BOOLEAN_FIELDS.items():
        faces = [r for r in records
                 if "Confidence" in r["real"].get(key, {}) and "cues" in r["raw"]
                 and not r["pixelated"]]
        if not faces:
            continue
        service = statistics.median(r["real"][key]["Confidence"] for r in faces) / 100.0
        size = statistics.median(abs(attributes.logits(r["raw"]["cues"])[name]) for r in faces)
        out[name] = size / _logit(service)
    return out


def temperature_report(records: list[Record], print_: Callable[[str], None] = print) -> None:
    fitted = temperatures(records)
    print_("")
    print_("Confidence temperatures matching the service's median Confidence (fitted / shipped):")
    print_("  " + "; ".join(f"{k} {v:.2f} / {attributes.TEMPERATURE[k]}"
                            for k, v in fitted.items()))


CONFIDENCE_FIELDS = ("Smile", "Eyeglasses", "Sunglasses", "Gender", "Beard", "Mustache",
                     "EyesOpen", "MouthOpen", "FaceOccluded")


def commonest_share(faces: list[dict[str, Any]], name: str) -> tuple[float, float]:
    """Share of faces whose ``name`` Confidence takes its most common value, and that value."""
    values = [f[name]["Confidence"] for f in faces if "Confidence" in f.get(name, {})]
    if not values:
        return math.nan, math.nan
    top = max(set(values), key=values.count)
    return values.count(top) / len(values), top


def confidence_report(faces: list[dict[str, Any]], label: str,
                      print_: Callable[[str], None] = print) -> None:
    """Each attribute Confidence's commonest value and its share of ``faces`` (aim <= 1/5)."""
    cells = []
    for name in CONFIDENCE_FIELDS:
        share, value = commonest_share(faces, name)
        cells.append(f"{name} {share:.0%} ({value:.4g})")
    print_(f"Commonest Confidence value, share of {len(faces)} faces ({label}; aim <= 20%):")
    print_("  " + "; ".join(cells))


# The aims of issue 21, each read from the row of the fit that produces the shipped value: its
# LOSO figure where the shipped value was fitted on these answers, else the shipped figure
# (nothing of it was fitted here, so it is already out of sample).
AIMS = (
    ("landmarks, mean error / eye distance", "Landmark mesh points", True, "<=", 0.06),
    ("|Yaw| difference, deg", "Yaw knee gain", False, "<=", 6.0),
    ("|Pitch| difference, deg", "Pitch offset", True, "<=", 6.0),
    ("AgeRange midpoint difference, years", "AgeRange shift", False, "<=", 5.0),
    ("Brightness difference", "Brightness gain (x mean luma)", True, "<=", 8.0),
    ("EyesOpen agreeing", "EyesOpen threshold", False, ">=", 0.85),
    ("MouthOpen agreeing", "MouthOpen threshold", False, ">=", 0.85),
    ("Smile agreeing", "Smile threshold", False, ">=", 0.85),
    ("Eyeglasses agreeing", "Eyeglasses threshold", False, ">=", 0.85),
    ("Sunglasses agreeing", "Sunglasses threshold", False, ">=", 0.85),
    ("Beard agreeing", "Beard threshold", False, ">=", 0.85),
    ("Mustache agreeing", "Mustache threshold", True, ">=", 0.85),
    ("FaceOccluded agreeing", "FaceOccluded threshold", False, ">=", 0.85),
    ("Gender agreeing", "Gender threshold", False, ">=", 0.85),
)


def aims_report(done: list[Fit], print_: Callable[[str], None] = print) -> None:
    by_name = {f.name: f for f in done}
    print_("")
    print_("Aims (issue 21), out of sample: LOSO where the shipped value was fitted on these "
           "answers, else the shipped figure:")
    for label, name, fitted_here, op, bound in AIMS:
        f = by_name[name]
        if not f.results.get("n"):
            continue
        value = f.results["LOSO" if fitted_here else "shipped"]
        met = value <= bound if op == "<=" else value >= bound
        eras = f.results[("LOSO" if fitted_here else "shipped") + "/era"]
        cells = "; ".join(f"{e.split(' ')[0]} {fmt(v, f.unit)}" for e, v in eras.items())
        print_(f"  {label:<38} {fmt(value, f.unit):>6} ({op} {fmt(bound, f.unit)}: "
               f"{'met' if met else 'NOT met'}; n={f.results['n']}; by era: {cells})")
