"""The face store of one collection: vectors in one contiguous float32 matrix, metadata columnar.

Why columnar: a collection may hold a million faces, and one Python object per face would cost
more memory than the 128-float vector itself. Rows are dense (``0..count-1``): the matrix grows
by doubling and a deleted row is filled by the last one (swap-remove), so a search is one
matrix-vector product over exactly the live rows, with no Python loop over faces.

Nothing here locks: the owning :class:`~rekmock.backend.collection.Collection` holds its lock
around every call. Nothing here knows about images, users or responses either.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from .. import vision

DIM = 128
_INITIAL_CAPACITY = 64


def similarity_from_distance(d: np.ndarray) -> np.ndarray:
    """Similarity (0..100, float64) for an array of descriptor distances: vision's mapping."""
    return np.asarray(vision.similarity_from_distance(np.asarray(d, dtype=np.float64)))


@functools.lru_cache(maxsize=64)
def distance_limit(threshold: float) -> float:
    """The largest distance whose similarity is still >= ``threshold``, used to preselect
    candidates with one comparison per row (a little slack: the exact similarity is re-checked
    on the candidates)."""
    return vision.distance_for_similarity(threshold) + 1e-3


class FaceIndex:
    """Dense rows of (vector, FaceId, box, confidence, image row, face index in that image)."""

    def __init__(self, dim: int = DIM) -> None:
        self.dim = dim
        self.count = 0
        cap = _INITIAL_CAPACITY
        self.vectors = np.zeros((cap, dim), dtype=np.float32)
        self.sq_norms = np.zeros(cap, dtype=np.float32)
        self.boxes = np.zeros((cap, 4), dtype=np.float32)  # Width, Height, Left, Top
        self.confidences = np.zeros(cap, dtype=np.float32)
        self.image_rows = np.zeros(cap, dtype=np.int32)
        self.face_indexes = np.zeros(cap, dtype=np.int16)
        self.face_ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self._sorted: list[str] | None = None

    # -- storage -------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return int(self.vectors.shape[0])

    def _reserve(self, extra: int) -> None:
        need = self.count + extra
        if need <= self.capacity:
            return
        cap = self.capacity
        while cap < need:
            cap *= 2
        for name in ("vectors", "sq_norms", "boxes", "confidences", "image_rows", "face_indexes"):
            old = getattr(self, name)
            new = np.zeros((cap, *old.shape[1:]), dtype=old.dtype)
            new[: self.count] = old[: self.count]
            setattr(self, name, new)

    def add(
        self,
        face_ids: Sequence[str],
        vectors: np.ndarray,
        boxes: np.ndarray,
        confidences: np.ndarray,
        image_rows: np.ndarray,
        face_indexes: np.ndarray,
    ) -> None:
        """Append rows; every argument has one entry per face."""
        n = len(face_ids)
        if n == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(n, self.dim)
        self._reserve(n)
        a, b = self.count, self.count + n
        self.vectors[a:b] = vectors
        self.sq_norms[a:b] = np.einsum("ij,ij->i", vectors, vectors)
        self.boxes[a:b] = boxes
        self.confidences[a:b] = confidences
        self.image_rows[a:b] = image_rows
        self.face_indexes[a:b] = face_indexes
        for i, face_id in enumerate(face_ids):
            self.row_of[face_id] = a + i
        self.face_ids.extend(face_ids)
        self.count = b
        self._sorted = None

    def remove(self, face_id: str) -> bool:
        """Delete one face by moving the last row into its place."""
        row = self.row_of.pop(face_id, None)
        if row is None:
            return False
        last = self.count - 1
        if row != last:
            for arr in (self.vectors, self.sq_norms, self.boxes, self.confidences,
                        self.image_rows, self.face_indexes):
                arr[row] = arr[last]
            moved = self.face_ids[last]
            self.face_ids[row] = moved
            self.row_of[moved] = row
        self.face_ids.pop()
        self.count = last
        self._sorted = None
        return True

    def sorted_ids(self) -> list[str]:
        """Every FaceId in ascending order (ListFaces' order), cached until the next change."""
        if self._sorted is None:
            self._sorted = sorted(self.face_ids)
        return self._sorted

    def rows_of_image(self, image_row: int) -> np.ndarray:
        return np.flatnonzero(self.image_rows[: self.count] == image_row)

    # -- search --------------------------------------------------------------------------------

    def nearest(
        self, query: np.ndarray, max_distance: float, k: int, exclude: int = -1
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows within ``max_distance`` of ``query`` (at most the ``k`` closest) and their exact
        distances, closest first. One matrix-vector product over the live rows."""
        n = self.count
        if n == 0 or max_distance < 0 or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        d2 = self.sq_norms[:n] - 2.0 * (self.vectors[:n] @ q)
        d2 += float(q @ q)
        if exclude >= 0:
            d2[exclude] = np.inf
        if math.isfinite(max_distance):
            rows = np.flatnonzero(d2 <= max_distance * max_distance)
        else:
            rows = np.flatnonzero(np.isfinite(d2))
        if rows.size > k:
            part = np.argpartition(d2[rows], k - 1)[:k]
            rows = rows[part]
        exact = self.distances(q, rows)
        order = np.lexsort((rows, exact))
        return rows[order], exact[order]

    def distances(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact (float64) distances from ``query`` to ``rows``: the same numbers a one-to-one
        comparison of the two descriptors gives."""
        if len(rows) == 0:
            return np.empty(0, dtype=np.float64)
        diff = self.vectors[rows].astype(np.float64) - np.asarray(query, dtype=np.float64)
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
