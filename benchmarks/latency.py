"""Per-call latency of rekmock through boto3, beside moto's own canned CompareFaces.

    python benchmarks/latency.py [../shared/data]

Prints median milliseconds for: ``import rekmock`` on top of ``import moto``; moto's canned
CompareFaces (no vision: the floor for any mocked call); DetectFaces DEFAULT and ALL,
CompareFaces, DetectLabels (with and without IMAGE_PROPERTIES) and DetectProtectiveEquipment on
first sight of a 640x480 photo and repeated. First-sight photos are distinct real
photos (from the data folder when given, else the test photos again, each saved with a unique JPEG
comment), so every call pays for decoding and vision once.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

# First-sight figures must not come from the disk cache of an earlier run (same salts, same bytes).
os.environ["REKMOCK_CACHE"] = "off"

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))

from tests.helpers import median_ms as shared_median_ms  # noqa: E402


def median_ms(fn: Callable[[], object], runs: int) -> float:
    from botocore.exceptions import ClientError

    def call() -> None:
        with contextlib.suppress(ClientError):  # a crop with no face still gets an answer
            fn()

    return shared_median_ms(call, runs)


def import_cost() -> tuple[float, float]:
    """Seconds to import moto alone, and moto then rekmock, each in a fresh interpreter."""
    def timed(code: str) -> float:
        runs = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, "-c",
                 f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"],
                capture_output=True, text=True, check=True)
            runs.append(float(out.stdout))
        return statistics.median(runs)

    return timed("import moto, boto3"), timed("import moto, boto3, rekmock")


def photos_640x480(data: Path | None, count: int, salt: int = 0,
                   sources: list[Path] | None = None) -> Iterator[bytes]:
    """Distinct 640x480 JPEGs of real faces, or of ``sources`` (a different ``salt`` gives
    different bytes)."""
    from PIL import Image, ImageOps

    sources = list(sources or [])
    if not sources and data is not None and (data / "verification" / "images").is_dir():
        sources = sorted((data / "verification" / "images").glob("*/*"))
    if not sources:
        sources = [TEST_DATA / n for n in ("obama.jpg", "obama2.jpg", "biden.jpg",
                                           "astronaut.png", "hopper.jpg")]
    made = 0
    while made < count:
        for path in sources:
            im = ImageOps.fit(Image.open(path).convert("RGB"), (640, 480))
            out = io.BytesIO()
            # A unique comment makes new bytes (so nothing is cached) with the same pixels.
            im.save(out, "JPEG", quality=90, comment=f"rekmock benchmark {salt}/{made}")
            yield out.getvalue()
            made += 1
            if made == count:
                return


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    runs = 25
    moto_s, both_s = import_cost()
    extra = (both_s - moto_s) * 1000
    print(f"import moto, boto3: {moto_s * 1000:.0f} ms; + rekmock: {extra:+.0f} ms")

    import boto3
    from moto import mock_aws

    sample = next(photos_640x480(None, 1))
    with mock_aws():  # moto's own canned Rekognition, before rekmock is installed
        moto_client = boto3.client("rekognition", region_name="us-east-1")
        moto_ms = median_ms(lambda: moto_client.compare_faces(
            SourceImage={"Bytes": sample}, TargetImage={"Bytes": sample}), runs * 4)
    print(f"moto canned CompareFaces: {moto_ms:.2f} ms (the floor for a mocked call)")

    from rekmock import mock_rekognition

    with mock_rekognition():
        client = boto3.client("rekognition", region_name="us-east-1")
        client.detect_faces(Image={"Bytes": sample})  # load models once, not counted
        rows: list[tuple[str, float, float]] = []
        for salt, (label, call) in enumerate([
            ("DetectFaces DEFAULT", lambda a, b: client.detect_faces(Image={"Bytes": a})),
            ("DetectFaces ALL",
             lambda a, b: client.detect_faces(Image={"Bytes": a}, Attributes=["ALL"])),
            ("CompareFaces", lambda a, b: client.compare_faces(
                SourceImage={"Bytes": a}, TargetImage={"Bytes": b})),
            ("DetectLabels", lambda a, b: client.detect_labels(Image={"Bytes": a})),
            ("DetectLabels +props", lambda a, b: client.detect_labels(
                Image={"Bytes": a}, Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"])),
            ("DetectProtectiveEq.", lambda a, b: client.detect_protective_equipment(
                Image={"Bytes": a})),
        ], start=1):
            fresh = iter(list(photos_640x480(data, 2 * runs, salt)))  # made before timing
            first = median_ms(lambda: call(next(fresh), next(fresh)), runs)  # noqa: B023
            repeated = median_ms(lambda: call(sample, sample), runs * 2)  # noqa: B023
            rows.append((label, first, repeated))
        # A photo without a face is also searched turned sideways and upside down.
        empty = list(photos_640x480(None, runs + 1, 9, [TEST_DATA / "coffee.jpg"]))
        faceless = iter(empty[1:])
        rows.append(("DetectFaces, no face", median_ms(
            lambda: client.detect_faces(Image={"Bytes": next(faceless)}), runs), median_ms(
            lambda: client.detect_faces(Image={"Bytes": empty[0]}), runs * 2)))
    print(f"{'640x480, one face':<22}{'first sight':>14}{'repeated':>12}{'x moto':>9}")
    for label, first, repeated in rows:
        print(f"{label:<22}{first:>11.1f} ms{repeated:>9.2f} ms{repeated / moto_ms:>8.2f}x")


if __name__ == "__main__":
    main()
