"""The test author's handle on rekmock: script answers, build the celebrity gallery, look inside.

Everything here is stored in moto's backends, so it is isolated per test and reset with them.
"""

from __future__ import annotations

import os
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from .backend.backends import RekognitionBackend, rekognition_backends, scripts_for
from .backend.scripts import Celebrity, ImageLike, Scripts, celebrity_id, image_ref
from .service.validation import validate_face_fields

_GENDERS = ("Male", "Female", "Nonbinary", "Unlisted")


def _read(photo: bytes | str | os.PathLike[str]) -> bytes:
    if isinstance(photo, (bytes, bytearray)):
        return bytes(photo)
    with open(os.fspath(photo), "rb") as fh:
        return fh.read()


class RekognitionState:
    """Scripted answers and state for one account (moto's default account unless told)."""

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.account_id = account_id

    @property
    def scripts(self) -> Scripts:
        return scripts_for(self.account_id)

    def backend(self, region: str = "us-east-1") -> RekognitionBackend:
        """The regional backend (collections, faces, users) for inspection."""
        return rekognition_backends[self.account_id][region]

    def set_face(self, image: ImageLike, face: int = 0, **fields: Any) -> None:
        """Override FaceDetail fields of face ``face`` (0 = largest) wherever ``image`` is analysed.

        ``fields`` use the service's names and shapes, e.g.
        ``Smile={"Value": True, "Confidence": 99.0}`` or ``AgeRange={"Low": 30, "High": 38}``.
        """
        validate_face_fields(fields)  # ValueError, nothing stored, when not the model's shape
        key = (image_ref(image), face)
        with self.scripts.lock:
            self.scripts.face_fields.setdefault(key, {}).update(fields)

    def same_person(
        self, a: ImageLike, b: ImageLike, similarity: float = 99.0, face_a: int = 0, face_b: int = 0
    ) -> None:
        """Make face ``face_a`` of ``a`` and ``face_b`` of ``b`` match at ``similarity``."""
        if not 0.0 <= similarity <= 100.0:
            raise ValueError("similarity is a percentage, 0..100")
        pair = frozenset({(image_ref(a), face_a), (image_ref(b), face_b)})
        with self.scripts.lock:
            self.scripts.pairs[pair] = float(similarity)

    def different_person(
        self, a: ImageLike, b: ImageLike, similarity: float = 5.0, face_a: int = 0, face_b: int = 0
    ) -> None:
        """Make the two faces score ``similarity`` (low by default): never a match at 80."""
        self.same_person(a, b, similarity, face_a, face_b)

    def add_celebrity(
        self,
        name: str,
        photos: list[bytes | str | os.PathLike[str]] = (),  # type: ignore[assignment]
        urls: list[str] = (),  # type: ignore[assignment]
        known_gender: str | None = None,
    ) -> str:
        """Register a celebrity recognised by face vector in ``photos``; return its stable Id."""
        if known_gender is not None and known_gender not in _GENDERS:
            raise ValueError(f"known_gender must be one of {_GENDERS}")
        celeb = Celebrity(
            id=celebrity_id(name),
            name=name,
            urls=list(urls),
            known_gender=known_gender,
            photos=[_read(p) for p in photos],
        )
        with self.scripts.lock:
            self.scripts.celebrities[celeb.id] = celeb
        return celeb.id

    def set_celebrity(
        self, image: ImageLike, celebrity: str, face: int = 0, match_confidence: float = 99.0
    ) -> None:
        """Recognise face ``face`` of ``image`` as the registered celebrity with Id ``celebrity``,
        at ``match_confidence``, whatever the face vectors say."""
        if celebrity not in self.scripts.celebrities:
            raise KeyError(f"no celebrity registered with Id {celebrity!r}")
        if not 0.0 <= match_confidence <= 100.0:
            raise ValueError("match_confidence is a percentage, 0..100")
        with self.scripts.lock:
            self.scripts.celebrity_faces[(image_ref(image), face)] = (celebrity, match_confidence)
