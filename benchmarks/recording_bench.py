"""What record and replay cost per call, in-process.

Starts a ``rekmock serve`` subprocess as the stand-in service, records a few calls through
``mock_rekognition(record=DIR, upstream=...)``, stops it, then times, each warm (vision cache
filled, the median of ``--runs`` calls):

* DetectFaces answered from its recording (replay), against the same call computed by plain
  rekmock;
* IndexFaces into a collection with the image's recorded faces (replay), against plain rekmock;
* a DetectFaces call that has no recording (replay looks, finds nothing, computes);
* recording itself: a DetectFaces forwarded to the local stand-in and written down, against
  asking the stand-in directly;
* loading a directory of ``--files`` recordings (copies of those recorded, renamed).

    python benchmarks/recording_bench.py [--runs 30] [--files 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rekmock import mock_rekognition  # noqa: E402
from rekmock.recording import forward, modes  # noqa: E402
from tests.helpers import ServerProcess, median_ms, photo, strict_client  # noqa: E402


def _index(client: Any, image: bytes) -> None:
    client.create_collection(CollectionId="bench")
    client.index_faces(CollectionId="bench", Image={"Bytes": image})
    client.delete_collection(CollectionId="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    forward.forget_credentials()
    obama, hopper = photo("obama.jpg"), photo("hopper.jpg")
    work = Path(tempfile.mkdtemp(prefix="rekmock-bench-"))
    figures: dict[str, float] = {}
    try:
        service = ServerProcess(work / "service.log")
        try:
            direct = strict_client(endpoint_url=service.url)
            figures["service directly (DetectFaces)"] = median_ms(
                lambda: direct.detect_faces(Image={"Bytes": obama}), args.runs, warm=True)
            with mock_rekognition(record=work / "rec", upstream=service.url):
                client = strict_client()
                _index(client, obama)
                figures["recording (DetectFaces to the stand-in)"] = median_ms(
                    lambda: client.detect_faces(Image={"Bytes": obama}), args.runs, warm=True)
        finally:
            service.stop()
        with mock_rekognition():
            client = strict_client()
            figures["plain rekmock DetectFaces"] = median_ms(
                lambda: client.detect_faces(Image={"Bytes": obama}), args.runs, warm=True)
            figures["plain rekmock IndexFaces"] = median_ms(
                lambda: _index(client, obama), args.runs, warm=True)
            figures["plain rekmock DetectFaces, another photo"] = median_ms(
                lambda: client.detect_faces(Image={"Bytes": hopper}), args.runs, warm=True)
        with mock_rekognition(replay=work / "rec"):
            client = strict_client()
            figures["replayed DetectFaces (recorded)"] = median_ms(
                lambda: client.detect_faces(Image={"Bytes": obama}), args.runs, warm=True)
            figures["replay IndexFaces (recorded faces)"] = median_ms(
                lambda: _index(client, obama), args.runs, warm=True)
            figures["replay DetectFaces, another photo (no recording)"] = median_ms(
                lambda: client.detect_faces(Image={"Bytes": hopper}), args.runs, warm=True)
        many = work / "many"
        many.mkdir()
        sources = sorted((work / "rec").glob("*.json"))
        for i in range(args.files):
            shutil.copy(sources[i % len(sources)], many / f"copy-{i:05d}.json")
        started = time.perf_counter()
        modes.Replayer(many)
        figures[f"loading {args.files} recordings"] = (time.perf_counter() - started) * 1000.0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({k: round(v, 1) for k, v in figures.items()}, indent=2))


if __name__ == "__main__":
    main()
