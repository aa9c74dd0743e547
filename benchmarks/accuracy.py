"""Accuracy and speed of rekmock on a labelled data folder (vision API and CompareFaces).

Usage (from the project root)::

    python benchmarks/accuracy.py [DATA_DIR] [--fidelity FIDELITY_DIR] [--only vision]
    # defaults ../shared/data and ../shared/fidelity

Scoring follows DATA_DIR/README.md: detection recall/precision (IoU >= 0.5, greedy, highest IoU
first) for afw__ and dlib__ photos and recall for labelled faces >= 40 px wide; detections on
non-face photos; verification true/false match rates at Similarity 80 (CompareFaces through
boto3 against the mock) with median Similarity per kind; eye landmark error over inter-ocular
distance and |Yaw| mean absolute error on AFW; the pillow__hopper orientation check; Roll of
photos turned by any angle; median timings; true/false match rates per verification set
(verification/ and verification-east-asian/).
Also recall by face width and by AFW |yaw| label, precision over all photos, pitch/roll error on
AFW, and landmarks (per group) and pose against the real service's recorded DetectFaces answers.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

# First-sight figures must not come from the disk cache of an earlier run.
os.environ["REKMOCK_CACHE"] = "off"

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rekmock.vision import analyze  # noqa: E402
from rekmock.vision import api as vision_api  # noqa: E402

Box = tuple[float, float, float, float]


def load(path: Path) -> tuple[str, np.ndarray]:
    """Upright RGB pixels (EXIF applied) and a content key."""
    data = path.read_bytes()
    with Image.open(path) as im:
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    return hashlib.sha256(data).hexdigest(), rgb


def iou(a: Box, b: Box) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def greedy_match(dets: list[Box], gts: list[Box]) -> list[tuple[int, int, float]]:
    """(det, gt, iou) pairs, highest IoU first, one match per face, IoU >= 0.5."""
    pairs = sorted(
        ((iou(d, g), i, j) for i, d in enumerate(dets) for j, g in enumerate(gts)), reverse=True
    )
    used_d: set[int] = set()
    used_g: set[int] = set()
    out = []
    for v, i, j in pairs:
        if v < 0.5:
            break
        if i in used_d or j in used_g:
            continue
        used_d.add(i)
        used_g.add(j)
        out.append((i, j, v))
    return out


def pct(num: float, den: float) -> str:
    return f"{100.0 * num / den:.1f}% ({num}/{den})" if den else "n/a"


def median_ms(values: list[float]) -> float:
    return 1000.0 * statistics.median(values) if values else float("nan")


SIZE_BINS = ((0, 40), (40, 80), (80, 10**6))  # labelled face width, px
YAW_BINS = ((0, 15), (15, 45), (45, 181))  # |yaw| label, degrees (AFW: 15-degree steps, up to 105)
TURNED_AWAY = 60  # |yaw| label (degrees) from which a face counts as a near or full profile


def _rate(hits: list[bool]) -> str:
    return pct(sum(hits), len(hits))


def detection(root: Path, timings: dict[str, list[float]]) -> None:
    folder = root / "detection"
    boxes: dict[str, list[list[float]]] = json.loads((folder / "boxes.json").read_text())
    meta: dict = json.loads((folder / "boxes_meta.json").read_text())
    stats = {p: dict(lab=0, det=0, match=0, ious=[]) for p in ("afw", "dlib")}
    by_size: dict[tuple[int, int], list[bool]] = {b: [] for b in SIZE_BINS}
    by_yaw: dict[tuple[int, int], list[bool]] = {b: [] for b in YAW_BINS}
    profiles: list[tuple[int, bool]] = []  # (photo's place in name order, found) for |yaw| >= 60
    confs: list[float] = []
    unmatched: list[str] = []
    eye_err: list[float] = []
    eye_err_sunglasses: list[bool] = []  # rekmock's own Sunglasses on the face
    pose_err: dict[str, list[float]] = {"|yaw|": [], "pitch": [], "|roll|": []}
    yaw_by_bin: dict[tuple[int, int], list[float]] = {b: [] for b in YAW_BINS}
    eye_by_bin: dict[tuple[int, int], list[float]] = {b: [] for b in YAW_BINS}
    for place, name in enumerate(sorted(boxes)):
        prefix = name.split("__")[0]
        key, rgb = load(folder / "images" / name)
        vision_api.clear_cache()
        t0 = time.perf_counter()
        result = analyze(key, rgb)
        timings.setdefault("detect_all_photos", []).append(time.perf_counter() - t0)
        dets = [f.box for f in result.faces]
        gts = [tuple(b) for b in boxes[name]]
        matches = greedy_match(dets, gts)
        s = stats[prefix]
        s["lab"] += len(gts)
        s["det"] += len(dets)
        s["match"] += len(matches)
        s["ious"] += [v for _, _, v in matches]
        matched_g = {j: i for i, j, _ in matches}
        confs += [result.faces[i].confidence for i, _, _ in matches]
        unmatched += [f"{name} [{', '.join(f'{v:.0f}' for v in f.box)}] {f.confidence:.1f}"
                      for i, f in enumerate(result.faces) if i not in matched_g.values()]
        for j, g in enumerate(gts):
            for lo, hi in SIZE_BINS:
                if lo <= g[2] < hi:
                    by_size[(lo, hi)].append(j in matched_g)
        faces_meta = meta.get(name, {}).get("faces") or []
        for j, fm in enumerate(faces_meta):
            # Labels are 15-degree steps stored in radians: round so 15 does not read 14.99999.
            yaw_label, pitch_label, roll_label = (
                round(math.degrees(v), 6) for v in fm["yaw_pitch_roll_rad"])
            for lo, hi in YAW_BINS:
                if lo <= abs(yaw_label) < hi:
                    by_yaw[(lo, hi)].append(j in matched_g)
            if abs(yaw_label) >= TURNED_AWAY:
                profiles.append((place, j in matched_g))
            if j not in matched_g:
                continue
            face = result.faces[matched_g[j]]
            eyes = fm.get("eye_points") or []
            if len(eyes) == 2 and all(e and None not in e for e in eyes):
                label = sorted(tuple(e) for e in eyes)  # viewer's left eye first
                iod = math.dist(label[0], label[1])
                if iod > 0:
                    e1 = math.dist(face.landmarks["eyeLeft"], label[0])
                    e2 = math.dist(face.landmarks["eyeRight"], label[1])
                    eye_err.append((e1 + e2) / 2.0 / iod)
                    eye_err_sunglasses.append(result.attributes(matched_g[j]).sunglasses[0])
                    for lo, hi in YAW_BINS:
                        if lo <= abs(yaw_label) < hi:
                            eye_by_bin[(lo, hi)].append(eye_err[-1])
            err = abs(abs(face.yaw) - abs(yaw_label))
            pose_err["|yaw|"].append(err)
            pose_err["pitch"].append(abs(face.pitch - pitch_label))
            pose_err["|roll|"].append(abs(abs(face.roll) - abs(roll_label)))
            for lo, hi in YAW_BINS:
                if lo <= abs(yaw_label) < hi:
                    yaw_by_bin[(lo, hi)].append(err)
    print("## Detection (IoU >= 0.5, greedy)")
    lab = sum(s["lab"] for s in stats.values())
    det = sum(s["det"] for s in stats.values())
    match = sum(s["match"] for s in stats.values())
    print(f"- all photos: recall {pct(match, lab)}, precision {pct(match, det)}")
    for prefix, s in stats.items():
        print(
            f"- {prefix}__: recall {pct(s['match'], s['lab'])}, "
            f"precision {pct(s['match'], s['det'])}, mean IoU of matches {np.mean(s['ious']):.3f}"
        )
    print(f"- detections that match no label ({len(unmatched)}; AFW leaves some background faces "
          "unlabelled, so look at them): box [left, top, width, height] px, Confidence")
    for line in unmatched:
        print(f"  - {line}")
    big = [hit for (lo, _), hits in by_size.items() if lo >= 40 for hit in hits]
    print(f"- recall for faces >= 40 px wide: {_rate(big)}; by width: " + ", ".join(
        f"{lo}-{hi if hi < 10**6 else ''} px {_rate(h)}" for (lo, hi), h in by_size.items()))
    print("- recall by AFW |yaw| label: " + ", ".join(
        f"{lo}-{min(hi - 1, 105)} deg {_rate(h)}" for (lo, hi), h in by_yaw.items()))
    print(f"- recall for AFW |yaw| label >= {TURNED_AWAY} deg (near and full profiles): "
          f"{_rate([hit for _, hit in profiles])}; photos at even / odd places in name order: "
          f"{_rate([hit for k, hit in profiles if k % 2 == 0])} / "
          f"{_rate([hit for k, hit in profiles if k % 2])}")
    print(f"- Confidence of found faces: min {min(confs):.3f}, 5th percentile "
          f"{np.percentile(confs, 5):.3f}, median {np.median(confs):.4f}")
    print("## Landmarks and pose (AFW, matched faces)")
    print(
        f"- eye centre error / inter-ocular: mean {np.mean(eye_err):.3f}, "
        f"median {np.median(eye_err):.3f} (n={len(eye_err)}); by |yaw| label: " + ", ".join(
            f"{lo}-{min(hi - 1, 105)} deg {np.mean(e):.3f} (n={len(e)})"
            for (lo, hi), e in eye_by_bin.items() if e)
    )
    hidden = np.array(eye_err_sunglasses)
    errors = np.array(eye_err)
    print(f"  (faces in sunglasses, as rekmock reads them, whose labels are guesses: mean "
          f"{errors[hidden].mean():.3f} (n={hidden.sum()}); the others: mean "
          f"{errors[~hidden].mean():.3f}, median {np.median(errors[~hidden]):.3f} "
          f"(n={(~hidden).sum()}))")
    for kind, errs in pose_err.items():
        print(f"- {kind} error: mean {np.mean(errs):.1f} deg, median {np.median(errs):.1f} deg "
              f"(n={len(errs)})")
    print("  (AFW pitch labels are 0 or +-22; roll is compared as magnitudes: AFW's sign differs)")
    print("- |yaw| error by |yaw| label: " + ", ".join(
        f"{lo}-{min(hi - 1, 105)} deg {np.mean(e):.1f} (n={len(e)})"
        for (lo, hi), e in yaw_by_bin.items()))


LANDMARK_GROUPS = {
    "eyes": ("eyeLeft", "eyeRight", "leftEyeLeft", "leftEyeRight", "leftEyeUp", "leftEyeDown",
             "rightEyeLeft", "rightEyeRight", "rightEyeUp", "rightEyeDown"),
    "pupils": ("leftPupil", "rightPupil"),
    "brows": ("leftEyeBrowLeft", "leftEyeBrowRight", "leftEyeBrowUp", "rightEyeBrowLeft",
              "rightEyeBrowRight", "rightEyeBrowUp"),
    "nose": ("nose", "noseLeft", "noseRight"),
    "mouth": ("mouthLeft", "mouthRight", "mouthUp", "mouthDown"),
    "jaw": ("upperJawlineLeft", "midJawlineLeft", "chinBottom", "midJawlineRight",
            "upperJawlineRight"),
}


def fidelity(root: Path) -> None:
    """Landmarks and pose against the real service's DetectFaces ALL answers recorded in
    FIDELITY_DIR (faces paired by IoU >= 0.5): per-landmark-group distance over the service's
    inter-ocular distance, and Yaw/Pitch/Roll differences (signed, same conventions)."""
    corpus = json.loads((root / "corpus.json").read_text())
    per_type: dict[str, list[float]] = {}
    pose_d: dict[str, list[float]] = {"Yaw": [], "Pitch": [], "Roll": []}
    pitch_sign: list[bool] = []
    faces_real = faces_found = 0
    for entry in corpus:
        if entry["operation"] != "DetectFaces" or "ALL" not in entry["request"].get(
                "Attributes", []):
            continue
        answer = json.loads((root / entry["response"]).read_text())
        key, rgb = load(root / entry["photos"]["Image"])
        h, w = rgb.shape[:2]
        mine = analyze(key, rgb).faces
        real = [f for f in answer.get("FaceDetails", []) if "Landmarks" in f]
        faces_real += len(real)
        rboxes = [(f["BoundingBox"]["Left"] * w, f["BoundingBox"]["Top"] * h,
                   f["BoundingBox"]["Width"] * w, f["BoundingBox"]["Height"] * h) for f in real]
        for i, j, _ in greedy_match([f.box for f in mine], rboxes):
            faces_found += 1
            ref = {m["Type"]: (m["X"] * w, m["Y"] * h) for m in real[j]["Landmarks"]}
            iod = math.dist(ref["eyeLeft"], ref["eyeRight"])
            for name, xy in ref.items():
                per_type.setdefault(name, []).append(math.dist(mine[i].landmarks[name], xy) / iod)
            pose = real[j]["Pose"]
            mine_pose = {"Yaw": mine[i].yaw, "Pitch": mine[i].pitch, "Roll": mine[i].roll}
            for k in pose_d:
                pose_d[k].append(mine_pose[k] - pose[k])
            if abs(pose["Pitch"]) >= 5:
                pitch_sign.append((mine[i].pitch > 0) == (pose["Pitch"] > 0))
    print("## Against the real service (fidelity DetectFaces ALL answers)")
    print(f"- faces the service reported: {faces_real}, found and paired: {faces_found}")
    if not per_type:
        return
    every = [v for vals in per_type.values() for v in vals]
    print(f"- all 30 landmark types: mean distance / service inter-ocular {np.mean(every):.3f}")
    print("- by group: " + ", ".join(
        f"{g} {np.mean([v for t in types for v in per_type.get(t, [])]):.3f}"
        for g, types in LANDMARK_GROUPS.items()))
    worst = sorted(per_type, key=lambda t: -np.mean(per_type[t]))[:5]
    print("- worst types: " + ", ".join(f"{t} {np.mean(per_type[t]):.3f}" for t in worst))
    for k, d in pose_d.items():
        print(f"- {k} - service: median |diff| {np.median(np.abs(d)):.1f} deg, "
              f"mean diff {np.mean(d):+.1f} deg")
    print(f"- Pitch sign agrees on {sum(pitch_sign)}/{len(pitch_sign)} faces with |Pitch| >= 5")


EXPOSURES = {  # how the photos are changed: new = a * old + b, per channel
    "brightness 25%": (0.25, 0.0),
    "brightness 15%": (0.15, 0.0),
    "contrast 30%": (0.30, 128 * 0.70),
}


def exposure(root: Path) -> None:
    """Recall when every labelled photo is made dim or flat (the service finds faces whatever
    the exposure)."""
    folder = root / "detection"
    boxes = json.loads((folder / "boxes.json").read_text())
    print("## Dim and flat photos (recall, IoU >= 0.5)")
    for label, (a, b) in EXPOSURES.items():
        found = total = 0
        for name in sorted(boxes):
            _, rgb = load(folder / "images" / name)
            changed = np.clip(rgb * a + b + 0.5, 0, 255).astype(np.uint8)
            key = hashlib.sha256(changed.tobytes()).hexdigest()
            dets = [f.box for f in analyze(key, changed).faces]
            found += len(greedy_match(dets, [tuple(g) for g in boxes[name]]))
            total += len(boxes[name])
        print(f"- {label}: recall {pct(found, total)}")


def nonfaces(root: Path) -> None:
    print("## Non-face photos (goal: no detections)")
    for path in sorted((root / "nonfaces").glob("*")):
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            continue
        key, rgb = load(path)
        print(f"- {path.name}: {len(analyze(key, rgb).faces)} detections")


def verification(root: Path, timings: dict[str, list[float]]) -> None:
    """CompareFaces(source=img_a, target=img_b) through boto3 against the mock, as scored in the
    data README: a pair matches when any FaceMatch comes back at Similarity >= 80."""
    import boto3
    from botocore.exceptions import ClientError

    from rekmock import mock_rekognition

    folder = root / "verification"
    with (folder / "pairs.csv").open() as fh:
        pairs = list(csv.DictReader(fh))
    sims: dict[str, list[float]] = {"1": [], "0": []}
    answered: dict[str, list[float]] = {"1": [], "0": []}  # pairs the service would accept
    errors: list[str] = []
    with mock_rekognition():
        client = boto3.client("rekognition", region_name="us-east-1")
        for p in pairs:
            images = [{"Bytes": (folder / p[k]).read_bytes()} for k in ("img_a", "img_b")]
            t0 = time.perf_counter()
            try:
                found = client.compare_faces(SourceImage=images[0], TargetImage=images[1],
                                             SimilarityThreshold=0)["FaceMatches"]
            except ClientError as exc:
                errors.append(f"{p['img_a']}|{p['img_b']}: {exc.response['Error']['Code']}")
                found = []
            timings.setdefault("CompareFaces (boto3, images cached or not)", []).append(
                time.perf_counter() - t0)
            best = max((m["Similarity"] for m in found), default=0.0)
            sims[p["same"]].append(best)
            if not errors or not errors[-1].startswith(f"{p['img_a']}|{p['img_b']}:"):
                answered[p["same"]].append(best)
    same, diff = sims["1"], sims["0"]
    print("## Verification (CompareFaces through the mock, match = a FaceMatch >= 80)")
    print(f"- pairs answered with an error: {len(errors)} {errors[:3]}")
    print(
        f"- same person: true-match rate {pct(sum(s >= 80 for s in same), len(same))}, "
        f"median Similarity {np.median(same):.2f}"
    )
    print(
        f"- different people: false-match rate {pct(sum(s >= 80 for s in diff), len(diff))}, "
        f"median Similarity {np.median(diff):.4f}"
    )
    ok_same, ok_diff = answered["1"], answered["0"]
    print(
        f"- pairs without an error only: true-match rate "
        f"{pct(sum(s >= 80 for s in ok_same), len(ok_same))}, false-match rate "
        f"{pct(sum(s >= 80 for s in ok_diff), len(ok_diff))}"
    )


VERIFICATION_SETS = ("verification", "verification-east-asian")  # folders with pairs.csv


def verification_by_set(root: Path) -> None:
    """Per labelled set (issue 19): true- and false-match rates at Similarity 80 from rekmock's
    face vectors, scored as CompareFaces is (largest face of the first photo against every face
    of the second; a photo the service refuses or without a face is no match), the same rates
    over the pairs whose faces are found, and how many false matches fall in the band where
    dlib also scores different people of East Asian origin (``embedding.CONFUSABLE``). Face
    vectors come from the vision API once per photo (on the Western set the rates equal the
    boto3 figures of ``verification``)."""
    from rekmock.errors import ImageTooLargeException, InvalidImageFormatException
    from rekmock.faces import intake
    from rekmock.vision import embedding

    low, high = embedding.CONFUSABLE
    print("## Verification by set (face vectors; match = Similarity >= 80)")
    for name in VERIFICATION_SETS:
        folder = root / name
        if not (folder / "pairs.csv").is_file():
            print(f"- {name}: not found")
            continue
        vectors: dict[str, list[np.ndarray]] = {}  # largest face first; [] = refused or none
        refused = 0
        for path in sorted((folder / "images").glob("*/*")):
            data = path.read_bytes()
            try:
                rgb, _, _ = intake.decode(data)
            except (InvalidImageFormatException, ImageTooLargeException):
                refused += 1
                vectors[str(path.relative_to(folder))] = []
                continue
            found = analyze(hashlib.sha256(data).hexdigest(), rgb)
            order = sorted(range(len(found.faces)),
                           key=lambda i: -found.faces[i].box[2] * found.faces[i].box[3])
            vectors[str(path.relative_to(folder))] = [found.descriptor(i) for i in order]
        with (folder / "pairs.csv").open() as fh:
            rows = list(csv.reader(fh))
        sims: dict[str, list[float]] = {"1": [], "0": []}
        seen: dict[str, list[float]] = {"1": [], "0": []}  # both faces found
        for row in rows[1:]:
            a, b, same = vectors[row[0]], vectors[row[1]], row[2]
            best = max((embedding.similarity(a[0], t) for t in b), default=0.0) if a else 0.0
            sims[same].append(best)
            if a and b:
                seen[same].append(best)
        faceless = sum(not v for v in vectors.values()) - refused
        in_band = sum(low <= s < high for s in sims["0"] if s >= 80)
        print(f"- {name}: {len(vectors)} photos ({refused} refused as the service would, "
              f"{faceless} without a face found), {len(sims['1'])} same-person and "
              f"{len(sims['0'])} different-person pairs")
        print(f"  - true-match rate {_rate([s >= 80 for s in sims['1']])} (median Similarity "
              f"{np.median(sims['1']):.2f}); false-match rate {_rate([s >= 80 for s in sims['0']])}"
              f" (median Similarity {np.median(sims['0']):.2f})")
        print(f"  - pairs whose faces are found: true-match rate "
              f"{_rate([s >= 80 for s in seen['1']])}, false-match rate "
              f"{_rate([s >= 80 for s in seen['0']])}")
        print(f"  - false matches with Similarity {low:g}-{high:g} (where rekmock warns): "
              f"{pct(in_band, sum(s >= 80 for s in sims['0']))}")


def orientation(root: Path) -> None:
    folder = root / "orientation"
    boxes = []
    for path in sorted(folder.glob("pillow__hopper*.jpg")):
        key, rgb = load(path)
        result = analyze(key, rgb)
        if result.faces:
            boxes.append((path.name, result.faces[0].box, rgb.shape[1], rgb.shape[0]))
        else:
            boxes.append((path.name, None, rgb.shape[1], rgb.shape[0]))
    ref = boxes[0][1]
    worst = 0.0
    ok = ref is not None
    for _name, box, w, h in boxes:
        if box is None or ref is None:
            ok = False
            continue
        dev = max(abs(box[i] - ref[i]) / (w if i % 2 == 0 else h) for i in range(4))
        worst = max(worst, dev)
    ok = ok and worst <= 0.02
    print("## Orientation (pillow__hopper*, EXIF applied)")
    verdict = "PASS" if ok else "FAIL"
    print(
        f"- {len(boxes)} photos, all with a face: {all(b[1] is not None for b in boxes)}; "
        f"largest box deviation {100 * worst:.2f}% of the image size -> {verdict}"
    )


TILTS = (45, 90, 135, 180, -135, -90, -45)  # degrees clockwise
TILT_TOLERANCE = 10.0  # degrees of Roll
TILT_SIDE = 640  # px, longest side of a photo before it is turned


def tilted(root: Path) -> None:
    """Every other one-face verification photo, at most ``TILT_SIDE`` px, turned by each of
    ``TILTS`` on a larger black canvas, with no EXIF: the face must come back with the upright
    Roll plus the turn."""
    import cv2

    right = missed = total = 0
    wrong: list[str] = []
    for path in sorted((root / "verification" / "images").glob("*/*"))[::2]:
        try:
            key, rgb = load(path)
        except OSError:  # a WebP stored as .jpg (the service refuses it too)
            continue
        shrink = min(1.0, TILT_SIDE / max(rgb.shape[:2]))
        rgb = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        key = f"{key}:{shrink}"
        upright = analyze(key, rgb).faces
        if len(upright) != 1:
            continue
        height, width = rgb.shape[:2]
        for degrees in TILTS:
            turn = cv2.getRotationMatrix2D((width / 2, height / 2), -degrees, 1.0)
            cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
            size = (int(height * sin + width * cos), int(height * cos + width * sin))
            turn[:, 2] += ((size[0] - width) / 2, (size[1] - height) / 2)
            turned = np.ascontiguousarray(cv2.warpAffine(rgb, turn, size))
            faces = analyze(f"{key}:{degrees}", turned).faces
            total += 1
            if not faces:
                missed += 1
                continue
            off = (faces[0].roll - upright[0].roll - degrees + 180.0) % 360.0 - 180.0
            right += abs(off) <= TILT_TOLERANCE
            if abs(off) > TILT_TOLERANCE:
                wrong.append(f"{path.name} {degrees:+d}: {off:+.0f}")
    print(f"## Tilted photos (verification photos of at most {TILT_SIDE} px turned 45-180 "
          "degrees each way, no EXIF)")
    print(f"- Roll within {TILT_TOLERANCE:.0f} degrees of the upright Roll plus the turn: "
          f"{pct(right, total)}; no face found: {missed}; off: {', '.join(wrong) or 'none'}")


EDGE_CUTS = (0.25, 0.5)  # share of the face box the image edge cuts off
EDGE_SIDES = ("left", "right", "top", "bottom")


def edges(root: Path) -> None:
    """Faces cut by the image edge. Each one-face verification photo with a clear face (not
    the photos at every third place, on which the edge padding was chosen), cut so the edge
    takes ``EDGE_CUTS`` of the face box off each side in turn. The service reports such a face
    with a box that leaves the image: found = a face with IoU >= 0.5 against the whole face's
    box (from the uncut photo), in the cut photo's frame."""
    found: dict[tuple[str, float], list[float]] = {}
    outside: list[bool] = []
    extra = 0
    for k, path in enumerate(sorted((root / "verification" / "images").glob("*/*"))):
        if k % 3 == 0:
            continue
        try:
            key, rgb = load(path)
        except OSError:  # a WebP stored as .jpg (the service refuses it too)
            continue
        faces = analyze(key, rgb).faces
        if len(faces) != 1 or faces[0].confidence < 99 or faces[0].box[2] < 60:
            continue
        x, y, w, h = faces[0].box
        height, width = rgb.shape[:2]
        for cut in EDGE_CUTS:
            for side in EDGE_SIDES:
                x0, y0, x1, y1 = {"left": (int(x + cut * w), 0, width, height),
                                  "right": (0, 0, int(x + (1 - cut) * w), height),
                                  "top": (0, int(y + cut * h), width, height),
                                  "bottom": (0, 0, width, int(y + (1 - cut) * h))}[side]
                part = np.ascontiguousarray(rgb[y0:y1, x0:x1])
                if min(part.shape[:2]) < 80:  # the service's smallest image
                    continue
                whole = (x - x0, y - y0, w, h)
                got = analyze(f"{key}:{side}:{cut}", part).faces
                best = max(got, key=lambda f: iou(f.box, whole), default=None)
                score = iou(best.box, whole) if best else 0.0
                found.setdefault((side, cut), []).append(score)
                extra += len(got) - (score >= 0.5)
                if best is not None and score >= 0.5:
                    bx, by, bw, bh = best.box
                    outside.append(bx < 0 or by < 0 or bx + bw > x1 - x0 or by + bh > y1 - y0)
    print("## Faces cut by the image edge (one-face verification photos, IoU >= 0.5 against "
          "the whole face's box)")
    for cut in EDGE_CUTS:
        scores = [v for (_, c), vals in found.items() if c == cut for v in vals]
        print(f"- {100 * cut:.0f}% of the face cut off: found {_rate([v >= 0.5 for v in scores])}"
              f", median IoU {np.median(scores):.2f}; by side: " + ", ".join(
                  f"{side} {_rate([v >= 0.5 for v in found.get((side, cut), [])])}"
                  for side in EDGE_SIDES))
    print(f"- boxes of found faces that leave the image: {_rate(outside)}; other detections "
          f"in the cut photos: {extra}")


SMALL_CANVAS = (1920, 1080)  # the frame of Rekognition's documented smallest face
SMALL_WIDTHS = (32, 40, 48, 64)  # face box widths, px (40: the documented minimum)


def smallest(root: Path) -> None:
    """Faces down to the documented minimum: every one-face verification photo shrunk so its
    face box is each of ``SMALL_WIDTHS`` px wide, on a grey 1920x1080 canvas. The service finds
    faces from 40x40 px in a 1920x1080 image; rekmock keeps none narrower than that."""
    import cv2

    hits: dict[int, list[bool]] = {w: [] for w in SMALL_WIDTHS}
    extra = 0
    for path in sorted((root / "verification" / "images").glob("*/*")):
        try:
            key, rgb = load(path)
        except OSError:
            continue
        faces = analyze(key, rgb).faces
        if len(faces) != 1 or faces[0].confidence < 99:
            continue
        x, y, w, h = faces[0].box
        for width in SMALL_WIDTHS:
            shrink = width / w
            small = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
            canvas = np.full((SMALL_CANVAS[1], SMALL_CANVAS[0], 3), 128, np.uint8)
            sh, sw = min(small.shape[0], SMALL_CANVAS[1]), min(small.shape[1], SMALL_CANVAS[0])
            cx, cy = x * shrink + width / 2, y * shrink + h * shrink / 2
            ox = int(min(max(SMALL_CANVAS[0] / 2 - cx, 0), SMALL_CANVAS[0] - sw))
            oy = int(min(max(SMALL_CANVAS[1] / 2 - cy, 0), SMALL_CANVAS[1] - sh))
            canvas[oy:oy + sh, ox:ox + sw] = small[:sh, :sw]
            target = (x * shrink + ox, y * shrink + oy, w * shrink, h * shrink)
            got = analyze(f"{key}:small:{width}", canvas).faces
            hit = any(iou(f.box, target) >= 0.5 for f in got)
            hits[width].append(hit)
            extra += len(got) - hit
    print(f"## Small faces (one-face verification photos shrunk onto a "
          f"{SMALL_CANVAS[0]}x{SMALL_CANVAS[1]} canvas; the documented minimum is 40 px)")
    print("- found, by face box width: " + ", ".join(
        f"{w} px {_rate(h)}" for w, h in hits.items()) + f"; other detections: {extra}")


def timed_fresh(key: str, rgb: np.ndarray, runs: int, descriptor: bool = False
                ) -> dict[str, list[float]]:
    """Seconds for analyze on first sight (cache cleared each run), then, for a photo with one
    face, all attributes and (if asked) one descriptor."""
    out: dict[str, list[float]] = {"first": [], "attributes": [], "descriptor": []}
    for _ in range(runs):
        vision_api.clear_cache()
        t0 = time.perf_counter()
        result = analyze(key, rgb)
        out["first"].append(time.perf_counter() - t0)
        if len(result.faces) != 1:
            continue
        t1 = time.perf_counter()
        result.attributes(0)
        out["attributes"].append(time.perf_counter() - t1)
        if descriptor:
            t2 = time.perf_counter()
            result.descriptor(0)
            out["descriptor"].append(time.perf_counter() - t2)
    return out


def speed(root: Path, timings: dict[str, list[float]]) -> None:
    """First-sight analyze and all-attributes timings on ~640x480 one-face photos."""
    candidates = []
    for path in sorted((root / "detection" / "images").glob("*")):
        with Image.open(path) as im:
            w, h = im.size
        if max(w, h) <= 700:
            candidates.append(path)
    first, attrs = [], []
    for path in candidates:
        found = timed_fresh(*load(path), runs=3)
        first += found["first"]
        attrs += found["attributes"]
    # A 640x480 photo with one face, repeated (the brief's reference case).
    ref = root / "detection" / "images" / "afw__2844520516.jpg"
    refs = timed_fresh(*load(ref), runs=7, descriptor=True) if ref.exists() else {
        "first": [], "attributes": [], "descriptor": []}
    ref_first, ref_attr, ref_desc = refs["first"], refs["attributes"], refs["descriptor"]
    big_path = root / "detection" / "images" / "afw__3662810723.jpg"
    big = np.asarray(Image.open(big_path).convert("RGB"))
    big_t = timed_fresh("big", big, runs=3)["first"]
    print("## Speed (median, this machine)")
    print(
        f"- 640x480 one-face photo (afw__2844520516): analyze first sight "
        f"{median_ms(ref_first):.1f} ms, all attributes {median_ms(ref_attr):.1f} ms, "
        f"one descriptor {median_ms(ref_desc):.1f} ms"
    )
    print(
        f"- photos <= 700 px ({len(candidates)}): analyze first sight "
        f"{median_ms(first):.1f} ms, attributes of a one-face photo {median_ms(attrs):.1f} ms"
    )
    print(
        f"- all detection photos (up to {big.shape[1]}x{big.shape[0]}): analyze first sight "
        f"{median_ms(timings.get('detect_all_photos', [])):.1f} ms; "
        f"{big.shape[1]}x{big.shape[0]} photo {median_ms(big_t):.1f} ms"
    )
    compare = timings.get("CompareFaces (boto3, images cached or not)", [])
    print(f"- CompareFaces over the verification pairs {median_ms(compare):.1f} ms median")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default="../shared/data", type=Path)
    parser.add_argument("--fidelity", default="../shared/fidelity", type=Path,
                        help="recorded real answers (skipped when the folder is missing)")
    parser.add_argument("--only", choices=("vision",), help="vision: detection, landmarks, pose "
                        "and non-faces only (no CompareFaces, orientation or timings)")
    args = parser.parse_args()
    root: Path = args.data
    timings: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    detection(root, timings)
    exposure(root)
    nonfaces(root)
    if (args.fidelity / "corpus.json").is_file():
        fidelity(args.fidelity)
    if args.only == "vision":
        print(f"(total {time.perf_counter() - t0:.0f} s)")
        return
    verification(root, timings)
    verification_by_set(root)
    orientation(root)
    tilted(root)
    edges(root)
    smallest(root)
    speed(root, timings)
    print(f"(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
