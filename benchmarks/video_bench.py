"""Seconds of analysis per second of 640x480 video, through boto3 against the mock.

Usage (from the project root)::

    python benchmarks/video_bench.py [--repeat N]

Times StartFaceDetection (DEFAULT and ALL), StartFaceSearch against a two-face collection,
StartPersonTracking, StartLabelDetection and StartSegmentDetection (every frame, both types) on
``tests/data/two_people.mp4`` (H.264, 640x480, 10 fps, 5 s), each with a cold vision cache, and
prints the median of ``--repeat`` runs divided by the clip's duration. The Start does the whole
analysis (decode, one frame per 200 ms, faces, vectors for search), so its time is the cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import boto3

# First-sight figures must not come from the disk cache of an earlier run.
os.environ["REKMOCK_CACHE"] = "off"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rekmock import mock_rekognition  # noqa: E402
from rekmock.vision import api as vision_api  # noqa: E402

DATA = ROOT / "tests" / "data"
CLIP = "two_people.mp4"
CLIP_SECONDS = 5.0


def _timed(start: Any, **kwargs: Any) -> float:
    vision_api.clear_cache()
    began = time.perf_counter()
    start(**kwargs)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with mock_rekognition():
        s3 = boto3.client("s3", region_name="us-east-1")
        rek = boto3.client("rekognition", region_name="us-east-1")
        s3.create_bucket(Bucket="videos")
        s3.put_object(Bucket="videos", Key=CLIP, Body=(DATA / CLIP).read_bytes())
        rek.create_collection(CollectionId="c")
        for name in ("obama2.jpg", "biden.jpg"):
            rek.index_faces(CollectionId="c", Image={"Bytes": (DATA / name).read_bytes()})
        video = {"S3Object": {"Bucket": "videos", "Name": CLIP}}
        runs = {
            "StartFaceDetection DEFAULT": (rek.start_face_detection, {"Video": video}),
            "StartFaceDetection ALL": (rek.start_face_detection,
                                       {"Video": video, "FaceAttributes": "ALL"}),
            "StartFaceSearch": (rek.start_face_search, {"Video": video, "CollectionId": "c"}),
            "StartPersonTracking": (rek.start_person_tracking, {"Video": video}),
            "StartLabelDetection": (rek.start_label_detection, {"Video": video}),
            "StartSegmentDetection": (rek.start_segment_detection,
                                      {"Video": video, "SegmentTypes": ["SHOT", "TECHNICAL_CUE"]}),
        }
        for label, (start, kwargs) in runs.items():
            times = [_timed(start, **kwargs) for _ in range(args.repeat)]
            median = statistics.median(times)
            print(f"{label:28s} {median:6.2f} s for {CLIP_SECONDS:.0f} s of video: "
                  f"{median / CLIP_SECONDS:.2f} s per second of 640x480 video")


if __name__ == "__main__":
    main()
