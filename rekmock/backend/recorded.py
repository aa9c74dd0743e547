"""Facts a replay takes from the service's recorded answers (see ``rekmock.recording``).

Two kinds, both named by the SHA-256 of an image's bytes:

* the faces the service saw in an image (recorded DetectFaces and IndexFaces answers), which
  replace the faces rekmock's vision finds there, for every operation;
* the Similarity the service gave a face of one image against a face of another (recorded
  CompareFaces and face searches).

A pair fact names each face by its box. Which of rekmock's faces a box is becomes known when the
image is analysed (:meth:`RecordedFacts.learn`, called for every image the faces layer reads);
from then on the pair answers to ``(ref, face index)`` like a test's ``same_person`` script.
A test's own scripts win over these facts (see ``Scripts``).

The facts of the running replay are process-wide, like moto's routing, and are never reset by
moto's reset: they are the recordings' content, not state.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scripts import ImageRef

Box = dict[str, float]  # the service's BoundingBox: Width, Height, Left, Top (image ratios)
BoxKey = tuple[float, float, float, float]
Side = tuple[str, BoxKey]  # an image's SHA-256 and one of its faces' box
# Two boxes are one face from this overlap (intersection over union) on: the service's boxes
# and rekmock's meet at a median 0.86, and two faces side by side barely overlap.
SAME_FACE_IOU = 0.5


def box_iou(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Intersection over union of two BoundingBoxes."""
    left = max(a["Left"], b["Left"])
    top = max(a["Top"], b["Top"])
    right = min(a["Left"] + a["Width"], b["Left"] + b["Width"])
    bottom = min(a["Top"] + a["Height"], b["Top"] + b["Height"])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    union = a["Width"] * a["Height"] + b["Width"] * b["Height"] - inter
    return inter / union if union > 0 else 0.0


def box_key(box: Mapping[str, float]) -> BoxKey:
    return (float(box["Width"]), float(box["Height"]), float(box["Left"]), float(box["Top"]))


def _as_box(key: BoxKey) -> Box:
    return {"Width": key[0], "Height": key[1], "Left": key[2], "Top": key[3]}


def matching(wanted: Sequence[Mapping[str, float]], found: Sequence[Mapping[str, float]]
             ) -> dict[int, int]:
    """Pairs (index in ``wanted`` -> index in ``found``) of boxes that are one face: the
    best-overlapping pairs first, each box used once, overlaps under :data:`SAME_FACE_IOU`
    never."""
    scored = sorted(
        ((box_iou(w, f), i, j) for i, w in enumerate(wanted) for j, f in enumerate(found)),
        key=lambda s: (-s[0], s[1], s[2]),
    )
    out: dict[int, int] = {}
    used: set[int] = set()
    for overlap, i, j in scored:
        if overlap < SAME_FACE_IOU:
            break
        if i not in out and j not in used:
            out[i] = j
            used.add(j)
    return out


def nearest(box: Mapping[str, float], boxes: Sequence[Mapping[str, float]]) -> int | None:
    """The index of the box in ``boxes`` that is the same face as ``box``, if one is."""
    best = max(range(len(boxes)), key=lambda i: box_iou(box, boxes[i]), default=None)
    if best is None or box_iou(box, boxes[best]) < SAME_FACE_IOU:
        return None
    return best


@dataclass(frozen=True)
class PairFact:
    """The service's Similarity between a face of one image and a face of another."""

    a: Side
    b: Side
    similarity: float


class RecordedFacts:
    """Faces per image and pair similarities, from one directory of recordings."""

    def __init__(self, faces: Mapping[str, Sequence[dict[str, Any]]] = {},  # noqa: B006
                 pairs: Iterable[PairFact] = ()) -> None:
        self._faces = {key: [copy.deepcopy(d) for d in details] for key, details in faces.items()}
        self._pairs: dict[str, list[PairFact]] = {}
        for pair in pairs:
            for key in {pair.a[0], pair.b[0]}:
                self._pairs.setdefault(key, []).append(pair)
        self._face_of: dict[Side, int] = {}  # a pair's side -> rekmock's face index, once seen
        self._resolved: dict[frozenset[tuple[ImageRef, int]], float] = {}
        self._lock = threading.RLock()

    def __bool__(self) -> bool:
        return bool(self._faces or self._pairs)

    @property
    def images(self) -> int:
        return len(self._faces)

    def faces(self, key: str) -> list[dict[str, Any]] | None:
        """The FaceDetails the service gave for the image with SHA-256 ``key``, largest first
        (copies), or None when no answer recorded its faces."""
        found = self._faces.get(key)
        return None if found is None else copy.deepcopy(found)

    def learn(self, key: str, boxes: Sequence[Mapping[str, float]]) -> None:
        """The image ``key`` has these faces (rekmock's face order): place the pair facts'
        boxes of this image on them."""
        facts = self._pairs.get(key)
        if not facts:
            return
        with self._lock:
            for side in {side for fact in facts for side in (fact.a, fact.b) if side[0] == key}:
                face = nearest(_as_box(side[1]), boxes)
                if face is None:
                    self._face_of.pop(side, None)
                else:
                    self._face_of[side] = face
            for fact in facts:
                ia, ib = self._face_of.get(fact.a), self._face_of.get(fact.b)
                if ia is not None and ib is not None:
                    pair = frozenset({(("sha256", fact.a[0]), ia), (("sha256", fact.b[0]), ib)})
                    self._resolved.setdefault(pair, fact.similarity)

    def pairs(self) -> list[frozenset[tuple[ImageRef, int]]]:
        """The pairs placed on faces so far."""
        with self._lock:
            return list(self._resolved)

    def pair_similarity(self, refs_a: Sequence[ImageRef], index_a: int,
                        refs_b: Sequence[ImageRef], index_b: int) -> float | None:
        with self._lock:
            for ra in refs_a:
                for rb in refs_b:
                    found = self._resolved.get(frozenset({(ra, index_a), (rb, index_b)}))
                    if found is not None:
                        return found
        return None


_NONE = RecordedFacts()
_current = _NONE


def install(facts: RecordedFacts | None) -> None:
    """Make ``facts`` the running replay's (None: no replay)."""
    global _current
    _current = facts if facts is not None else _NONE


def current() -> RecordedFacts:
    """The running replay's facts (empty when nothing is replayed)."""
    return _current
