"""Search and IndexFaces figures, through boto3 against the mock.

    python benchmarks/search_bench.py [--sizes 100000 1000000] [--repeat 30]

* SearchFaces and SearchFacesByImage median latency on collections bulk-loaded with random unit
  vectors (``Collection.bulk_load``) plus one real indexed face (the probe); the probe image's
  analysis is cached, so SearchFacesByImage measures the search, not the vision.
* Memory per stored face beyond its 512-byte vector (tracemalloc over a bulk load).
* IndexFaces milliseconds per face: first sight (vision runs) and repeated (analysis cached, a
  new ExternalImageId so the faces are stored again), and a same-ExternalImageId replay.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

# First-sight figures must not come from the disk cache of an earlier run.
os.environ["REKMOCK_CACHE"] = "off"

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))

from rekmock import mock_rekognition  # noqa: E402
from rekmock.backend.collection import Collection  # noqa: E402
from rekmock.backend.ids import IdFactory  # noqa: E402
from tests.helpers import median_ms as shared_median_ms  # noqa: E402

PHOTOS = ("obama.jpg", "obama2.jpg", "biden.jpg", "hopper.jpg", "astronaut.png")


def unit_vectors(n: int, seed: int = 0, chunk: int = 200_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, 128), dtype=np.float32)
    for a in range(0, n, chunk):
        v = rng.standard_normal((min(chunk, n - a), 128), dtype=np.float32)
        out[a : a + len(v)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    return shared_median_ms(fn, repeat, warm=True)


def bench_search(size: int, repeat: int) -> None:
    import boto3

    with mock_rekognition() as rek:
        client = boto3.client("rekognition", region_name="us-east-1")
        client.create_collection(CollectionId="bench")
        t = time.perf_counter()
        rek.backend().collections["bench"].bulk_load(unit_vectors(size))
        load_s = time.perf_counter() - t
        probe = (DATA / "obama2.jpg").read_bytes()
        face_id = client.index_faces(CollectionId="bench", Image={"Bytes": probe})[
            "FaceRecords"][0]["Face"]["FaceId"]
        by_id = median_ms(lambda: client.search_faces(CollectionId="bench", FaceId=face_id),
                          repeat)
        by_image = median_ms(
            lambda: client.search_faces_by_image(CollectionId="bench", Image={"Bytes": probe}),
            repeat,
        )
        print(f"{size:>9,} faces (bulk load {load_s:.1f} s): SearchFaces median {by_id:.2f} ms, "
              f"SearchFacesByImage median {by_image:.2f} ms")
    gc.collect()


def bench_memory(n: int = 200_000) -> None:
    vectors = unit_vectors(n, seed=1)
    coll = Collection("mem", "arn", IdFactory("mem"))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    coll.bulk_load(vectors)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per_face = (after - before) / n
    capacity_vectors = coll.faces.index.capacity * 128 * 4 / n
    print(f"memory: {per_face:.0f} B/face in all ({n:,} faces); vector matrix "
          f"{capacity_vectors:.0f} B/face incl. doubling slack; beyond the vector: "
          f"{per_face - capacity_vectors:.0f} B/face (each face its own ImageId)")


def bench_index_faces() -> None:
    import boto3

    with mock_rekognition():
        client = boto3.client("rekognition", region_name="us-east-1")
        client.create_collection(CollectionId="ix")
        images = [(DATA / p).read_bytes() for p in PHOTOS]

        def run(tag: str) -> float:
            faces, t = 0, time.perf_counter()
            for i, data in enumerate(images):
                resp = client.index_faces(CollectionId="ix", Image={"Bytes": data},
                                          ExternalImageId=f"{tag}-{i}", QualityFilter="NONE")
                faces += len(resp["FaceRecords"])
            return (time.perf_counter() - t) * 1000 / max(faces, 1)

        first = run("first")
        repeated = median_ms(lambda: run(f"again-{time.perf_counter_ns()}"), 5)
        replay = median_ms(lambda: run("first"), 5)
        print(f"IndexFaces: {first:.1f} ms/face first sight, {repeated:.2f} ms/face repeated "
              f"(analysis cached, stored anew), {replay:.2f} ms/face same-ExternalImageId replay")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    bench_index_faces()
    bench_memory()
    for size in args.sizes:
        bench_search(size, args.repeat)


if __name__ == "__main__":
    main()
