"""What test authors script: field overrides, same/different person, and the celebrity gallery.

Images are named by content (any bytes or a file path) or by S3 location, so a scripted answer
follows the photo whichever way a request passes it. A test's script wins over what a replayed
recording says about the same photo (``backend.recorded``), which wins over vision.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from . import recorded

ImageRef = tuple[str, ...]  # ("sha256", hexdigest) or ("s3", bucket, name)
ImageLike = bytes | bytearray | str | os.PathLike[str] | dict[str, Any] | tuple[str, str]
ImageSource = bytes | tuple[str, str]  # the image's bytes, or its S3 (bucket, name)

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def image_source(image: ImageLike, *, base64_strings: bool = False) -> ImageSource:
    """The one parser of a scripted image: bytes, a file path, ``{"Bytes": ...}``, an S3
    location ``{"S3Object": {"Bucket", "Name"}}``, ``{"Bucket", "Name"}`` or ``("bucket", "key")``.

    ``base64_strings``: strings are base64 bytes, not paths (the control API's JSON form; a
    server never reads its clients' paths)."""
    if isinstance(image, (bytes, bytearray)):
        return bytes(image)
    if isinstance(image, tuple) and len(image) == 2:
        return (str(image[0]), str(image[1]))
    if isinstance(image, dict):
        if "Bytes" in image:
            return image_source(image["Bytes"], base64_strings=base64_strings)
        location = image.get("S3Object", image)
        return (str(location["Bucket"]), str(location["Name"]))
    if isinstance(image, str) and base64_strings:
        try:
            return base64.b64decode(image, validate=True)
        except binascii.Error:
            raise ValueError("image bytes are not valid base64") from None
    if isinstance(image, (str, os.PathLike)):
        with open(os.fspath(image), "rb") as fh:
            return fh.read()
    raise TypeError(f"not an image: {type(image).__name__}")


def image_ref(image: ImageLike) -> ImageRef:
    """Name an image: bytes or a path by content hash, an S3 location by bucket and key."""
    source = image_source(image)
    if isinstance(source, bytes):
        return ("sha256", hashlib.sha256(source).hexdigest())
    return ("s3", *source)


def refs_of(key: str, s3_location: tuple[str, str] | None) -> list[ImageRef]:
    """Every name a request image answers to."""
    refs: list[ImageRef] = [("sha256", key)]
    if s3_location is not None:
        refs.append(("s3", *s3_location))
    return refs


def celebrity_id(name: str) -> str:
    """A stable 8-character id like the service's, derived from the name."""
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    chars = []
    for _ in range(8):
        number, rest = divmod(number, 62)
        chars.append(_BASE62[rest])
    return "".join(chars)


@dataclass
class Celebrity:
    id: str
    name: str
    urls: list[str]
    known_gender: str | None
    photos: list[bytes]  # reference photos (encoded), matched by face vector


@dataclass
class Scripts:
    """Per-account scripted answers; reset with the rest of moto's state."""

    face_fields: dict[tuple[ImageRef, int], dict[str, Any]] = field(default_factory=dict)
    pairs: dict[frozenset[tuple[ImageRef, int]], float] = field(default_factory=dict)
    celebrity_faces: dict[tuple[ImageRef, int], tuple[str, float]] = field(default_factory=dict)
    celebrities: dict[str, Celebrity] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- writes (from RekognitionState); each takes the lock ------------------------------------

    def set_fields(self, ref: ImageRef, face: int, fields: dict[str, Any]) -> None:
        with self.lock:
            self.face_fields.setdefault((ref, face), {}).update(fields)

    def set_pair(self, a: tuple[ImageRef, int], b: tuple[ImageRef, int], similarity: float) -> None:
        with self.lock:
            self.pairs[frozenset({a, b})] = similarity

    def add_celebrity(self, celebrity: Celebrity) -> None:
        with self.lock:
            self.celebrities[celebrity.id] = celebrity

    def set_celebrity(self, ref: ImageRef, face: int, celebrity_id: str, confidence: float) -> None:
        with self.lock:
            if celebrity_id not in self.celebrities:
                raise KeyError(f"no celebrity registered with Id {celebrity_id!r}")
            self.celebrity_faces[(ref, face)] = (celebrity_id, confidence)

    # -- reads (from the service) ---------------------------------------------------------------

    def gallery(self) -> list[Celebrity]:
        """Every registered celebrity, by Id."""
        with self.lock:
            return sorted(self.celebrities.values(), key=lambda c: c.id)

    def celebrity(self, celebrity_id: str) -> Celebrity | None:
        with self.lock:
            return self.celebrities.get(celebrity_id)

    def scripted_pairs(self) -> list[frozenset[tuple[ImageRef, int]]]:
        """Pairs a test scripted, then pairs a replayed recording gave a similarity."""
        with self.lock:
            own = list(self.pairs)
        return own + [p for p in recorded.current().pairs() if p not in self.pairs]

    def mentions(self, refs: list[ImageRef]) -> bool:
        """Whether a test scripted anything about an image with one of these names."""
        names = set(refs)
        with self.lock:
            keys = [*self.face_fields, *self.celebrity_faces,
                    *(side for pair in self.pairs for side in pair)]
        return any(ref in names for ref, _ in keys)

    def fields_for(self, refs: list[ImageRef], index: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for ref in refs:
            out.update(self.face_fields.get((ref, index), {}))
        return out

    def pair_similarity(
        self, refs_a: list[ImageRef], index_a: int, refs_b: list[ImageRef], index_b: int
    ) -> float | None:
        """A test's scripted similarity of the two faces, else a replayed recording's."""
        for ra in refs_a:
            for rb in refs_b:
                found = self.pairs.get(frozenset({(ra, index_a), (rb, index_b)}))
                if found is not None:
                    return found
        return recorded.current().pair_similarity(refs_a, index_a, refs_b, index_b)

    def celebrity_for(self, refs: list[ImageRef], index: int) -> tuple[str, float] | None:
        for ref in refs:
            found = self.celebrity_faces.get((ref, index))
            if found is not None:
                return found
        return None
