"""Fidelity of rekmock's answers against real Rekognition answers recorded on public photos.

Usage (from the project root)::

    python benchmarks/fidelity.py [FIDELITY_DIR] [--photos DATA_DIR]
        [--dump FILE]

FIDELITY_DIR (default ../shared/fidelity) holds ``corpus.json``, ``photos/`` and ``real/`` as its
README describes. Every recorded call is replayed against the mock (DetectFaces ALL on each photo,
IndexFaces at the request's QualityFilter, the searches and comparisons against the collection the
entry names), faces are paired with the real ones by box IoU (>= 0.3, greedy), and each field is
summarised: box IoU, landmark error, pose error per angle, AgeRange overlap and width, agreement
of each boolean attribute and of the top emotion, Brightness/Sharpness/Confidence differences,
Similarity decisions at the request's threshold, QualityFilter decisions (indexed or not, reasons).

Then every fitted number is judged leave-one-source-out (``loso.py``): fitted on the other source
repositories' faces and scored on each repository's in turn, beside the shipped value, the
unfitted one and the in-sample fit, overall and by the service's model era; and the aims of
issue 21 are printed from the left-out figures.

``--dump`` writes the paired values as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The raw measures below need each photo analysed afresh: an analysis read back from the disk
# cache has neither face crops nor the mesh this script records while detecting.
os.environ["REKMOCK_CACHE"] = "off"

import boto3  # noqa: E402
import loso  # noqa: E402
from moto import mock_aws  # noqa: E402

from rekmock import mock_rekognition  # noqa: E402
from rekmock.vision import api as vision_api  # noqa: E402
from rekmock.vision import attributes, detect, image_quality, pose  # noqa: E402

# Held back from fitting: the calibration was fitted on the other sources.
MIN_IOU = 0.3
BUCKET = "fidelity"
FLAGS = ("Smile", "Eyeglasses", "Sunglasses", "Beard", "Mustache", "EyesOpen", "MouthOpen",
         "FaceOccluded")
ANGLES = ("Roll", "Yaw", "Pitch")
DEFAULT_THRESHOLD = 80.0


def iou(a: dict[str, float], b: dict[str, float]) -> float:
    """Intersection over union of two ratio boxes."""
    ax2, ay2 = a["Left"] + a["Width"], a["Top"] + a["Height"]
    bx2, by2 = b["Left"] + b["Width"], b["Top"] + b["Height"]
    iw = max(0.0, min(ax2, bx2) - max(a["Left"], b["Left"]))
    ih = max(0.0, min(ay2, by2) - max(a["Top"], b["Top"]))
    inter = iw * ih
    union = a["Width"] * a["Height"] + b["Width"] * b["Height"] - inter
    return inter / union if union > 0 else 0.0


def pair(real: list[dict], ours: list[dict]) -> list[tuple[dict, dict, float]]:
    """Greedy highest-IoU pairing of faces that both carry a BoundingBox."""
    cands = sorted(
        ((iou(r["BoundingBox"], o["BoundingBox"]), i, j)
         for i, r in enumerate(real) if "BoundingBox" in r
         for j, o in enumerate(ours)),
        reverse=True,
    )
    used_r: set[int] = set()
    used_o: set[int] = set()
    out = []
    for v, i, j in cands:
        if v < MIN_IOU or i in used_r or j in used_o:
            continue
        used_r.add(i)
        used_o.add(j)
        out.append((real[i], ours[j], v))
    return out


def dynamodb(value: Any) -> Any:
    """Plain JSON of a DynamoDB-typed record."""
    if isinstance(value, dict) and len(value) == 1:
        (tag, inner), = value.items()
        if tag == "M":
            return {k: dynamodb(v) for k, v in inner.items()}
        if tag == "N":
            return float(inner)
        if tag == "S":
            return inner
    if isinstance(value, dict):
        return {k: dynamodb(v) for k, v in value.items()}
    return value


class Corpus:
    """The recorded calls, and the real answer of each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries = json.loads((root / "corpus.json").read_text())
        self.by_id = {e["id"]: e for e in self.entries}

    @staticmethod
    def source(entry: dict) -> str:
        return entry["response"].split("/")[1]

    def answer(self, entry: dict) -> Any:
        doc = json.loads((self.root / entry["response"]).read_text())
        select = entry.get("select") or {}
        if select.get("format") == "dynamodb":
            rows = [dynamodb(r) for r in doc]
            return [r for r in rows if r.get("ExternalImageId") == select["ExternalImageId"]]
        if "key" in select:
            return doc[select["key"]]
        if select.get("format") == "FaceDetail":
            return doc
        if "ExternalImageId" in select:
            wanted = select["ExternalImageId"]
            return [f for f in doc["Faces"] if f.get("ExternalImageId") == wanted]
        return doc

    def real_faces(self, entry: dict) -> list[dict]:
        """FaceDetail-like dicts of the real answer (DetectFaces and IndexFaces)."""
        doc = self.answer(entry)
        if entry["operation"] == "DetectFaces":
            if isinstance(doc, list):
                return doc
            if "BoundingBox" in doc or "n_faces" in doc:  # one FaceDetail, or printed facts
                return [{k: v for k, v in doc.items() if k != "n_faces"}]
            return doc.get("FaceDetails", [])
        if isinstance(doc, list):  # dynamodb stored records
            return doc
        if "stored_match" in (entry.get("select") or {}):
            return [doc["FaceMatches"][entry["select"]["stored_match"]]["Face"]]
        faces = [r.get("FaceDetail", r.get("Face", {})) | {"_indexed": True}
                 for r in doc.get("FaceRecords", [])]
        faces += [u["FaceDetail"] | {"_indexed": False, "_reasons": u.get("Reasons", [])}
                  for u in doc.get("UnindexedFaces", [])]
        return faces


class Replay:
    """The mock, with every photo of the corpus in one S3 bucket."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.s3 = boto3.client("s3", region_name="us-east-1")
        self.rek = boto3.client("rekognition", region_name="us-east-1")
        self.s3.create_bucket(Bucket=BUCKET)
        self.uploaded: set[str] = set()
        self.collections = 0
        self.meshes: dict[tuple[float, float, float], tuple[Any, Any]] = {}
        shipped = pose.mesh_pose

        def recording(mesh: Any, points5: Any) -> tuple[float, float, float]:
            angles = shipped(mesh, points5)
            self.meshes[angles] = (mesh.copy(), points5.copy())
            return angles

        pose.mesh_pose = recording  # api calls pose.mesh_pose through the module

    def size(self, entry: dict) -> tuple[int, int]:
        """Upright width and height of the entry's photo, as rekmock decoded it."""
        data = (self.corpus.root / entry["photos"]["Image"]).read_bytes()
        analysis = vision_api._cache.get(hashlib.sha256(data).hexdigest())
        return (analysis.width, analysis.height) if analysis else (0, 0)

    def image(self, rel: str) -> dict:
        if rel not in self.uploaded:
            self.s3.put_object(Bucket=BUCKET, Key=rel, Body=(self.corpus.root / rel).read_bytes())
            self.uploaded.add(rel)
        return {"S3Object": {"Bucket": BUCKET, "Name": rel}}

    def detect(self, rel: str) -> list[dict]:
        return self.rek.detect_faces(Image=self.image(rel), Attributes=["ALL"])["FaceDetails"]

    def raw(self, rel: str) -> list[dict[str, Any]]:
        """What rekmock measured for each face of the photo it last analysed, before the
        service's scales: Quality's luma and log variance, the mesh's own angles and its 468
        points (image pixels), each attribute's cue."""
        data = (self.corpus.root / rel).read_bytes()
        analysis = vision_api._cache.get(hashlib.sha256(data).hexdigest())
        if analysis is None:
            return []
        scale = min(1.0, detect.WORK_SIDE / max(analysis.width, analysis.height))
        out = []
        for face, ctx in zip(analysis.faces, analysis._contexts, strict=True):
            luma, log_variance = image_quality.measures(ctx.gray, ctx.pts68)
            raw: dict[str, Any] = {"luma": luma, "log_variance": log_variance,
                                   "cues": attributes.measures(ctx)}
            raw.update(age=raw["cues"]["age"], age_spread=raw["cues"]["age_spread"])
            found = self.meshes.get((face.roll, face.yaw, face.pitch))
            if found is not None and ctx.quarter == 0:
                mesh, points5 = found
                roll, yaw, pitch = pose.mesh_angles(mesh)
                raw.update(roll_raw=roll, yaw_raw=yaw, pitch_raw=pitch,
                           eyes_yaw=pose.eye_spacing_yaw(points5),
                           mesh=(mesh[:, :2] / scale).tolist())
            out.append(raw)
        return out

    def collection(self) -> str:
        self.collections += 1
        cid = f"fidelity-{self.collections}"
        self.rek.create_collection(CollectionId=cid)
        return cid

    def index(self, cid: str, entry: dict) -> dict:
        req = entry.get("request", {})
        return self.rek.index_faces(
            CollectionId=cid, Image=self.image(entry["photos"]["Image"]),
            ExternalImageId=Path(entry["photos"]["Image"]).name,
            MaxFaces=int(req.get("MaxFaces", 100)),
            QualityFilter=req.get("QualityFilter", "AUTO"), DetectionAttributes=["ALL"])


def med(values: list[float]) -> str:
    return f"{statistics.median(values):+.2f}" if values else "-"


def medabs(values: list[float]) -> str:
    return f"{statistics.median(abs(v) for v in values):.2f}" if values else "-"


def collect(corpus: Corpus, replay: Replay) -> dict[str, list]:
    """Paired values per field over every face-bearing entry."""
    out: dict[str, list] = defaultdict(list)
    for entry in corpus.entries:
        op = entry["operation"]
        if op not in ("DetectFaces", "IndexFaces") or "Image" not in entry["photos"]:
            continue
        real = corpus.real_faces(entry)
        try:
            ours = replay.detect(entry["photos"]["Image"])
        except Exception as exc:  # noqa: BLE001
            out["refused"].append((entry["id"], str(exc)))
            continue
        out["count"].append((entry["id"], len(real), len(ours)))
        raws = replay.raw(entry["photos"]["Image"])
        pairs = pair(real, ours)
        if len(real) == 1 and len(ours) >= 1 and not pairs and "BoundingBox" not in real[0]:
            pairs = [(real[0], ours[0], math.nan)]
        # A published copy that pixelates faces (the answer was recorded on the original) keeps
        # boxes, landmarks, pose and brightness comparable, not sharpness nor what is read from
        # the face's detail (age, booleans, emotions).
        pixelated = "pixelat" in entry.get("note", "")
        if pixelated:
            out["pixelated"].append(entry["id"])
        for r, o, v in pairs:
            tag = entry["id"]
            j = next(k for k, face in enumerate(ours) if face is o)
            out["records"].append({
                "id": tag, "source": Corpus.source(entry), "year": entry["year"],
                "pixelated": pixelated, "real": r, "ours": o, "size": replay.size(entry),
                "raw": raws[j] if j < len(raws) else {},
            })
            if not math.isnan(v):
                out["iou"].append(v)
            if "Confidence" in r:
                out["confidence"].append((tag, r["Confidence"], o["Confidence"]))
            if "Quality" in r:
                for k in ("Brightness",) if pixelated else ("Brightness", "Sharpness"):
                    out[k.lower()].append((tag, r["Quality"][k], o["Quality"][k]))
            if "Pose" in r:
                for k in ANGLES:
                    out["pose_" + k].append(o["Pose"][k] - r["Pose"][k])
            if "Landmarks" in r:
                real_pts = {lm["Type"]: lm for lm in r["Landmarks"]}
                ours_pts = {lm["Type"]: lm for lm in o["Landmarks"]}
                if len(r["Landmarks"]) == len(o["Landmarks"]):  # both ALL
                    out["landmark_order"].append([lm["Type"] for lm in r["Landmarks"]]
                                                 == [lm["Type"] for lm in o["Landmarks"]])
                w = r["BoundingBox"]["Width"]
                errs = [math.hypot(real_pts[t]["X"] - ours_pts[t]["X"],
                                   real_pts[t]["Y"] - ours_pts[t]["Y"]) / w
                        for t in real_pts if t in ours_pts]
                out["landmark_err"].append(statistics.mean(errs))
            if pixelated:
                continue
            if "AgeRange" in r:
                rl, rh = r["AgeRange"]["Low"], r["AgeRange"]["High"]
                ol, oh = o["AgeRange"]["Low"], o["AgeRange"]["High"]
                inter = max(0, min(rh, oh) - max(rl, ol))
                union = max(rh, oh) - min(rl, ol)
                out["age"].append((tag, rl, rh, ol, oh, inter / union if union else 1.0))
            for k in FLAGS:
                if k in r and "Value" in r[k]:
                    out["flag_" + k].append((bool(r[k]["Value"]), bool(o[k]["Value"]), tag))
            if r.get("Emotions"):
                top_r = max(r["Emotions"], key=lambda e: e["Confidence"])["Type"]
                top_o = max(o["Emotions"], key=lambda e: e["Confidence"])["Type"]
                out["emotion_top"].append(top_r == top_o)
                out["emotion_sum_real"].append(sum(e["Confidence"] for e in r["Emotions"]))
                out["emotion_sum_ours"].append(sum(e["Confidence"] for e in o["Emotions"]))
            if "Gender" in r:
                out["flag_Gender"].append((r["Gender"]["Value"] == "Male",
                                           o["Gender"]["Value"] == "Male", tag))
        if op == "IndexFaces" and entry.get("request", {}).get("QualityFilter"):
            quality_filter(corpus, replay, entry, real, out)
    searches(corpus, replay, out)
    return out


def quality_filter(corpus: Corpus, replay: Replay, entry: dict, real: list[dict],
                   out: dict[str, list]) -> None:
    """Indexed-or-not of each real face under the request's QualityFilter, against the mock's."""
    answer = replay.index(replay.collection(), entry)
    ours = [r["FaceDetail"] | {"_indexed": True} for r in answer["FaceRecords"]]
    ours += [u["FaceDetail"] | {"_indexed": False, "_reasons": u["Reasons"]}
             for u in answer["UnindexedFaces"]]
    if "stored_match" in (entry.get("select") or {}):
        real = [{"BoundingBox": real[0]["BoundingBox"], "_indexed": True}]
    for r, o, _ in pair(real, ours):
        real_indexed = r.get("_indexed", True)
        out["qf"].append((entry["id"], entry["request"]["QualityFilter"], real_indexed,
                          o["_indexed"], r.get("_reasons", []), o.get("_reasons", [])))
    if not real and not ours:
        out["qf"].append((entry["id"], entry["request"]["QualityFilter"], None, None, [], []))


def searches(corpus: Corpus, replay: Replay, out: dict[str, list]) -> None:
    """Similarity decisions of CompareFaces and SearchFacesByImage at the request's threshold."""
    for entry in corpus.entries:
        op = entry["operation"]
        req = entry.get("request", {})
        threshold = float(req.get("FaceMatchThreshold", req.get("SimilarityThreshold",
                                                                DEFAULT_THRESHOLD)))
        doc = corpus.answer(entry)
        if op == "CompareFaces":
            ans = replay.rek.compare_faces(
                SourceImage=replay.image(entry["photos"]["SourceImage"]),
                TargetImage=replay.image(entry["photos"]["TargetImage"]),
                SimilarityThreshold=0.0)
            real = [m["Similarity"] for m in doc["FaceMatches"]]
            ours = [m["Similarity"] for m in ans["FaceMatches"]]
            out["similarity"].append((entry["id"], threshold, real, ours))
            for r, o, _ in pair([m["Face"] for m in doc["FaceMatches"]]
                                + [dict(f, _unmatched=True) for f in doc.get("UnmatchedFaces", [])],
                                [m["Face"] | {"Similarity": m["Similarity"]}
                                 for m in ans["FaceMatches"]]):
                out["decision"].append((entry["id"], not r.get("_unmatched"),
                                        o["Similarity"] >= threshold))
        elif op == "SearchFacesByImage" and entry.get("collection"):
            cid = replay.collection()
            stored: dict[str, str] = {}
            for item in entry["collection"]:
                src = corpus.by_id[item["entry"]]
                for rec in replay.index(cid, src)["FaceRecords"]:
                    stored[rec["Face"]["FaceId"]] = src["photos"]["Image"]
            ans = replay.rek.search_faces_by_image(
                CollectionId=cid, Image=replay.image(entry["photos"]["Image"]),
                FaceMatchThreshold=0.0, MaxFaces=4096)
            ours = {m["Face"]["FaceId"]: m for m in ans["FaceMatches"]}
            real_sims = [m["Similarity"] for m in doc["FaceMatches"]]
            ours_sims = sorted((m["Similarity"] for m in ans["FaceMatches"]), reverse=True)
            out["similarity"].append((entry["id"], threshold, real_sims, ours_sims))
            # Decision per stored face: the real answer lists exactly those >= threshold.
            real_boxes = [m["Face"] for m in doc["FaceMatches"]]
            for fid, photo in stored.items():
                box = ours[fid]["Face"]["BoundingBox"] if fid in ours else None
                real_match = box is not None and any(
                    iou(f["BoundingBox"], box) > MIN_IOU
                    and (f.get("ExternalImageId") == Path(photo).name
                         or photo_of(corpus, entry, f) == photo)
                    for f in real_boxes)
                ours_match = fid in ours and ours[fid]["Similarity"] >= threshold
                out["decision"].append((entry["id"], real_match, ours_match))


def photo_of(corpus: Corpus, entry: dict, face: dict) -> str | None:
    """The collection photo whose real stored record has ``face``'s box (same ImageId rules)."""
    for item in entry["collection"]:
        src = corpus.by_id[item["entry"]]
        for r in corpus.real_faces(src):
            if "BoundingBox" in r and iou(r["BoundingBox"], face["BoundingBox"]) > 0.9:
                return src["photos"]["Image"]
    return None


def report(out: dict[str, list]) -> None:
    def line(name: str, text: str) -> None:
        print(f"{name:<34} {text}")

    if out["pixelated"]:
        line("attributes not compared on", f"{', '.join(out['pixelated'])} (pixelated copy)")
    real_n = sum(r for _, r, _ in out["count"])
    ours_n = sum(o for _, _, o in out["count"])
    line("faces (real / rekmock)", f"{real_n} / {ours_n} over {len(out['count'])} calls")
    if out["iou"]:
        line("box IoU (paired faces)", f"median {statistics.median(out['iou']):.3f}, "
             f"min {min(out['iou']):.3f}, n={len(out['iou'])}")
    if out["landmark_err"]:
        line("landmark error / box width", f"median {statistics.median(out['landmark_err']):.3f}"
             f", n={len(out['landmark_err'])}")
        line("landmark order (ALL) identical", f"{sum(out['landmark_order'])}"
             f"/{len(out['landmark_order'])}")
    for k in ANGLES:
        v = out["pose_" + k]
        if v:
            line(f"pose {k} error (deg)", f"median |d| {medabs(v)}, median d {med(v)}, n={len(v)}")
    if out["age"]:
        ov = [a[5] for a in out["age"]]
        wr = [a[2] - a[1] for a in out["age"]]
        wo = [a[4] - a[3] for a in out["age"]]
        mid = [(a[3] + a[4]) / 2 - (a[1] + a[2]) / 2 for a in out["age"]]
        line("AgeRange overlap (IoU of ranges)", f"median {statistics.median(ov):.2f}, "
             f"overlapping {sum(o > 0 for o in ov)}/{len(ov)}")
        line("AgeRange width real / rekmock", f"median {statistics.median(wr):.0f} / "
             f"{statistics.median(wo):.0f}; midpoint d median {med(mid)}")
    for k in (*FLAGS, "Gender"):  # Gender: "true" = Male
        v = out["flag_" + k]
        if v:
            agree = sum(r == o for r, o, _ in v)
            line(f"{k} value agrees", f"{agree}/{len(v)} (rekmock true where real false: "
                 f"{sum(o and not r for r, o, _ in v)}, the reverse: "
                 f"{sum(r and not o for r, o, _ in v)})")
    if out["emotion_top"]:
        line("top emotion agrees", f"{sum(out['emotion_top'])}/{len(out['emotion_top'])}")
        sums = (statistics.median(out["emotion_sum_real"]),
                statistics.median(out["emotion_sum_ours"]))
        line("emotion sum real / rekmock", f"median {sums[0]:.1f} / {sums[1]:.1f}")
    for k in ("brightness", "sharpness", "confidence"):
        v = [o - r for _, r, o in out[k]]
        if v:
            line(f"{k.capitalize()} rekmock - real", f"median {med(v)}, median |d| {medabs(v)}, "
                 f"n={len(v)}")
    if out["decision"]:
        agree = sum(r == o for _, r, o in out["decision"])
        tp = sum(r and o for _, r, o in out["decision"])
        fp = sum(o and not r for _, r, o in out["decision"])
        fn = sum(r and not o for _, r, o in out["decision"])
        line("Similarity decisions agree", f"{agree}/{len(out['decision'])} (both match {tp}, "
             f"rekmock-only {fp}, real-only {fn})")
    for tag, thr, real, ours in out["similarity"]:
        above = [round(s, 4) for s in ours if s >= thr]
        below = [round(s, 2) for s in ours if s < thr]
        line(f"  {tag} @{thr:g}", f"real {len(real)} match {fmt_range(real)}; rekmock "
             f"{len(above)} {fmt_range(above)}, others max {max(below, default='-')}")
    if out["qf"]:
        agree = sum(r == o for _, _, r, o, _, _ in out["qf"])
        line("QualityFilter indexed-or-not agrees", f"{agree}/{len(out['qf'])}")
        for tag, level, r, o, rr, orr in out["qf"]:
            if r != o:
                line(f"  differs: {tag} {level}", f"real {r} {rr}, rekmock {o} {orr}")


def fmt_range(values: list[float]) -> str:
    return f"[{min(values):.4f}..{max(values):.4f}]" if values else "[]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default="../shared/fidelity", type=Path)
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--photos", type=Path, help="also measure how varied each attribute "
                    "Confidence is on every photo under this folder (e.g. ../shared/data)")
    args = ap.parse_args()
    corpus = Corpus(args.root)
    with mock_aws(), mock_rekognition():
        out = collect(corpus, Replay(corpus))
    print(f"rekmock vs real Rekognition on {args.root} ({len(corpus.entries)} recorded calls)")
    report(out)
    done = loso.report(out["records"])
    loso.aims_report(done)
    loso.emotion_report(out["records"])
    loso.choice_report(out["records"])
    loso.age_centre_report(out["records"])
    loso.temperature_report(out["records"])
    print()
    loso.confidence_report([r["ours"] for r in out["records"]], "rekmock on the paired faces")
    loso.confidence_report([r["real"] for r in out["records"] if "Gender" in r["real"]],
                           "the service, same faces")
    if args.photos:
        with mock_aws(), mock_rekognition():
            faces = photo_faces(args.photos)
        loso.confidence_report(faces, f"rekmock on the photos of {args.photos}")
    if args.dump:
        args.dump.write_text(json.dumps(out, default=str))


def photo_faces(root: Path) -> list[dict]:
    """DetectFaces ALL on every JPEG and PNG under ``root`` (photos it refuses are skipped)."""
    rek = boto3.client("rekognition", region_name="us-east-1")
    faces: list[dict] = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")):
        try:
            faces += rek.detect_faces(Image={"Bytes": path.read_bytes()},
                                      Attributes=["ALL"])["FaceDetails"]
        except Exception:  # noqa: BLE001 (too large, not an image: not what is measured here)
            continue
    return faces


if __name__ == "__main__":
    main()
