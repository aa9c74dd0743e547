"""Recorded answers as facts about images, for the operations rekmock computes on replay.

* **Faces**: a DetectFaces answer's FaceDetails, and an IndexFaces answer's (the faces it indexed
  and the faces it left out), are the faces of the request's image. Several answers about one
  image are merged face by face (boxes overlapping as one face): fields one answer
  lacks come from another (DetectFaces with ALL gives the attributes IndexFaces left out), and
  landmarks merge by type. Faces are ordered largest first, as rekmock orders its own.
* **Similarities**: CompareFaces' FaceMatches give the Similarity of the source image's face
  (SourceImageFace) and each matched target face; SearchFacesByImage and SearchFaces give it for
  the searched face and each matched face whose FaceId a recorded IndexFaces answer made
  (UnmatchedFaces carry no Similarity, so they give nothing).

Only successful answers count; a face without a box, a confidence and the five basic
landmarks (every real DetectFaces and IndexFaces answer has them) is not used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..backend.recorded import PairFact, RecordedFacts, box_key, nearest
from .store import Recording

log = logging.getLogger("rekmock")

FIVE_LANDMARKS = {"eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"}
FaceRef = tuple[str, dict[str, float]]  # an image's SHA-256 and a face's box in it


def _usable(detail: Any) -> bool:
    if not isinstance(detail, dict) or not isinstance(detail.get("BoundingBox"), dict):
        return False
    box = detail["BoundingBox"]
    if not all(isinstance(box.get(k), (int, float)) for k in ("Width", "Height", "Left", "Top")):
        return False
    types = {p.get("Type") for p in detail.get("Landmarks", ()) if isinstance(p, dict)}
    return types >= FIVE_LANDMARKS and isinstance(detail.get("Confidence"), (int, float))


def _merge(into: list[dict[str, Any]], details: Iterable[Any], where: str) -> None:
    for detail in details:
        if not _usable(detail):
            log.warning("rekmock: %s: a face without box, confidence or landmarks: not used",
                        where)
            continue
        same = nearest(detail["BoundingBox"], [d["BoundingBox"] for d in into])
        if same is None:
            into.append(dict(detail))
            continue
        known = into[same]
        points = {p["Type"]: p for p in detail["Landmarks"]}
        points.update({p["Type"]: p for p in known["Landmarks"]})
        known.update({k: v for k, v in detail.items() if k not in known})
        known["Landmarks"] = list(points.values())


def _sha(image: Any) -> str | None:
    if isinstance(image, dict) and isinstance(image.get("sha256"), str):
        return str(image["sha256"])
    return None


def _box(value: Any) -> dict[str, float] | None:
    if isinstance(value, dict) and all(isinstance(value.get(k), (int, float))
                                       for k in ("Width", "Height", "Left", "Top")):
        return {k: float(value[k]) for k in ("Width", "Height", "Left", "Top")}
    return None


def _pair(pairs: list[PairFact], a: FaceRef | None, b: FaceRef | None, similarity: Any) -> None:
    if a is None or b is None or not isinstance(similarity, (int, float)):
        return
    pairs.append(PairFact((a[0], box_key(a[1])), (b[0], box_key(b[1])), float(similarity)))


def _side(sha: str | None, box: Any) -> FaceRef | None:
    found = _box(box)
    return None if sha is None or found is None else (sha, found)


def facts_of(recordings: Iterable[Recording]) -> RecordedFacts:
    """The faces and similarities a directory of recordings tells (see the module)."""
    faces: dict[str, list[dict[str, Any]]] = {}
    face_ids: dict[str, FaceRef] = {}  # FaceId -> its image and box, from IndexFaces
    pairs: list[PairFact] = []
    searches: list[Recording] = []
    for rec in recordings:
        body = rec.body if isinstance(rec.body, dict) else {}
        if rec.status >= 300:
            continue
        where = str(rec.path or rec.operation)
        if rec.operation == "DetectFaces":
            sha = _sha(rec.request.get("Image"))
            if sha is not None:
                _merge(faces.setdefault(sha, []), body.get("FaceDetails", ()), where)
        elif rec.operation == "IndexFaces":
            sha = _sha(rec.request.get("Image"))
            if sha is None:
                continue
            records = [r for r in body.get("FaceRecords", ()) if isinstance(r, dict)]
            unindexed = [u for u in body.get("UnindexedFaces", ()) if isinstance(u, dict)]
            _merge(faces.setdefault(sha, []),
                   [r.get("FaceDetail") for r in records + unindexed], where)
            for r in records:
                face: dict[str, Any] = r["Face"] if isinstance(r.get("Face"), dict) else {}
                side = _side(sha, face.get("BoundingBox"))
                if side is not None and isinstance(face.get("FaceId"), str):
                    face_ids[face["FaceId"]] = side
        elif rec.operation == "CompareFaces":
            source = _side(_sha(rec.request.get("SourceImage")),
                           (body.get("SourceImageFace") or {}).get("BoundingBox"))
            target = _sha(rec.request.get("TargetImage"))
            for match in body.get("FaceMatches", ()):
                if isinstance(match, dict):
                    matched = _side(target, (match.get("Face") or {}).get("BoundingBox"))
                    _pair(pairs, source, matched, match.get("Similarity"))
        elif rec.operation in ("SearchFacesByImage", "SearchFaces"):
            searches.append(rec)
    for rec in searches:  # after every IndexFaces answer has named its faces
        body = rec.body if isinstance(rec.body, dict) else {}
        if rec.operation == "SearchFacesByImage":
            probe = _side(_sha(rec.request.get("Image")), body.get("SearchedFaceBoundingBox"))
        else:
            probe = face_ids.get(str(rec.request.get("FaceId")))
        for match in body.get("FaceMatches", ()):
            if isinstance(match, dict):
                face_id = (match.get("Face") or {}).get("FaceId")
                _pair(pairs, probe, face_ids.get(str(face_id)), match.get("Similarity"))
    for details in faces.values():
        details.sort(key=lambda d: -d["BoundingBox"]["Width"] * d["BoundingBox"]["Height"])
    return RecordedFacts(faces, pairs)  # of two facts about one pair, the first placed wins
