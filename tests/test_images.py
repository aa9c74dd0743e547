"""Image intake: formats, sizes, S3, EXIF, odd modes and hostile files."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from .helpers import error_code, photo


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **kw)
    return out.getvalue()


def _png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few hundred bytes of PNG that declares width x height pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def _detect(client, data: bytes) -> list:
    return client.detect_faces(Image={"Bytes": data})["FaceDetails"]


def test_not_jpeg_or_png(client) -> None:
    hopper = Image.open(io.BytesIO(photo("hopper.jpg")))
    for fmt in ("GIF", "BMP", "TIFF", "WEBP"):
        with pytest.raises(ClientError) as exc:
            _detect(client, _encode(hopper, fmt))
        assert error_code(exc) == "InvalidImageFormatException"
        assert exc.value.response["Error"]["Message"] == "Request has invalid image format"


def test_truncated_and_corrupt_files(client) -> None:
    jpeg = photo("obama.jpg")
    png = photo("astronaut.png")
    for data in (jpeg[: len(jpeg) // 3], png[:2000], jpeg[:4] + b"\x00" * 4000,
                 b"\x89PNG\r\n\x1a\n" + b"\xff" * 100):
        with pytest.raises(ClientError) as exc:
            _detect(client, data)
        assert error_code(exc) == "InvalidImageFormatException"


def test_decompression_bomb_is_refused_quickly(client) -> None:
    with pytest.raises(ClientError) as exc:
        _detect(client, _png_bomb())
    assert error_code(exc) == "ImageTooLargeException"


@pytest.mark.slow
def test_hostile_images_stay_under_1gb_of_memory(tmp_path) -> None:
    """Peak RSS of a fresh process fed bombs and huge images, measured by the OS."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_bomb(60_000, 60_000))
    script = f"""
import resource, boto3, json
from rekmock import mock_rekognition
from PIL import Image
import io
big = Image.new("RGB", (7000, 5000), (120, 100, 90))
buf = io.BytesIO(); big.save(buf, "JPEG", quality=30)
with mock_rekognition():
    c = boto3.client("rekognition", region_name="us-east-1")
    codes = []
    for data in (open({str(bomb)!r}, "rb").read(), buf.getvalue()):
        try:
            codes.append(len(c.detect_faces(Image={{"Bytes": data}})["FaceDetails"]))
        except Exception as e:
            codes.append(e.response["Error"]["Code"])
print(json.dumps([codes, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, check=True)
    codes, max_rss_kb = json.loads(out.stdout.strip().splitlines()[-1])
    assert codes == ["ImageTooLargeException", 0]
    assert max_rss_kb < 1024 * 1024


def test_too_small(client) -> None:
    small = Image.open(io.BytesIO(photo("hopper.jpg"))).resize((79, 120))
    with pytest.raises(ClientError) as exc:
        _detect(client, _encode(small, "PNG"))
    assert error_code(exc) == "InvalidParameterException"


@pytest.mark.parametrize("mode", ["L", "CMYK", "P", "RGBA", "LA", "I;16", "1"])
def test_every_pixel_mode_gives_the_face(client, mode) -> None:
    hopper = Image.open(io.BytesIO(photo("hopper.jpg"))).resize((256, 256))
    if mode == "I;16":
        converted = Image.fromarray(
            __import__("numpy").asarray(hopper.convert("L"), dtype="uint16") * 257
        )
        data = _encode(converted, "PNG")
    elif mode == "CMYK":
        data = _encode(hopper.convert("CMYK"), "JPEG")
    else:
        data = _encode(hopper.convert(mode), "PNG")
    faces = _detect(client, data)
    if mode == "1":  # a 1-bit dither has no face left to find; it must still answer cleanly
        assert isinstance(faces, list)
    else:
        assert len(faces) == 1


def test_exif_orientation_is_applied(client) -> None:
    upright = _detect(client, photo("hopper.jpg"))[0]["BoundingBox"]
    rotated = _detect(client, photo("hopper_orientation_6.jpg"))[0]["BoundingBox"]
    for key in ("Left", "Top", "Width", "Height"):
        assert rotated[key] == pytest.approx(upright[key], abs=0.02)


def test_s3_objects_and_versions(client, s3) -> None:
    s3.create_bucket(Bucket="photos")
    s3.put_bucket_versioning(Bucket="photos", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="photos", Key="p.jpg", Body=photo("obama.jpg"))["VersionId"]
    s3.put_object(Bucket="photos", Key="p.jpg", Body=photo("coffee.jpg"))
    latest = client.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "p.jpg"}})
    assert latest["FaceDetails"] == []
    old = client.detect_faces(
        Image={"S3Object": {"Bucket": "photos", "Name": "p.jpg", "Version": first}}
    )
    assert len(old["FaceDetails"]) == 1
    by_bytes = client.detect_faces(Image={"Bytes": photo("obama.jpg")})
    assert old["FaceDetails"] == by_bytes["FaceDetails"]


@pytest.mark.parametrize(
    "s3object",
    [{"Bucket": "nobucket", "Name": "p.jpg"}, {"Bucket": "photos", "Name": "missing.jpg"},
     {"Bucket": "photos", "Name": "p.jpg", "Version": "nosuchversion"}],
)
def test_s3_problems(client, s3, s3object) -> None:
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="p.jpg", Body=photo("obama.jpg"))
    with pytest.raises(ClientError) as exc:
        client.detect_faces(Image={"S3Object": s3object})
    assert error_code(exc) == "InvalidS3ObjectException"
    assert exc.value.response["Error"]["Message"].startswith("Unable to get object metadata")


def test_s3_object_over_15_mb(client, s3) -> None:
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="big.jpg", Body=b"\xff\xd8\xff" + b"\0" * (15 << 20))
    with pytest.raises(ClientError) as exc:
        client.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "big.jpg"}})
    assert error_code(exc) == "ImageTooLargeException"
