"""The test author's handle on rekmock: script answers, build the celebrity gallery, look inside.

Everything here is stored in moto's backends, so it is isolated per test and reset with them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from .backend.backends import RekognitionBackend, rekognition_backends, scripts_for
from .backend.scripts import (
    Celebrity,
    ImageLike,
    Scripts,
    celebrity_id,
    image_ref,
    image_source,
)
from .botocore_model import service_model
from .defaults import (
    CELEBRITY_MATCH_CONFIDENCE,
    DIFFERENT_PERSON_SIMILARITY,
    SAME_PERSON_SIMILARITY,
)

GENDERS = ("Male", "Female", "Nonbinary", "Unlisted")  # KnownGender types


def _read(photo: bytes | str | os.PathLike[str]) -> bytes:
    data = image_source(photo)
    if not isinstance(data, bytes):
        raise TypeError("a celebrity's photos are bytes or file paths")
    return data


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
        known = service_model().shape_for("FaceDetail").members
        unknown = sorted(set(fields) - set(known))
        if unknown:
            raise ValueError(f"not FaceDetail fields: {unknown}; known: {sorted(known)}")
        self.scripts.set_fields(image_ref(image), face, fields)

    def same_person(
        self, a: ImageLike, b: ImageLike, similarity: float = SAME_PERSON_SIMILARITY,
        face_a: int = 0, face_b: int = 0,
    ) -> None:
        """Make face ``face_a`` of ``a`` and ``face_b`` of ``b`` match at ``similarity``."""
        if not 0.0 <= similarity <= 100.0:
            raise ValueError("similarity is a percentage, 0..100")
        self.scripts.set_pair((image_ref(a), face_a), (image_ref(b), face_b), float(similarity))

    def different_person(
        self, a: ImageLike, b: ImageLike, similarity: float = DIFFERENT_PERSON_SIMILARITY,
        face_a: int = 0, face_b: int = 0,
    ) -> None:
        """Make the two faces score ``similarity`` (low by default): never a match at the default
        threshold."""
        self.same_person(a, b, similarity, face_a, face_b)

    def add_celebrity(
        self,
        name: str,
        photos: Sequence[bytes | str | os.PathLike[str]] = (),
        urls: Sequence[str] = (),
        known_gender: str | None = None,
    ) -> str:
        """Register a celebrity recognised by face vector in ``photos``; return its stable Id."""
        if known_gender is not None and known_gender not in GENDERS:
            raise ValueError(f"known_gender must be one of {GENDERS}")
        celeb = Celebrity(
            id=celebrity_id(name),
            name=name,
            urls=list(urls),
            known_gender=known_gender,
            photos=[_read(p) for p in photos],
        )
        self.scripts.add_celebrity(celeb)
        return celeb.id

    def set_celebrity(
        self, image: ImageLike, celebrity: str, face: int = 0,
        match_confidence: float = CELEBRITY_MATCH_CONFIDENCE,
    ) -> None:
        """Recognise face ``face`` of ``image`` as the registered celebrity with Id ``celebrity``,
        at ``match_confidence``, whatever the face vectors say."""
        if self.scripts.celebrity(celebrity) is None:
            raise KeyError(f"no celebrity registered with Id {celebrity!r}")
        if not 0.0 <= match_confidence <= 100.0:
            raise ValueError("match_confidence is a percentage, 0..100")
        self.scripts.set_celebrity(image_ref(image), face, celebrity, match_confidence)
