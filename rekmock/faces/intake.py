"""Image intake: the request's ``Image`` member to upright RGB pixels, with AWS's errors.

Reads ``Bytes`` or an ``S3Object`` from moto's S3, checks size and format by content, decodes
with Pillow without trusting the header (decompression bombs, truncated files, odd modes), applies
the EXIF orientation, and caches the result by content hash so a suite that reuses a few photos
decodes each once.

Memory is bounded before any pixel is decoded (``Image.open`` reads only the header): the raster
Pillow would allocate, and for progressive JPEGs libjpeg's whole-image coefficient buffer, must
fit the budgets below; large baseline JPEGs are decoded at a reduced DCT scale instead. One image
is decoded at a time per process, so concurrent requests cannot add bombs up. Pillow's warnings
(decompression bomb, corrupt EXIF) are caught inside, so answers never depend on the caller's
warnings filter and nothing is printed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from ..errors import (
    ImageTooLargeException,
    InvalidImageFormatException,
    InvalidParameterException,
    InvalidS3ObjectException,
)

S3_MAX_BYTES = 15 * 1024 * 1024
MIN_SIDE = 80
# Largest raster decoded, in pixels (Pillow stores up to 4 bytes each: 64 MB). JPEGs above it are
# decoded at a reduced DCT scale (faces stay proportionally as large); other images are refused.
MAX_PIXELS = 16_000_000
_STORED_BYTES_PER_PIXEL = 4
# libjpeg keeps every DCT coefficient (2 bytes per sample) of a progressive JPEG in memory,
# whatever the output scale: 128 MB is a 21 MP 4:4:4 or a 42 MP 4:2:0 colour photo.
MAX_PROGRESSIVE_COEFFICIENT_BYTES = 128 * 1024 * 1024
# Text and ICC chunks Pillow may inflate (its defaults refuse a 1 MB zTXt; the 15 MB input
# limit bounds what a chunk can hold anyway).
MAX_TEXT_CHUNK = 64 * 1024 * 1024
JPEG_MAGIC = b"\xff\xd8\xff"  # how a JPEG or PNG file starts (its format is judged by content)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MID_GREY = 128  # what libjpeg writes for blocks missing from a truncated scan
_decode_lock = threading.Lock()


class Pixels:
    """An image's upright RGB pixels (HxWx3 uint8), decoded on first use and then kept.

    An image whose analysis the disk cache already holds need never be decoded at all."""

    def __init__(self, rgb: np.ndarray | None = None,
                 decode_fn: Callable[[], np.ndarray] | None = None) -> None:
        self._rgb = rgb
        self._decode = decode_fn
        self._lock = threading.Lock()

    def __call__(self) -> np.ndarray:
        with self._lock:
            if self._rgb is None:
                assert self._decode is not None
                self._rgb = self._decode()
                self._decode = None  # drop the encoded bytes it held
            return self._rgb


@dataclass(frozen=True)
class LoadedImage:
    """One request image: its content key, upright size and (lazy) pixels, and where it came
    from."""

    key: str  # sha256 of the encoded bytes: the cache key for everything derived
    width: int  # upright size of the original image, in pixels
    height: int
    pixels: Pixels = field(repr=False, compare=False)
    s3_location: tuple[str, str] | None = None  # (bucket, name) when read from S3

    @property
    def rgb(self) -> np.ndarray:
        """HxWx3 uint8, EXIF orientation applied (decoded now if not yet)."""
        return self.pixels()


class _LRU:
    """A small thread-safe LRU of decoded images, bounded by total pixels."""

    def __init__(self, max_pixels: int = 2 * MAX_PIXELS) -> None:
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
        size = item.width * item.height  # an upper bound of what its pixels take, decoded
        with self._lock:
            if item.key in self._items:
                return
            self._items[item.key] = item
            self._pixels += size
            while self._pixels > self._max and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._pixels -= old.width * old.height


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
        arr = np.asarray(im, dtype=np.float32)
        top = float(arr.max()) or 1.0
        grey = np.clip(arr * np.float32(255.0 / top), 0, 255).astype(np.uint8)
        del arr
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Transparent pixels become white, as a viewer shows them on a page.
        rgba = im if im.mode == "RGBA" else im.convert("RGBA")
        back = Image.new("RGB", rgba.size, (255, 255, 255))
        back.paste(rgba, mask=rgba.getchannel("A"))
        im = back
    elif im.mode != "RGB":
        im = im.convert("RGB")
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def _is_progressive(im: Image.Image) -> bool:
    return bool(im.info.get("progressive") or im.info.get("progression"))


def _jpeg_samples(im: Image.Image) -> list[int]:
    """Samples per component of a JPEG at full size, each padded to whole 8x8 blocks
    (Pillow's ``layer``: component id, horizontal and vertical sampling, table)."""
    width, height = im.size
    layers = getattr(im, "layer", None) or [(0, 1, 1, 0)]
    hmax = max(layer[1] for layer in layers) or 1
    vmax = max(layer[2] for layer in layers) or 1
    return [
        _blocks(width * h / hmax) * _blocks(height * v / vmax) * 64 for _, h, v, _ in layers
    ]


def _blocks(samples: float) -> int:
    return math.ceil(math.ceil(samples) / 8)


def _check_budget(im: Image.Image) -> None:
    """Refuse or scale down, from the header alone, what would not fit in memory."""
    if im.format == "JPEG":
        # libjpeg holds a progressive JPEG's coefficients (2 bytes a sample) at full size.
        if _is_progressive(im) and 2 * sum(_jpeg_samples(im)) > MAX_PROGRESSIVE_COEFFICIENT_BYTES:
            raise ImageTooLargeException()
        width, height = im.size
        if width * height > MAX_PIXELS:
            # libjpeg scales by 1/2, 1/4 or 1/8; draft() picks the smallest result at least
            # the size asked for, so ask for the size at the first of those that fits.
            scale = 2 ** math.ceil(math.log2(math.sqrt(width * height / MAX_PIXELS)))
            im.draft("RGB", (math.ceil(width / scale), math.ceil(height / scale)))
    width, height = im.size
    if width * height > MAX_PIXELS:
        raise ImageTooLargeException()


def _scan_too_short(data: bytes, im: Image.Image) -> bool:
    """A baseline JPEG scan shorter than its header's blocks need: at least 2 bits each (a DC
    code and an end-of-block code). Progressive scans can code runs of empty blocks: not
    checked here (see :func:`_grey_tail`)."""
    if im.format != "JPEG" or _is_progressive(im):
        return False
    start = data.find(b"\xff\xda")  # start of scan
    # Huffman-coded frames only (SOF0/SOF1): arithmetic coding can spend less on a flat block.
    huffman = any(0 < data.find(marker) < start for marker in (b"\xff\xc0", b"\xff\xc1"))
    return huffman and (len(data) - start) * 8 < 2 * (sum(_jpeg_samples(im)) // 64)


def _grey_tail(rgb: np.ndarray) -> bool:
    """libjpeg fills the blocks missing from a truncated scan with exact mid grey and only
    warns: a bottom strip of it under an image that is not all mid grey is a truncated file."""
    tail = rgb[-max(1, rgb.shape[0] // 64):]
    return bool((tail == _MID_GREY).all()) and not bool((rgb == _MID_GREY).all())


def _decode(data: bytes) -> tuple[np.ndarray, int, int]:
    im = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
    width, height = im.size  # the header's, before any reduced-scale decoding
    jpeg = im.format == "JPEG"
    if _scan_too_short(data, im):
        raise InvalidImageFormatException()
    _check_budget(im)
    im.load()
    orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
    rgb = _to_rgb(im)
    del im
    if jpeg and _grey_tail(rgb):
        raise InvalidImageFormatException()
    rgb = _upright(rgb, orientation)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return rgb, width, height


_ORIENT = {  # EXIF orientation -> the numpy view that makes the image upright
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


def _upright(rgb: np.ndarray, orientation: int) -> np.ndarray:
    """EXIF orientation applied as a numpy view and one copy (Pillow's transpose makes more)."""
    op = _ORIENT.get(orientation)
    return rgb if op is None else np.ascontiguousarray(op(rgb))


def decode(data: bytes) -> tuple[np.ndarray, int, int]:
    """Decode JPEG/PNG bytes to upright RGB; return pixels and the upright full-size dimensions."""
    if not (data.startswith((JPEG_MAGIC, PNG_MAGIC))):
        raise InvalidImageFormatException()
    with _decode_lock, warnings.catch_warnings():
        # Pillow warns (bomb, corrupt EXIF) through the caller's filter, which may turn
        # warnings into errors: decide here, once, and print nothing.
        warnings.simplefilter("ignore")
        # Pillow's switches are module globals; set for this decode (under the lock) and put
        # back, so a caller's own settings are unchanged afterwards.
        saved = (ImageFile.LOAD_TRUNCATED_IMAGES, PngImagePlugin.MAX_TEXT_CHUNK,
                 PngImagePlugin.MAX_TEXT_MEMORY)
        ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an invalid image
        PngImagePlugin.MAX_TEXT_CHUNK = PngImagePlugin.MAX_TEXT_MEMORY = MAX_TEXT_CHUNK
        try:
            return _decode(data)
        except (ImageTooLargeException, InvalidImageFormatException):
            raise
        except (MemoryError, Image.DecompressionBombError):
            raise ImageTooLargeException() from None
        except Exception:  # truncated, corrupt or hostile data: Pillow raises many kinds
            raise InvalidImageFormatException() from None
        finally:
            (ImageFile.LOAD_TRUNCATED_IMAGES, PngImagePlugin.MAX_TEXT_CHUNK,
             PngImagePlugin.MAX_TEXT_MEMORY) = saved


def load_image(
    image: dict[str, Any] | None, account_id: str, partition: str = "aws",
    min_side: int = MIN_SIDE, max_side: int | None = None,
) -> LoadedImage:
    """The request's ``Image`` member (blobs already decoded) as upright pixels. An image with
    a side under ``min_side`` pixels is refused (80 for most operations, 64 for
    DetectProtectiveEquipment), and one over ``max_side`` is too large (the guide sets it for
    DetectLabels, DetectModerationLabels and DetectProtectiveEquipment)."""
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
        cached = _intake(key, data)
        _cache.put(cached)
    if min(cached.width, cached.height) < min_side:
        raise InvalidParameterException()  # the service words it no better
    if max_side is not None and max(cached.width, cached.height) > max_side:
        raise ImageTooLargeException()
    if location is None:
        return cached
    return dataclasses.replace(cached, s3_location=location)


def _intake(key: str, data: bytes) -> LoadedImage:
    """Decode (and check) the image, unless the disk cache recorded that these very bytes
    decoded before: then only their size is read back and the pixels wait until needed."""
    from ..vision import disk_cache

    note = disk_cache.read_note(f"intake:{key}")
    if note is not None:
        width, height = note.get("width"), note.get("height")
        if isinstance(width, int) and isinstance(height, int):
            return LoadedImage(key, width, height, Pixels(decode_fn=lambda: decode(data)[0]))
    rgb, width, height = decode(data)
    disk_cache.write_note(f"intake:{key}", {"width": width, "height": height})
    return LoadedImage(key, width, height, Pixels(rgb))
