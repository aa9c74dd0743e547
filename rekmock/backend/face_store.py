"""The faces of one collection and the images they came from, and the searches over them.

Faces sit in a :class:`~rekmock.backend.face_index.FaceIndex` (vectors and per-face columns);
images are columnar here (one entry per indexed image, not per face). Similarity between a probe
and stored faces is the vision mapping of descriptor distance, except where a test scripted the
pair (``Scripts.pair_similarity``): each image remembers its refs, so scripted answers follow the
photo into collections.

Nothing here locks: :class:`~rekmock.backend.collection.Collection` holds its lock around every
call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import vision
from ..botocore_model import FACE_MODEL_VERSION, f32
from .face_index import FaceIndex, distance_limit, similarity_from_distance
from .ids import IdFactory
from .scripts import ImageRef, Scripts

BULK_CONFIDENCE = 99.99  # Confidence of faces bulk-loaded without an image
BULK_BOX = (0.5, 0.5, 0.25, 0.25)  # their box: Width, Height, Left, Top (a centred square)
STORED_DIGITS = 6  # significant digits of a stored face's box and confidence, as the service keeps

# A face to search with: vector, refs of its image, its index in that image.
Probe = tuple[np.ndarray, Sequence[ImageRef], int]


def stored_value(value: float) -> float:
    """``value`` as a stored face keeps it: 6 significant digits, written as such in the JSON
    (``0.0572509``; a float32 round trip would write ``0.05725089833140373``)."""
    return float(f"{value:.{STORED_DIGITS}g}")


@dataclass
class NewFace:
    """What IndexFaces hands over for one face to store (vision already done)."""

    vector: np.ndarray
    box: dict[str, float]
    confidence: float
    face_index: int


class FaceStore:
    """Faces and images of one collection. ``owners`` (FaceId -> UserId) is the users' map,
    read here only to write ``Face.UserId``."""

    def __init__(self, ids: IdFactory, owners: Mapping[str, str]) -> None:
        self.ids = ids
        self.owners = owners
        self.index = FaceIndex()
        self.image_ids: list[str] = []
        self.external_ids: list[str | None] = []
        self.image_refs: list[tuple[ImageRef, ...]] = []
        self._by_content: dict[tuple[str, str | None], int] = {}  # (sha256, ExternalImageId)
        self._by_ref: dict[ImageRef, list[int]] = {}

    # -- images and faces ----------------------------------------------------------------------

    def _new_image(self, ext: str | None, refs: Iterable[ImageRef]) -> int:
        refs = tuple(refs)
        self.image_ids.append(self.ids.new("image"))
        self.external_ids.append(ext)
        self.image_refs.append(refs)
        row = len(self.image_ids) - 1
        for ref in refs:
            self._by_ref.setdefault(ref, []).append(row)
        return row

    def indexed_rows(self, content_key: str, ext: str | None) -> list[int] | None:
        """Rows already stored from this image with this ExternalImageId (None: not indexed),
        in the order they were indexed."""
        image_row = self._by_content.get((content_key, ext))
        if image_row is None:
            return None
        rows = self.index.rows_of_image(image_row)
        if rows.size == 0:
            return None
        order = np.argsort(self.index.face_indexes[rows], kind="stable")
        return [int(r) for r in rows[order]]

    def add_image(
        self, content_key: str, ext: str | None, refs: Sequence[ImageRef], faces: Sequence[NewFace]
    ) -> list[int]:
        """Store the faces of one image and return their rows; the same image with the same
        ExternalImageId is never stored twice (its existing rows are returned)."""
        existing = self.indexed_rows(content_key, ext)
        if existing is not None:
            return existing
        if not faces:
            return []
        image_row = self._new_image(ext, refs)
        self._by_content[(content_key, ext)] = image_row
        face_ids = [self.ids.new("face") for _ in faces]
        boxes = np.array(
            [[f.box["Width"], f.box["Height"], f.box["Left"], f.box["Top"]] for f in faces],
            dtype=np.float32,
        )
        start = self.index.count
        self.index.add(
            face_ids,
            np.stack([np.asarray(f.vector, dtype=np.float32) for f in faces]),
            boxes,
            np.array([f.confidence for f in faces], dtype=np.float32),
            np.full(len(faces), image_row, dtype=np.int32),
            np.array([f.face_index for f in faces], dtype=np.int16),
        )
        return list(range(start, start + len(faces)))

    def bulk_load(
        self, vectors: np.ndarray, external_image_id: str | None, confidence: float,
        one_image: bool,
    ) -> list[str]:
        """Store ``vectors`` as faces without any image (see ``Collection.bulk_load``)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n = int(vectors.shape[0])
        if one_image:
            rows = np.full(n, self._new_image(external_image_id, ()), dtype=np.int32)
        else:
            first = len(self.image_ids)
            self.image_ids.extend(self.ids.new("image") for _ in range(n))
            self.external_ids.extend([external_image_id] * n)
            self.image_refs.extend([()] * n)
            rows = np.arange(first, first + n, dtype=np.int32)
        face_ids = [self.ids.new("face") for _ in range(n)]
        boxes = np.tile(np.array(BULK_BOX, dtype=np.float32), (n, 1))
        self.index.add(face_ids, vectors, boxes, np.full(n, confidence, dtype=np.float32),
                       rows, np.zeros(n, dtype=np.int16))
        return face_ids

    def face(self, row: int, model_version: bool = True, stored: bool = True) -> dict[str, Any]:
        """The service's ``Face`` for a stored row, members in the model's order.

        ``stored``: as read back later (ListFaces, searches), box and confidence rounded to
        6 significant digits (0.05725087597966194 -> 0.0572509); IndexFaces' own answer keeps
        the detection's float32 values.
        """
        idx = self.index
        face_id = idx.face_ids[row]
        kept = stored_value if stored else float
        w, h, left, top = (kept(float(v)) for v in idx.boxes[row])
        image_row = int(idx.image_rows[row])
        out: dict[str, Any] = {
            "FaceId": face_id,
            "BoundingBox": {"Width": w, "Height": h, "Left": left, "Top": top},
            "ImageId": self.image_ids[image_row],
        }
        ext = self.external_ids[image_row]
        if ext is not None:
            out["ExternalImageId"] = ext
        out["Confidence"] = kept(float(idx.confidences[row]))
        if model_version:
            out["IndexFacesModelVersion"] = FACE_MODEL_VERSION
        user = self.owners.get(face_id)
        if user is not None:
            out["UserId"] = user
        return out

    def row(self, face_id: str) -> int | None:
        return self.index.row_of.get(face_id)

    def probe_of(self, row: int) -> Probe:
        """Vector, image refs and face index of a stored face, to search with."""
        idx = self.index
        return (idx.vectors[row].copy(), self.image_refs[int(idx.image_rows[row])],
                int(idx.face_indexes[row]))

    # -- search --------------------------------------------------------------------------------

    def scripted_rows(
        self, scripts: Scripts, refs: Sequence[ImageRef], index: int
    ) -> dict[int, float]:
        """Stored rows whose similarity to the probe a test scripted, with that similarity."""
        if not refs:
            return {}
        probe = {(r, index) for r in refs}
        pairs = scripts.scripted_pairs()
        others: set[tuple[ImageRef, int]] = set()
        for pair in pairs:
            items = list(pair)
            if len(items) == 1:
                items = items * 2
            a, b = items
            if a in probe:
                others.add(b)
            if b in probe:
                others.add(a)
        out: dict[int, float] = {}
        idx = self.index
        for ref, face_index in sorted(others):
            for image_row in self._by_ref.get(ref, ()):
                rows = idx.rows_of_image(image_row)
                for r in rows[idx.face_indexes[rows] == face_index]:
                    found = scripts.pair_similarity(
                        list(refs), index, list(self.image_refs[image_row]), face_index
                    )
                    if found is not None:
                        out[int(r)] = f32(found)
        return out

    def search(
        self, probe: Probe, threshold: float, max_faces: int, scripts: Scripts,
        exclude: int | None = None,
    ) -> list[tuple[float, dict[str, Any]]]:
        """(Similarity, Face) of the stored faces at or above ``threshold``, best first, at most
        ``max_faces``; ties broken by FaceId. Never returns row ``exclude``."""
        query, refs, index = probe
        scripted = self.scripted_rows(scripts, refs, index)
        scripted.pop(exclude if exclude is not None else -1, None)
        rows, dist = self.index.nearest(
            query, distance_limit(threshold), max_faces + len(scripted),
            -1 if exclude is None else exclude,
        )
        found = similarity_from_distance(dist)
        sims = {int(r): f32(s) for r, s in zip(rows, found, strict=True)}
        vision.warn_if_confusable([s for r, s in sims.items() if r not in scripted])
        sims.update(scripted)
        ids = self.index.face_ids
        hits = sorted(
            ((s, r) for r, s in sims.items() if s >= threshold),
            key=lambda sr: (-sr[0], ids[sr[1]]),
        )[:max_faces]
        return [(s, self.face(r)) for s, r in hits]
