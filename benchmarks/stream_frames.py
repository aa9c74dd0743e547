"""Time one frame through a RUNNING face search stream processor: ``send_stream_frame`` from
the call to the record on the Kinesis data stream in moto (photo pipeline, collection search,
record put).

    python benchmarks/stream_frames.py [runs]

The frames are obama2.jpg (a match) and biden.jpg (a stranger), the collection holds obama.jpg.
"first sight": each frame is new bytes (a unique JPEG comment, same pixels), so its analysis is
computed; "repeat": the same bytes again, answered from rekmock's cache of analyses. The disk
cache is off, so earlier runs do not help.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

os.environ["REKMOCK_CACHE"] = "off"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402
from PIL import Image  # noqa: E402

from rekmock import mock_rekognition  # noqa: E402
from tests.helpers import DATA, photo  # noqa: E402


def fresh(name: str, n: int) -> bytes:
    out = io.BytesIO()
    Image.open(DATA / name).save(out, "JPEG", quality=95, comment=f"stream frame {n}")
    return out.getvalue()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with mock_rekognition() as rek:
        rk = boto3.client("rekognition", region_name="us-east-1")
        video = boto3.client("kinesisvideo", region_name="us-east-1").create_stream(
            StreamName="cam")["StreamARN"]
        kinesis = boto3.client("kinesis", region_name="us-east-1")
        kinesis.create_stream(StreamName="out", ShardCount=1)
        data = kinesis.describe_stream(StreamName="out")["StreamDescription"]["StreamARN"]
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        rk.create_collection(CollectionId="c")
        rk.index_faces(CollectionId="c", Image={"Bytes": photo("obama.jpg")})
        rk.create_stream_processor(
            Name="cam", Input={"KinesisVideoStream": {"Arn": video}},
            Output={"KinesisDataStream": {"Arn": data}}, RoleArn=role,
            Settings={"FaceSearch": {"CollectionId": "c"}})
        rk.start_stream_processor(Name="cam")
        names = ("obama2.jpg", "biden.jpg")
        for name in names:  # load the models once
            rek.send_stream_frame("cam", photo(name))
        timings: dict[str, list[float]] = {"first sight": [], "repeat": []}
        for n in range(runs):
            for name in names:
                frame = fresh(name, n)
                for kind in timings:
                    start = time.perf_counter()
                    rek.send_stream_frame("cam", frame)
                    timings[kind].append((time.perf_counter() - start) * 1000)
        for kind, times in timings.items():
            print(f"{kind}: {len(times)} frames, median {statistics.median(times):.1f} ms, "
                  f"max {max(times):.1f} ms")


if __name__ == "__main__":
    main()
