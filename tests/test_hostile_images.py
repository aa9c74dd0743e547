"""Hostile images (issue 9, points 8-10): memory bounded from the header before decoding,
truncated JPEGs refused, the same answer whatever the warnings filter, big metadata chunks
accepted.

Memory is measured in a fresh subprocess (peak RSS from ``resource.getrusage``), since pytest's
own process has already grown; the images are made here, none is committed.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from botocore.exceptions import ClientError
from PIL import Image, ImageFile, PngImagePlugin

from rekmock.faces import intake

from .helpers import ROOT, error_code, photo

# The aim of issue 9: no request above +300 MB; measured figures are in the README.
MAX_GROWTH_MB = 300

_CHILD = r"""
import json, resource, sys, threading
from rekmock.faces import intake
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from pathlib import Path
data = Path(sys.argv[1]).read_bytes()
results = []
def run():
    try:
        rgb, w, h = intake.decode(data)
        results.append([w, h, rgb.shape[1], rgb.shape[0]])
    except Exception as exc:
        results.append(type(exc).__name__)
threads = [threading.Thread(target=run) for _ in range(int(sys.argv[2]))]
[t.start() for t in threads]
[t.join() for t in threads]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"results": results, "growth_mb": (peak - base) / 1024}))
"""


def decode_in_child(path: Path, threads: int = 1, *flags: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, *flags, "-c", _CHILD, str(path), str(threads)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # nothing printed: no warnings leak
    return json.loads(done.stdout)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, depth: int) -> bytes:
    """An RGBA PNG of one colour: a few hundred KB claiming a raster of gigabytes."""
    row = b"\x00" + b"\x7f" * (4 * width * depth // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def jpeg_claiming(size: tuple[int, int], progressive: bool = False) -> bytes:
    """A real small JPEG whose frame header claims ``size``: its scan covers far less."""
    out = io.BytesIO()
    Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB").save(
        out, "JPEG", quality=90, progressive=progressive, subsampling=0)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc2" if progressive else b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", size[1], size[0])
    return bytes(data)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# 8. Memory is bounded from the header, before decoding.
@pytest.mark.slow
@pytest.mark.parametrize(("name", "make"), [
    ("rgba8.png", lambda: png_bomb(6320, 6320, 8)),
    ("rgba16.png", lambda: png_bomb(6320, 6320, 16)),
    ("progressive.jpg", lambda: jpeg_claiming((13000, 13000), progressive=True)),
])
def test_decompression_bombs_are_refused_from_the_header(tmp_path: Path, name: str,
                                                         make: Any) -> None:
    got = decode_in_child(write(tmp_path, name, make()), threads=3)
    assert got["results"] == ["ImageTooLargeException"] * 3
    assert got["growth_mb"] < 50  # nothing decoded


@pytest.mark.slow
def test_header_claiming_more_than_the_data_is_an_invalid_image(tmp_path: Path) -> None:
    got = decode_in_child(write(tmp_path, "claims.jpg", jpeg_claiming((6000, 6000))))
    assert got["results"] == ["InvalidImageFormatException"]
    assert got["growth_mb"] < 50
    with pytest.raises(intake.InvalidImageFormatException):  # found from the grey it leaves
        intake.decode(jpeg_claiming((3000, 3000), progressive=True))


def test_truncated_jpeg_with_an_end_marker_is_an_invalid_image(client: Any) -> None:
    data = photo("obama.jpg")
    with pytest.raises(ClientError) as exc:
        client.detect_faces(Image={"Bytes": data[: len(data) * 7 // 10] + b"\xff\xd9"})
    assert error_code(exc) == "InvalidImageFormatException"


@pytest.mark.slow
def test_largest_accepted_images_stay_within_the_budget(tmp_path: Path) -> None:
    """The worst images under the limits: a 16 MP RGBA PNG (the pixel budget, no reduced
    decoding), three at once, and a 24 MP JPEG (decoded at half scale)."""
    rng = np.random.default_rng(0)
    noise = (rng.random((60, 80, 4)) * 255).astype(np.uint8)
    side = int((intake.MAX_PIXELS * 4 / 3) ** 0.5)
    png = tmp_path / "worst.png"
    Image.fromarray(noise, "RGBA").resize((side, side * 3 // 4)).save(png, compress_level=1)
    got = decode_in_child(png, threads=3)
    assert got["results"] == [[side, side * 3 // 4, side, side * 3 // 4]] * 3
    assert got["growth_mb"] < MAX_GROWTH_MB
    jpeg = tmp_path / "big.jpg"
    Image.fromarray(noise[:, :, :3]).resize((6000, 4000)).save(jpeg, quality=80)
    got = decode_in_child(jpeg)
    assert got["results"] == [[6000, 4000, 3000, 2000]]
    assert got["growth_mb"] < MAX_GROWTH_MB


# 9. The same answer whatever the warnings filter, and nothing printed.
def corrupt_exif_jpeg() -> bytes:
    out = io.BytesIO()
    exif = (b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\x00\x00\x00\x01"
            b"\x00\x01\x00\x00\xff\xff")  # claims 5 entries, holds one and a half
    Image.open(io.BytesIO(photo("obama.jpg"))).save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


@pytest.mark.slow
def test_answers_do_not_depend_on_the_warnings_filter(tmp_path: Path) -> None:
    path = write(tmp_path, "exif.jpg", corrupt_exif_jpeg())
    plain = decode_in_child(path)["results"]
    assert plain == decode_in_child(path, 1, "-W", "error")["results"]
    assert isinstance(plain[0], list)


def test_no_warning_reaches_the_caller(rek: Any, client: Any) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("error")
        faces = client.detect_faces(Image={"Bytes": corrupt_exif_jpeg()})["FaceDetails"]
        warnings.simplefilter("always")
    assert len(faces) == 1
    assert [str(w.message) for w in seen] == []


def test_pillow_settings_of_the_caller_are_kept() -> None:
    before = (ImageFile.LOAD_TRUNCATED_IMAGES, PngImagePlugin.MAX_TEXT_CHUNK)
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        data = photo("obama.jpg")
        with pytest.raises(intake.InvalidImageFormatException):
            intake.decode(data[: len(data) // 2])  # truncated: refused even so
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True
        assert before[1] == PngImagePlugin.MAX_TEXT_CHUNK
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before[0]


# 10. Large metadata chunks Pillow can decode safely are accepted.
def test_large_ztxt_and_iccp_chunks_are_accepted(client: Any) -> None:
    im = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB")
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * 3_000_000, zip=True)
    ztxt = io.BytesIO()
    im.save(ztxt, "PNG", pnginfo=info)
    plain = io.BytesIO()
    im.save(plain, "PNG")
    data = plain.getvalue()
    profile = zlib.compress(np.random.default_rng(1).bytes(2_000_000))
    at = data.index(b"IDAT") - 4
    iccp = data[:at] + _chunk(b"iCCP", b"p\x00\x00" + profile) + data[at:]
    for image in (ztxt.getvalue(), iccp):
        assert len(client.detect_faces(Image={"Bytes": image})["FaceDetails"]) == 1
