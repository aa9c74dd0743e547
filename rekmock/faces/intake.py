"""Image intake: the request's ``Image`` member to upright RGB pixels, with AWS's errors.

Reads ``Bytes`` or an ``S3Object`` from moto's S3, checks size and format by content, decodes
with Pillow without trusting the header (decompression bombs, truncated files, odd modes), applies
the EXIF orientation, and caches the result by content hash so a suite that reuses a few photos
decodes each once.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageOps

from ..errors import (
    ImageTooLargeException,
    InvalidImageFormatException,
    InvalidParameterException,
    InvalidS3ObjectException,
)

S3_MAX_BYTES = 15 * 1024 * 1024
MIN_SIDE = 80
# Largest image decoded at full resolution. JPEGs above it are decoded at a reduced DCT scale
# (cheap, and faces stay proportionally as large); anything else above it is refused.
MAX_PIXELS = 40_000_000
DECODE_LONG_SIDE = 2560
JPEG_MAGIC = b"\xff\xd8\xff"  # how a JPEG or PNG file starts (its format is judged by content)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class LoadedImage:
    """Upright pixels of one request image and where they came from."""

    key: str  # sha256 of the encoded bytes: the cache key for everything derived
    rgb: np.ndarray  # HxWx3 uint8, EXIF orientation applied
    width: int  # upright size of the original image, in pixels
    height: int
    s3_location: tuple[str, str] | None = None  # (bucket, name) when read from S3


class _LRU:
    """A small thread-safe LRU of decoded images, bounded by total pixels."""

    def __init__(self, max_pixels: int = 64_000_000) -> None:
        self._items: OrderedDict[str, LoadedImage] = OrderedDict()
        self._pixels = 0
        self._max = max_pixels
        self._lock = threading.Lock()

    def get(self, key: str) -> LoadedImage | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, item: LoadedImage) -> None:
        size = item.rgb.shape[0] * item.rgb.shape[1]
        with self._lock:
            if item.key in self._items:
                return
            self._items[item.key] = item
            self._pixels += size
            while self._pixels > self._max and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._pixels -= old.rgb.shape[0] * old.rgb.shape[1]


_cache = _LRU()


def read_s3(s3object: dict[str, Any], account_id: str, partition: str) -> bytes:
    """The object's bytes from moto's S3, or InvalidS3ObjectException as the service says."""
    from moto.s3.models import s3_backends

    try:
        key = s3_backends[account_id][partition].get_object(
            s3object.get("Bucket", ""), s3object.get("Name", ""), version_id=s3object.get("Version")
        )
        value = key.value if key is not None else None
    except Exception:  # moto raises its own errors for a missing bucket or version
        value = None
    if value is None:
        raise InvalidS3ObjectException()
    return bytes(value)


def _to_rgb(im: Image.Image) -> np.ndarray:
    """Any Pillow mode (palette, alpha, CMYK, 16-bit, greyscale) to HxWx3 uint8."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        arr = np.asarray(im, dtype=np.float32)  # float32: a 40 MP image stays at 160 MB
        top = float(arr.max()) or 1.0
        grey = np.clip(arr * np.float32(255.0 / top), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Transparent pixels become white, as a viewer shows them on a page.
        rgba = im.convert("RGBA")
        back = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(back, rgba)
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))


def decode(data: bytes) -> tuple[np.ndarray, int, int]:
    """Decode JPEG/PNG bytes to upright RGB; return pixels and the upright full-size dimensions."""
    if not (data.startswith((JPEG_MAGIC, PNG_MAGIC))):
        raise InvalidImageFormatException()
    try:
        im = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
        width, height = im.size
        if width * height > MAX_PIXELS:
            if im.format != "JPEG":
                raise ImageTooLargeException()
            im.draft("RGB", (DECODE_LONG_SIDE, DECODE_LONG_SIDE))
            if im.size[0] * im.size[1] > MAX_PIXELS:
                raise ImageTooLargeException()
        im.load()
        orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
        upright = ImageOps.exif_transpose(im) or im
        rgb = _to_rgb(upright)
    except (ImageTooLargeException, InvalidImageFormatException):
        raise
    except (MemoryError, Image.DecompressionBombError):
        raise ImageTooLargeException() from None
    except Exception:  # truncated, corrupt or hostile data: Pillow raises many kinds
        raise InvalidImageFormatException() from None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return rgb, width, height


def load_image(
    image: dict[str, Any] | None, account_id: str, partition: str = "aws"
) -> LoadedImage:
    """The request's ``Image`` member (blobs already decoded) as upright pixels."""
    image = image or {}
    has_bytes = image.get("Bytes") is not None
    has_s3 = image.get("S3Object") is not None
    if has_bytes == has_s3:
        raise InvalidParameterException()
    location: tuple[str, str] | None = None
    if has_bytes:
        data: bytes = image["Bytes"]
    else:
        s3object = image["S3Object"]
        data = read_s3(s3object, account_id, partition)
        if len(data) > S3_MAX_BYTES:
            raise ImageTooLargeException()
        location = (s3object.get("Bucket", ""), s3object.get("Name", ""))
    key = hashlib.sha256(data).hexdigest()
    cached = _cache.get(key)
    if cached is None:
        rgb, width, height = decode(data)
        if width < MIN_SIDE or height < MIN_SIDE:
            raise InvalidParameterException()  # the service words it no better
        cached = LoadedImage(key=key, rgb=rgb, width=width, height=height)
        _cache.put(cached)
    if location is None:
        return cached
    return LoadedImage(cached.key, cached.rgb, cached.width, cached.height, location)
