"""Collection state: faces (in a :class:`~rekmock.backend.face_index.FaceIndex`), the images
they came from, users, tags, and the searches over them.

Locking: the regional backend's lock guards its ``collections`` dict (and tags, idempotency);
each collection's own lock guards its faces and users. Code that needs both takes the backend's
first. Vision work (detection, descriptors) happens before either is taken; this module only
stores and searches vectors.

Similarity between a probe and stored faces is the vision mapping of descriptor distance, except
where a test scripted the pair (``Scripts.pair_similarity``): each stored face remembers the refs
of its image and its face index there, so scripted answers follow the photo into collections.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..botocore_model import FACE_MODEL_VERSION, f32
from .face_index import FaceIndex, distance_limit, similarity_from_distance
from .ids import IdFactory
from .pagination import page
from .scripts import ImageRef, Scripts

MAX_FACES_PER_USER = 100
STORED_DIGITS = 6  # significant digits of a stored face's box and confidence, as the service keeps


# -- state ---------------------------------------------------------------------------------------


def stored_value(value: float) -> float:
    """``value`` as a stored face keeps it: 6 significant digits, then float32."""
    return f32(float(f"{value:.{STORED_DIGITS}g}"))


@dataclass
class NewFace:
    """What IndexFaces hands over for one face to store (vision already done)."""

    vector: np.ndarray
    box: dict[str, float]
    confidence: float
    face_index: int


@dataclass
class User:
    user_id: str
    faces: dict[str, None] = field(default_factory=dict)  # ordered set of FaceIds

    @property
    def status(self) -> str:
        return "ACTIVE" if self.faces else "CREATED"


class Collection:
    """One face collection. Public methods that read or change faces take ``self.lock``."""

    def __init__(self, collection_id: str, arn: str, ids: IdFactory,
                 tags: dict[str, str] | None = None) -> None:
        self.collection_id = collection_id
        self.arn = arn
        self.created = time.time()
        self.face_model_version = FACE_MODEL_VERSION
        self.tags: dict[str, str] = dict(tags or {})
        self.ids = ids
        self.lock = threading.RLock()
        self.deleted = False
        self.index = FaceIndex()
        # Images, columnar: one entry per indexed image (not per face).
        self.image_ids: list[str] = []
        self.external_ids: list[str | None] = []
        self.image_refs: list[tuple[ImageRef, ...]] = []
        self._by_content: dict[tuple[str, str | None], int] = {}  # (sha256, ExternalImageId)
        self._by_ref: dict[ImageRef, list[int]] = {}
        # Users.
        self.users: dict[str, User] = {}
        self.face_user: dict[str, str] = {}

    # -- images and faces ----------------------------------------------------------------------

    @property
    def face_count(self) -> int:
        return self.index.count

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
    ) -> tuple[list[int], bool]:
        """Store the faces of one image; return their rows and whether they already existed (the
        same image with the same ExternalImageId is never stored twice)."""
        with self.lock:
            existing = self.indexed_rows(content_key, ext)
            if existing is not None:
                return existing, True
            if not faces:
                return [], False
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
            return list(range(start, start + len(faces))), False

    def bulk_load(
        self, vectors: np.ndarray, external_image_id: str | None = None,
        confidence: float = 99.99, one_image: bool = False,
    ) -> list[str]:
        """Store ``vectors`` (N x 128 float32, e.g. random unit vectors) as faces without any
        image analysis; for benchmarks and large-collection tests. Each vector is its own image
        (its own ImageId) unless ``one_image``; boxes are a fixed centred square. Returns the
        new FaceIds in row order."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n = int(vectors.shape[0])
        with self.lock:
            if one_image:
                rows = np.full(n, self._new_image(external_image_id, ()), dtype=np.int32)
            else:
                first = len(self.image_ids)
                self.image_ids.extend(self.ids.new("image") for _ in range(n))
                self.external_ids.extend([external_image_id] * n)
                self.image_refs.extend([()] * n)
                rows = np.arange(first, first + n, dtype=np.int32)
            face_ids = [self.ids.new("face") for _ in range(n)]
            boxes = np.tile(np.array([0.5, 0.5, 0.25, 0.25], dtype=np.float32), (n, 1))
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
            out["IndexFacesModelVersion"] = self.face_model_version
        user = self.face_user.get(face_id)
        if user is not None:
            out["UserId"] = user
        return out

    def row(self, face_id: str) -> int | None:
        return self.index.row_of.get(face_id)

    def probe_of(self, row: int) -> tuple[np.ndarray, tuple[ImageRef, ...], int]:
        """Vector, image refs and face index of a stored face, to search with."""
        idx = self.index
        return (idx.vectors[row].copy(), self.image_refs[int(idx.image_rows[row])],
                int(idx.face_indexes[row]))

    def delete_faces(self, face_ids: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
        """Delete what can be deleted; faces of a user and unknown faces are reported."""
        deleted: list[str] = []
        failed: list[dict[str, Any]] = []
        with self.lock:
            for face_id in dict.fromkeys(face_ids):
                user = self.face_user.get(face_id)
                if user is not None:
                    failed.append({"FaceId": face_id, "UserId": user,
                                   "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]})
                elif self.index.remove(face_id):
                    deleted.append(face_id)
                else:
                    failed.append({"FaceId": face_id, "Reasons": ["FACE_NOT_FOUND"]})
        return deleted, failed

    def list_faces(
        self, token: str | None, size: int, face_ids: Sequence[str] | None, user_id: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of faces in FaceId order, optionally only ``face_ids`` / ``user_id``'s."""
        with self.lock:
            if face_ids is None and user_id is None:
                keys: Sequence[str] = self.index.sorted_ids()
            else:
                wanted = set(self.index.row_of)
                if face_ids is not None:
                    wanted &= set(face_ids)
                if user_id is not None:
                    user = self.users.get(user_id)
                    wanted &= set(user.faces) if user else set()
                keys = sorted(wanted)
            chunk, next_token = page(keys, "faces", token, size)
            return [self.face(self.index.row_of[f]) for f in chunk], next_token

    # -- search --------------------------------------------------------------------------------

    def _scripted_rows(
        self, scripts: Scripts, refs: Sequence[ImageRef], index: int
    ) -> dict[int, float]:
        """Stored rows whose similarity to the probe a test scripted, with that similarity."""
        if not refs:
            return {}
        probe = {(r, index) for r in refs}
        with scripts.lock:
            pairs = list(scripts.pairs)
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
        self,
        query: np.ndarray,
        refs: Sequence[ImageRef],
        index: int,
        threshold: float,
        max_faces: int,
        scripts: Scripts,
        exclude_face: str | None = None,
    ) -> list[tuple[float, dict[str, Any]]]:
        """(Similarity, Face) of the stored faces at or above ``threshold``, best first, at most
        ``max_faces``; ties broken by FaceId. Never returns ``exclude_face``."""
        with self.lock:
            exclude = self.row(exclude_face) if exclude_face else None
            scripted = self._scripted_rows(scripts, refs, index)
            scripted.pop(exclude if exclude is not None else -1, None)
            rows, dist = self.index.nearest(
                query, distance_limit(threshold), max_faces + len(scripted),
                -1 if exclude is None else exclude,
            )
            found = similarity_from_distance(dist)
            sims = {int(r): f32(s) for r, s in zip(rows, found, strict=True)}
            sims.update(scripted)
            ids = self.index.face_ids
            hits = sorted(
                ((s, r) for r, s in sims.items() if s >= threshold),
                key=lambda sr: (-sr[0], ids[sr[1]]),
            )[:max_faces]
            return [(s, self.face(r)) for s, r in hits]

    # -- users ---------------------------------------------------------------------------------

    def user_similarities(
        self,
        probes: Sequence[tuple[np.ndarray, Sequence[ImageRef], int, str | None]],
        scripts: Scripts,
        only_user: str | None = None,
    ) -> dict[str, float]:
        """Best similarity between any probe face and any face of each user (or of one user).

        Each probe is (vector, image refs, face index, FaceId to skip or None)."""
        with self.lock:
            if only_user is not None:
                user = self.users.get(only_user)
                members = [(f, only_user) for f in (user.faces if user else ())]
            else:
                members = sorted(self.face_user.items())
            if not members:
                return {}
            rows = np.array([self.index.row_of[f] for f, _ in members], dtype=np.int64)
            owners = [u for _, u in members]
            best: dict[str, float] = {}
            for vector, refs, index, skip in probes:
                sims = similarity_from_distance(self.index.distances(vector, rows))
                scripted = self._scripted_rows(scripts, refs, index)
                skip_row = self.row(skip) if skip else None
                for i, r in enumerate(rows):
                    r = int(r)
                    if r == skip_row:
                        continue
                    s = scripted.get(r, f32(sims[i]))
                    if s > best.get(owners[i], -1.0):
                        best[owners[i]] = s
            return best

    def user_probes(self, user_id: str) -> list[tuple[np.ndarray, Sequence[ImageRef], int, str]]:
        with self.lock:
            user = self.users[user_id]
            out = []
            for face_id in user.faces:
                vector, refs, index = self.probe_of(self.index.row_of[face_id])
                out.append((vector, refs, index, face_id))
            return out
