"""The users of one collection and their rules: at most 100 faces each, a face belongs to one
user, a new face must resemble the user's faces (AssociateFaces' UserMatchThreshold).

Nothing here locks: :class:`~rekmock.backend.collection.Collection` holds its lock around every
call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import vision
from ..botocore_model import f32
from ..errors import ConflictException, ResourceNotFoundException, ServiceQuotaExceededException
from .face_index import similarity_from_distance
from .face_store import FaceStore, Probe
from .pagination import page
from .scripts import Scripts

MAX_FACES_PER_USER = 100

# A probe for user searches: a stored or searched face, and the FaceId to skip (or None).
UserProbe = tuple[np.ndarray, Sequence[Any], int, str | None]


@dataclass
class User:
    user_id: str
    faces: dict[str, None] = field(default_factory=dict)  # ordered set of FaceIds

    @property
    def status(self) -> str:
        return "ACTIVE" if self.faces else "CREATED"


def user_not_found(user_id: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"The user id: {user_id} does not exist")


class Users:
    """Users of one collection; ``owners`` (FaceId -> UserId) is shared with the face store."""

    def __init__(self, store: FaceStore, owners: dict[str, str]) -> None:
        self.store = store
        self.owners = owners
        self.by_id: dict[str, User] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, user_id: str) -> User:
        user = self.by_id.get(user_id)
        if user is None:
            raise user_not_found(user_id)
        return user

    def create(self, user_id: str) -> None:
        if user_id in self.by_id:
            raise ConflictException()
        self.by_id[user_id] = User(user_id)

    def delete(self, user_id: str) -> None:
        user = self.get(user_id)
        for face_id in user.faces:
            self.owners.pop(face_id, None)
        del self.by_id[user_id]

    def page(self, token: str | None, size: int) -> tuple[list[dict[str, str]], str | None]:
        chunk, next_token = page(sorted(self.by_id), "users", token, size)
        return [{"UserId": u, "UserStatus": self.by_id[u].status} for u in chunk], next_token

    def associate(
        self, user_id: str, face_ids: Sequence[str], threshold: float, scripts: Scripts
    ) -> dict[str, Any]:
        """AssociateFaces' answer: faces already this user's are ignored, faces of another user
        or too unlike the user's faces are reported, and 100 faces per user is the limit."""
        user = self.get(user_id)
        if len(user.faces) >= MAX_FACES_PER_USER:
            raise ServiceQuotaExceededException()
        failed: list[dict[str, Any]] = []
        accepted: list[str] = []
        for face_id in dict.fromkeys(face_ids):
            owner = self.owners.get(face_id)
            row = self.store.row(face_id)
            if row is None:
                failed.append({"FaceId": face_id, "UserId": user.user_id,
                               "Reasons": ["FACE_NOT_FOUND"]})
            elif owner == user.user_id:
                continue  # already this user's: ignored, as the service does
            elif owner is not None:
                failed.append({"FaceId": face_id, "UserId": owner,
                               "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"]})
            elif user.faces:
                vector, refs, index = self.store.probe_of(row)
                sims = self.similarities([(vector, refs, index, None)], scripts,
                                         only_user=user.user_id)
                confidence = sims.get(user.user_id, 0.0)
                if confidence < threshold:
                    failed.append({"FaceId": face_id, "Confidence": confidence,  # no UserId,
                                   "Reasons": ["LOW_MATCH_CONFIDENCE"]})  # as the service
                else:
                    accepted.append(face_id)
            else:
                accepted.append(face_id)
        if len(user.faces) + len(accepted) > MAX_FACES_PER_USER:
            raise ServiceQuotaExceededException()
        for face_id in accepted:
            user.faces[face_id] = None
            self.owners[face_id] = user.user_id
        return {
            "AssociatedFaces": [{"FaceId": f} for f in accepted],
            "UnsuccessfulFaceAssociations": failed,
            # The service answers UPDATING while it adds faces to the user (real 2023-2024
            # answers); with nothing added, the user's status as it stands.
            "UserStatus": "UPDATING" if accepted else user.status,
        }

    def disassociate(self, user_id: str, face_ids: Sequence[str]) -> dict[str, Any]:
        """DisassociateFaces' answer: faces of no user are ignored, another user's reported."""
        user = self.get(user_id)
        done: list[dict[str, str]] = []
        failed: list[dict[str, Any]] = []
        for face_id in dict.fromkeys(face_ids):
            owner = self.owners.get(face_id)
            if self.store.row(face_id) is None:
                failed.append({"FaceId": face_id, "UserId": user.user_id,
                               "Reasons": ["FACE_NOT_FOUND"]})
            elif owner is None:
                continue  # not associated: ignored
            elif owner != user.user_id:
                failed.append({"FaceId": face_id, "UserId": owner,
                               "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"]})
            else:
                del self.owners[face_id]
                del user.faces[face_id]
                done.append({"FaceId": face_id})
        return {
            "DisassociatedFaces": done,
            "UnsuccessfulFaceDisassociations": failed,
            "UserStatus": user.status,
        }

    def similarities(
        self, probes: Sequence[UserProbe], scripts: Scripts, only_user: str | None = None
    ) -> dict[str, float]:
        """Best similarity between any probe face and any face of each user (or of one user)."""
        if only_user is not None:
            user = self.by_id.get(only_user)
            members = [(f, only_user) for f in (user.faces if user else ())]
        else:
            members = sorted(self.owners.items())
        if not members:
            return {}
        index = self.store.index
        rows = np.array([index.row_of[f] for f, _ in members], dtype=np.int64)
        owners = [u for _, u in members]
        best: dict[str, float] = {}
        measured: list[float] = []  # computed from face vectors, not scripted
        for vector, refs, face_index, skip in probes:
            sims = similarity_from_distance(index.distances(vector, rows))
            scripted = self.store.scripted_rows(scripts, refs, face_index)
            skip_row = self.store.row(skip) if skip else None
            for i, r in enumerate(rows):
                r = int(r)
                if r == skip_row:
                    continue
                s = scripted.get(r, f32(sims[i]))
                if r not in scripted:
                    measured.append(s)
                if s > best.get(owners[i], -1.0):
                    best[owners[i]] = s
        vision.warn_if_confusable(measured)
        return best

    def probes(self, user_id: str) -> list[UserProbe]:
        """Every face of a user, to search with (skipping itself)."""
        out: list[UserProbe] = []
        for face_id in self.get(user_id).faces:
            vector, refs, index = self.store.probe_of(self.store.index.row_of[face_id])
            out.append((vector, refs, index, face_id))
        return out

    def matches(self, sims: dict[str, float], threshold: float,
                limit: int) -> list[dict[str, Any]]:
        """UserMatches at or above ``threshold``, best first (ties by UserId)."""
        hits = sorted(
            ((s, u) for u, s in sims.items() if s >= threshold), key=lambda su: (-su[0], su[1])
        )
        return [
            {"Similarity": s, "User": {"UserId": u, "UserStatus": self.by_id[u].status}}
            for s, u in hits[:limit]
        ]

    def search(
        self, probes: Sequence[UserProbe], threshold: float, limit: int, scripts: Scripts,
        skip_user: str | None = None,
    ) -> list[dict[str, Any]]:
        """UserMatches for ``probes`` (a searched user's own entry left out)."""
        sims = self.similarities(probes, scripts)
        if skip_user is not None:
            sims.pop(skip_user, None)
        return self.matches(sims, threshold, limit)


def probe_of(probe: Probe, skip: str | None = None) -> UserProbe:
    """A face probe as user searches take it."""
    vector, refs, index = probe
    return (vector, refs, index, skip)
