"""What a test suite pays for vision, run after run: the persistent cache, first sight, xdist.

    python benchmarks/suite_bench.py [../shared/data] [--fit] [--skip-pytest]

1. A mini-suite over 30 photos of ``verification/`` (DetectFaces ALL on each, IndexFaces of each,
   CompareFaces on the data set's pairs among them), run twice, each run in a fresh process, with
   one fresh cache directory: run 2 should take at most 15% of run 1's wall time, and a warm call
   at most 2x moto's canned CompareFaces measured in the same process. The photos are the data
   set's files (up to 2.3 MB); ``--fit`` makes them 640x480 JPEGs first, like most test photos.
2. First-sight CompareFaces (two 640x480 photos never seen, cache off, models loaded) against the
   do-it-yourself dlib code a user would write, as face_recognition does by default: HOG detector
   with one upsample, 68 landmarks, 128-d descriptor, both photos one after the other.
3. The same mini-suite as a pytest suite (the plugin's fixtures), serial and ``-n 2``, cold and
   warm.

Wall times on a shared machine are noisy: compare figures from the same run.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
PHOTOS = 30
MAX_PAIRS = 20
FIRST_SIGHT_PAIRS = 8
MOTO_RUNS = 60
MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
RUN2_BUDGET = 0.15  # run 2 / run 1
WARM_BUDGET = 2.0  # warm call / moto's canned CompareFaces
FIRST_SIGHT_BUDGET = 0.7  # rekmock / do-it-yourself dlib
FIT = "--fit"


def mini_suite(data: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """30 photos (relative paths, JPEG or PNG by content) and the data set's pairs among them."""
    folder = data / "verification"
    rows = list(csv.DictReader((folder / "pairs.csv").open()))
    photos: list[str] = []
    for row in rows:
        for rel in (row["img_a"], row["img_b"]):
            if (rel not in photos and len(photos) < PHOTOS
                    and (folder / rel).read_bytes()[:8].startswith(MAGIC)):
                photos.append(rel)
    pairs = [(r["img_a"], r["img_b"]) for r in rows
             if r["img_a"] in photos and r["img_b"] in photos][:MAX_PAIRS]
    return photos, pairs


def fitted(data: bytes) -> bytes:
    """The photo as a 640x480 JPEG (the same bytes every time)."""
    from PIL import Image, ImageOps

    buf = io.BytesIO()
    ImageOps.fit(Image.open(io.BytesIO(data)).convert("RGB"), (640, 480)).save(
        buf, "JPEG", quality=90)
    return buf.getvalue()


# -- one run of the mini-suite, in its own process --------------------------------------------


def prepare(data: Path, out: Path, fit: bool) -> None:
    """Write the mini-suite's photos (fitted or as they are) and a manifest into ``out``."""
    photos, pairs = mini_suite(data)
    out.mkdir()
    names = {}
    for n, rel in enumerate(photos):
        blob = (data / "verification" / rel).read_bytes()
        names[rel] = f"{n:02d}.jpg" if fit else f"{n:02d}{Path(rel).suffix}"
        (out / names[rel]).write_bytes(fitted(blob) if fit else blob)
    manifest = {"photos": [names[p] for p in photos],
                "pairs": [[names[a], names[b]] for a, b in pairs]}
    (out / "manifest.json").write_text(json.dumps(manifest))


def run_suite(folder: Path, launched: float) -> dict[str, Any]:
    """One run over a prepared folder; ``process_s`` counts from the parent's launch of this
    process to the suite's end (interpreter start and imports included, moto's calibration after
    the suite excluded)."""
    startup = time.time() - launched
    started = time.perf_counter()
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    manifest = json.loads((folder / "manifest.json").read_text())
    photos, pairs = manifest["photos"], [tuple(p) for p in manifest["pairs"]]
    blobs = {p: (folder / p).read_bytes() for p in photos}
    from rekmock import mock_rekognition

    calls: dict[str, list[float]] = {"DetectFaces ALL": [], "IndexFaces": [], "CompareFaces": []}
    answers: list[Any] = []

    def timed(label: str, fn: Any, **kw: Any) -> None:
        t = time.perf_counter()
        try:
            out = fn(**kw)
            out.pop("ResponseMetadata", None)
        except ClientError as exc:  # a photo with no face still gets the service's answer
            out = exc.response["Error"]["Code"]
        calls[label].append((time.perf_counter() - t) * 1000)
        answers.append(out)

    suite_start = time.perf_counter()
    with mock_rekognition():
        rek = boto3.client("rekognition", region_name="us-east-1")
        for p in photos:
            timed("DetectFaces ALL", rek.detect_faces, Image={"Bytes": blobs[p]},
                  Attributes=["ALL"])
        rek.create_collection(CollectionId="suite")
        for p in photos:
            timed("IndexFaces", rek.index_faces, CollectionId="suite",
                  Image={"Bytes": blobs[p]}, ExternalImageId=Path(p).stem)
        for a, b in pairs:
            timed("CompareFaces", rek.compare_faces, SourceImage={"Bytes": blobs[a]},
                  TargetImage={"Bytes": blobs[b]}, SimilarityThreshold=0)
    done = time.perf_counter()
    with mock_aws():  # moto's own canned answer, the floor of any mocked call: after the suite
        moto = boto3.client("rekognition", region_name="us-east-1")
        moto_ms = []
        for _ in range(MOTO_RUNS):
            t = time.perf_counter()
            moto.compare_faces(SourceImage={"Bytes": blobs[photos[0]]},
                               TargetImage={"Bytes": blobs[photos[1]]})
            moto_ms.append((time.perf_counter() - t) * 1000)
    from rekmock.faces.intake import decode

    t = time.perf_counter()
    for p in photos:  # what every process pays before the cache can answer: decoding
        decode(blobs[p])
    decode_s = time.perf_counter() - t
    return {
        "decode_s": decode_s,
        "suite_s": done - suite_start,
        "process_s": done - started + startup,
        "moto_ms": statistics.median(moto_ms),
        "calls": {k: statistics.median(v) for k, v in calls.items()},
        "all_calls_ms": statistics.median([x for v in calls.values() for x in v]),
        "answers": json.dumps(answers, sort_keys=True, default=str),
        "photos": len(photos),
        "pairs": len(pairs),
    }


# -- first sight against do-it-yourself dlib ---------------------------------------------------


def fresh_pairs(data: Path, count: int) -> list[tuple[bytes, bytes]]:
    """Pairs of 640x480 JPEGs of real faces, bytes never seen before (a unique comment)."""
    from PIL import Image, ImageOps

    folder = data / "verification"
    _, pairs = mini_suite(data)
    out = []
    stamp = f"{os.getpid()}-{time.time_ns()}"
    for n, pair in enumerate(pairs[:count]):
        blobs = []
        for side, rel in enumerate(pair):
            im = ImageOps.fit(Image.open(folder / rel).convert("RGB"), (640, 480))
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=90, comment=f"suite_bench {stamp}/{n}/{side}")
            blobs.append(buf.getvalue())
        out.append((blobs[0], blobs[1]))
    return out


def first_sight(data: Path) -> dict[str, Any]:
    os.environ["REKMOCK_CACHE"] = "off"
    import boto3
    import dlib
    import numpy as np
    from botocore.exceptions import ClientError
    from PIL import Image

    from rekmock import mock_rekognition
    from rekmock.vision.weights import dlib_model_path

    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(dlib_model_path("shape_predictor_68_face_landmarks.dat")))
    encoder = dlib.face_recognition_model_v1(
        str(dlib_model_path("dlib_face_recognition_resnet_model_v1.dat")))

    def diy(blob: bytes) -> list[Any]:
        rgb = np.asarray(Image.open(io.BytesIO(blob)).convert("RGB"))
        return [np.asarray(encoder.compute_face_descriptor(rgb, predictor(rgb, box), 0))
                for box in detector(rgb, 1)]

    warm_up, *pairs = fresh_pairs(data, FIRST_SIGHT_PAIRS + 1)
    diy(warm_up[0])
    rek_ms, diy_ms = [], []
    with mock_rekognition():
        rek = boto3.client("rekognition", region_name="us-east-1")
        rek.detect_faces(Image={"Bytes": warm_up[0]})  # load the models, not counted
        for a, b in pairs:
            t = time.perf_counter()
            with contextlib.suppress(ClientError):  # no face in one of them: still answered
                rek.compare_faces(SourceImage={"Bytes": a}, TargetImage={"Bytes": b})
            rek_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            diy(a)
            diy(b)
            diy_ms.append((time.perf_counter() - t) * 1000)
    return {"rekmock_ms": statistics.median(rek_ms), "diy_ms": statistics.median(diy_ms),
            "pairs": len(pairs)}


# -- the mini-suite under pytest, serial and -n 2 ---------------------------------------------

PYTEST_SUITE = r'''
import json
import os
from pathlib import Path
import pytest

DATA = Path(os.environ["SUITE_DATA"])
MANIFEST = json.loads((DATA / "manifest.json").read_text())
PHOTOS = MANIFEST["photos"]
PAIRS = [tuple(p) for p in MANIFEST["pairs"]]


@pytest.mark.parametrize("photo", PHOTOS)
def test_photo(rekognition_client, photo):
    image = {"Bytes": (DATA / photo).read_bytes()}
    found = rekognition_client.detect_faces(Image=image, Attributes=["ALL"])["FaceDetails"]
    rekognition_client.create_collection(CollectionId="c")
    indexed = rekognition_client.index_faces(CollectionId="c", Image=image)["FaceRecords"]
    assert len(indexed) <= len(found)


@pytest.mark.parametrize("pair", PAIRS)
def test_pair(rekognition_client, pair):
    from botocore.exceptions import ClientError
    a, b = ({"Bytes": (DATA / p).read_bytes()} for p in pair)
    try:
        rekognition_client.compare_faces(SourceImage=a, TargetImage=b)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InvalidParameterException"
'''


def pytest_runs(folder: Path, tmp: Path) -> dict[str, float]:
    suite = tmp / "pytest_suite"
    suite.mkdir()
    (suite / "test_mini.py").write_text(PYTEST_SUITE)
    out = {}
    for mode, args in (("serial", []), ("-n 2", ["-p", "xdist", "-n", "2"])):
        cache = tmp / f"pytest-cache-{mode.replace(' ', '')}"
        env = dict(os.environ, SUITE_DATA=str(folder), REKMOCK_CACHE_DIR=str(cache))
        env.pop("REKMOCK_CACHE", None)
        for state in ("cold", "warm"):
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                   *args, str(suite)], cwd=tmp, env=env, capture_output=True,
                                  text=True)
            out[f"{mode} {state}"] = time.perf_counter() - t
            if done.returncode != 0:
                raise SystemExit(f"pytest {mode} failed:\n{done.stdout[-2000:]}")
    return out


# -- driver -----------------------------------------------------------------------------------


def child(*args: str, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - t


def main() -> None:
    argv = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--child-suite" in sys.argv:
        print(json.dumps(run_suite(Path(argv[0]), float(argv[1]))))
        return
    if "--child-first-sight" in sys.argv:
        print(json.dumps(first_sight(Path(argv[0]))))
        return
    data = Path(argv[0]) if argv else DEFAULT_DATA
    with tempfile.TemporaryDirectory(prefix="rekmock-suite-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ, REKMOCK_CACHE_DIR=str(tmp / "cache"))
        env.pop("REKMOCK_CACHE", None)
        fit = FIT in sys.argv
        folder = tmp / "photos"
        prepare(data, folder, fit)
        run1, _ = child(str(folder), str(time.time()), "--child-suite", env=env)
        run2, _ = child(str(folder), str(time.time()), "--child-suite", env=env)
        wall1, wall2 = run1["process_s"], run2["process_s"]
        print(f"mini-suite: {run1['photos']} photos{' fitted to 640x480' if fit else ''}, "
              f"{run1['pairs']} CompareFaces pairs (DetectFaces ALL + IndexFaces per photo)")
        print(f"  run 1 (cold cache): process {wall1:.2f} s, calls {run1['suite_s']:.2f} s")
        print(f"  run 2 (warm cache): process {wall2:.2f} s, calls {run2['suite_s']:.2f} s")
        ratio = wall2 / wall1
        print(f"  run 2 / run 1: {ratio:.1%} of the process wall time "
              f"({run2['suite_s'] / run1['suite_s']:.1%} of the calls' time) "
              f"[budget {RUN2_BUDGET:.0%}: {'ok' if ratio <= RUN2_BUDGET else 'OVER'}]")
        print(f"  of which decoding the {run2['photos']} photos (Pillow, in every process): "
              f"{run2['decode_s']:.2f} s")
        print(f"  same answers in both runs: {run1['answers'] == run2['answers']}")
        print(f"  moto canned CompareFaces (run 2): {run2['moto_ms']:.2f} ms")
        for label, ms in run2["calls"].items():
            print(f"  warm {label}: median {ms:.2f} ms = {ms / run2['moto_ms']:.2f}x moto")
        warm = run2["all_calls_ms"] / run2["moto_ms"]
        print(f"  warm call, all kinds: median {run2['all_calls_ms']:.2f} ms = {warm:.2f}x moto "
              f"[budget {WARM_BUDGET:.0f}x: {'ok' if warm <= WARM_BUDGET else 'OVER'}]")
        for label, ms in run1["calls"].items():
            print(f"  cold {label}: median {ms:.1f} ms")

        first, _ = child(str(data), "--child-first-sight", env=env)
        ratio = first["rekmock_ms"] / first["diy_ms"]
        print(f"first-sight CompareFaces, 640x480 ({first['pairs']} pairs, medians): rekmock "
              f"{first['rekmock_ms']:.1f} ms, do-it-yourself dlib {first['diy_ms']:.1f} ms = "
              f"{ratio:.2f}x [budget {FIRST_SIGHT_BUDGET}x: "
              f"{'ok' if ratio <= FIRST_SIGHT_BUDGET else 'OVER'}]")

        if "--skip-pytest" not in sys.argv:
            runs = pytest_runs(folder, tmp)
            print("the mini-suite under pytest (process wall time):")
            for label, seconds in runs.items():
                print(f"  {label:<12} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
