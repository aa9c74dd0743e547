"""Requests per second of ``rekmock serve`` for repeated DetectFaces, with 1 and 8 clients.

Starts ``python -m rekmock serve --port 0`` in a subprocess (or uses ``--endpoint-url``), warms
the image cache with one call, then has each client (its own boto3 client and thread) send the
same DetectFaces request. What it measures is the HTTP, moto and response path around a cached
analysis, which is what a test suite reusing a few photos pays per call.

    python benchmarks/server_bench.py [--requests 400] [--image tests/data/obama.jpg]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import ServerProcess  # noqa: E402


def client(url: str, pool: int) -> Any:
    return boto3.client("rekognition", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"max_attempts": 1}, max_pool_connections=pool))


def run(url: str, image: bytes, clients: int, total: int) -> tuple[float, list[float]]:
    """(requests per second, per-request latencies in ms) for ``total`` requests."""
    per_client = max(1, total // clients)
    rekognitions = [client(url, 2) for _ in range(clients)]
    for rek in rekognitions:  # connect and sign once outside the timing
        rek.detect_faces(Image={"Bytes": image})

    def work(rek: Any) -> list[float]:
        times = []
        for _ in range(per_client):
            t0 = time.perf_counter()
            rek.detect_faces(Image={"Bytes": image})
            times.append((time.perf_counter() - t0) * 1000.0)
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [t for times in pool.map(work, rekognitions) for t in times]
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per run")
    parser.add_argument("--image", default=str(ROOT / "tests" / "data" / "obama.jpg"))
    parser.add_argument("--endpoint-url", help="benchmark a server that is already running")
    args = parser.parse_args()
    image = Path(args.image).read_bytes()

    with tempfile.TemporaryDirectory() as scratch:
        proc = None if args.endpoint_url else ServerProcess(Path(scratch) / "serve.log")
        url = args.endpoint_url or proc.url
        try:
            t0 = time.perf_counter()
            client(url, 1).detect_faces(Image={"Bytes": image})
            print(f"first DetectFaces (image analysed): {(time.perf_counter() - t0) * 1000:.0f} ms")
            for clients in (1, 8):
                rate, ms = run(url, image, clients, args.requests)
                q = statistics.quantiles(ms, n=20)
                print(f"{clients} client{'s' if clients > 1 else ' '}: {rate:7.1f} req/s, "
                      f"{statistics.mean(ms):6.1f} ms/request mean, p50 {q[9]:.1f} ms, "
                      f"p95 {q[18]:.1f} ms ({len(ms)} requests)")
        finally:
            if proc is not None:
                proc.stop()


if __name__ == "__main__":
    main()
