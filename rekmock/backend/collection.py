"""One face collection: its faces and images (:mod:`.face_store`), its users (:mod:`.users`),
tags, and the operations on them.

Locking (the one pattern of the backend): the regional backend's lock guards its
``collections`` dict, tags and idempotency records; each collection's lock guards its faces and
users. Every public method below takes the collection's lock exactly once, and nothing beneath
it (face store, users, face index) locks. Code that needs both takes the backend's first.
Vision work (detection, descriptors) happens before either is taken: this module only stores
and searches vectors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..botocore_model import FACE_MODEL_VERSION
from ..errors import InvalidParameterException, ResourceNotFoundException
from .face_store import BULK_CONFIDENCE, FaceStore, NewFace, Probe
from .ids import IdFactory
from .pagination import page
from .scripts import ImageRef, Scripts
from .users import Users, probe_of


def collection_not_found(collection_id: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"The collection id: {collection_id} does not exist")


def face_not_found() -> InvalidParameterException:
    return InvalidParameterException("faceId was not found in the collection.")


class Collection:
    """One face collection; public methods take ``self.lock`` (once)."""

    def __init__(self, collection_id: str, arn: str, ids: IdFactory,
                 tags: dict[str, str] | None = None) -> None:
        self.collection_id = collection_id
        self.arn = arn
        self.created = time.time()
        self.face_model_version = FACE_MODEL_VERSION
        self.tags: dict[str, str] = dict(tags or {})  # guarded by the backend's lock
        self.lock = threading.RLock()
        self.deleted = False
        owners: dict[str, str] = {}  # FaceId -> UserId
        self.faces = FaceStore(ids, owners)
        self.users = Users(self.faces, owners)

    @property
    def face_count(self) -> int:
        return self.faces.index.count

    def describe(self) -> dict[str, Any]:
        with self.lock:
            return {
                "FaceCount": self.face_count,
                "FaceModelVersion": self.face_model_version,
                "CollectionARN": f"arn:{self.arn}",  # CreateCollection's has no arn:
                "CreationTimestamp": self.created,
                "UserCount": len(self.users),
            }

    # -- faces ---------------------------------------------------------------------------------

    def index_image(
        self, content_key: str, ext: str | None, refs: Sequence[ImageRef],
        new_faces: Callable[[], list[NewFace]],
    ) -> list[tuple[dict[str, Any], int]]:
        """Store an image's faces; (Face, index of the face in the image) for each.

        ``new_faces`` (the costly descriptors) runs outside the lock, and only when the image
        is not already stored with this ExternalImageId."""
        with self.lock:
            existing = self.faces.indexed_rows(content_key, ext)
        new = new_faces() if existing is None else []
        with self.lock:
            if self.deleted:
                raise collection_not_found(self.collection_id)
            rows = self.faces.add_image(content_key, ext, refs, new)
            return [(self.faces.face(r, model_version=False, stored=False),
                     int(self.faces.index.face_indexes[r])) for r in rows]

    def bulk_load(
        self, vectors: np.ndarray, external_image_id: str | None = None,
        confidence: float = BULK_CONFIDENCE, one_image: bool = False,
    ) -> list[str]:
        """Store ``vectors`` (N x 128 float32, e.g. random unit vectors) as faces without any
        image analysis; for benchmarks and large-collection tests. Each vector is its own image
        (its own ImageId) unless ``one_image``; boxes are a fixed centred square. Returns the
        new FaceIds in row order."""
        with self.lock:
            return self.faces.bulk_load(vectors, external_image_id, confidence, one_image)

    def delete_faces(self, face_ids: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
        """Delete what can be deleted; faces of a user and unknown faces are reported."""
        deleted: list[str] = []
        failed: list[dict[str, Any]] = []
        with self.lock:
            for face_id in dict.fromkeys(face_ids):
                user = self.users.owners.get(face_id)
                if user is not None:
                    failed.append({"FaceId": face_id, "UserId": user,
                                   "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]})
                elif self.faces.index.remove(face_id):
                    deleted.append(face_id)
                else:
                    failed.append({"FaceId": face_id, "Reasons": ["FACE_NOT_FOUND"]})
        return deleted, failed

    def list_faces(
        self, token: str | None, size: int, face_ids: Sequence[str] | None, user_id: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of faces in FaceId order, optionally only ``face_ids`` / ``user_id``'s."""
        with self.lock:
            index = self.faces.index
            if face_ids is None and user_id is None:
                keys: Sequence[str] = index.sorted_ids()
            else:
                wanted = set(index.row_of)
                if face_ids is not None:
                    wanted &= set(face_ids)
                if user_id is not None:
                    user = self.users.by_id.get(user_id)
                    wanted &= set(user.faces) if user else set()
                keys = sorted(wanted)
            chunk, next_token = page(keys, "faces", token, size)
            return [self.faces.face(index.row_of[f]) for f in chunk], next_token

    # -- face search ---------------------------------------------------------------------------

    def search(
        self,
        query: np.ndarray,
        refs: Sequence[ImageRef],
        index: int,
        threshold: float,
        max_faces: int,
        scripts: Scripts,
    ) -> list[tuple[float, dict[str, Any]]]:
        """(Similarity, Face) of the stored faces at or above ``threshold`` for a probe face
        (SearchFacesByImage), best first, at most ``max_faces``; ties broken by FaceId."""
        with self.lock:
            return self.faces.search((query, refs, index), threshold, max_faces, scripts)

    def search_faces(
        self, face_id: str, threshold: float, max_faces: int, scripts: Scripts
    ) -> list[tuple[float, dict[str, Any]]]:
        """As :meth:`search` for a stored face (SearchFaces), never returning itself."""
        with self.lock:
            row = self.faces.row(face_id)
            if row is None:
                raise face_not_found()
            probe = self.faces.probe_of(row)
            return self.faces.search(probe, threshold, max_faces, scripts, exclude=row)

    # -- users ---------------------------------------------------------------------------------

    def create_user(self, user_id: str) -> None:
        with self.lock:
            self.users.create(user_id)

    def delete_user(self, user_id: str) -> None:
        with self.lock:
            self.users.delete(user_id)

    def list_users(self, token: str | None, size: int) -> tuple[list[dict[str, str]], str | None]:
        with self.lock:
            return self.users.page(token, size)

    def associate_faces(
        self, user_id: str, face_ids: Sequence[str], threshold: float, scripts: Scripts
    ) -> dict[str, Any]:
        with self.lock:
            return self.users.associate(user_id, face_ids, threshold, scripts)

    def disassociate_faces(self, user_id: str, face_ids: Sequence[str]) -> dict[str, Any]:
        with self.lock:
            return self.users.disassociate(user_id, face_ids)

    def search_users(
        self, user_id: str | None, face_id: str | None, threshold: float, limit: int,
        scripts: Scripts,
    ) -> list[dict[str, Any]]:
        """UserMatches for a stored user (its faces, itself left out) or a stored face."""
        with self.lock:
            if user_id is not None:
                return self.users.search(self.users.probes(user_id), threshold, limit, scripts,
                                         skip_user=user_id)
            row = self.faces.row(face_id) if face_id is not None else None
            if row is None:
                raise face_not_found()
            # The face itself counts: a face's own user comes back (real: Similarity 99.9999).
            probe = probe_of(self.faces.probe_of(row))
            return self.users.search([probe], threshold, limit, scripts)

    def search_users_by_face(
        self, probe: Probe, threshold: float, limit: int, scripts: Scripts
    ) -> list[dict[str, Any]]:
        """UserMatches for a face of a request image (SearchUsersByImage)."""
        with self.lock:
            return self.users.search([probe_of(probe)], threshold, limit, scripts)
