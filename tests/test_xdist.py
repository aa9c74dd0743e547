"""pytest-xdist: a small suite using the plugin's fixtures gives the same answers with ``-n 2`` as
serially, each worker with its own mock state, the disk cache shared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"

SUITE = r'''
import json, os
from pathlib import Path
import pytest

DATA = Path(os.environ["SUITE_DATA"])
OUT = Path(os.environ["SUITE_OUT"])


def keep(name, response):
    response.pop("ResponseMetadata", None)
    record = {"worker": os.environ.get("PYTEST_XDIST_WORKER", "serial"), "response": response}
    (OUT / f"{name}.json").write_text(json.dumps(record, sort_keys=True))


@pytest.mark.parametrize("photo", ["obama.jpg", "obama2.jpg", "biden.jpg", "astronaut.png"])
def test_detect(rekognition_client, photo):
    image = {"Bytes": (DATA / photo).read_bytes()}
    keep(f"detect-{photo}", rekognition_client.detect_faces(Image=image, Attributes=["ALL"]))


@pytest.mark.parametrize("pair", [("obama.jpg", "obama2.jpg"), ("obama.jpg", "biden.jpg")])
def test_compare(rekognition_client, pair):
    a, b = ({"Bytes": (DATA / p).read_bytes()} for p in pair)
    keep(f"compare-{pair[1]}", rekognition_client.compare_faces(
        SourceImage=a, TargetImage=b, SimilarityThreshold=0))


@pytest.mark.parametrize("n", range(3))
def test_isolated_state(rekognition_client, n):
    assert rekognition_client.list_collections()["CollectionIds"] == []
    rekognition_client.create_collection(CollectionId="c")
    keep(f"index-{n}", rekognition_client.index_faces(
        CollectionId="c", Image={"Bytes": (DATA / "obama.jpg").read_bytes()}))
'''


def run_suite(tmp: Path, name: str, *args: str) -> dict[str, dict]:
    suite = tmp / "suite"
    suite.mkdir(exist_ok=True)
    (suite / "test_small.py").write_text(SUITE)
    out = tmp / name
    out.mkdir()
    env = dict(os.environ, SUITE_DATA=str(DATA), SUITE_OUT=str(out),
               REKMOCK_CACHE_DIR=str(tmp / "cache"))
    env.pop("REKMOCK_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "xdist", *args,
         str(suite)], cwd=tmp, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}


@pytest.mark.slow
def test_same_answers_serial_and_two_workers(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    parallel = run_suite(tmp_path, "parallel", "-n", "2")  # cold: both workers fill the cache
    serial = run_suite(tmp_path, "serial")
    assert len(serial) == 9 and serial.keys() == parallel.keys()
    assert {r["worker"] for r in parallel.values()} == {"gw0", "gw1"}
    for name in serial:
        assert serial[name]["response"] == parallel[name]["response"], name
