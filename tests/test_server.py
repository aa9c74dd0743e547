"""Server mode: ``rekmock serve`` driven by aws-cli and boto3 over 127.0.0.1, the control API,
resets, the request log, concurrency, and a clean stop on SIGINT/SIGTERM.

One server subprocess serves the whole module (it loads the vision models once); it is stopped
with SIGTERM at the end, and that stop is itself checked.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from rekmock.control import Client, ControlError
from rekmock.server.app import Server, operation_name
from tests.helpers import DATA, ENV, ROOT, ServerProcess, error_code, photo, serving

pytestmark = pytest.mark.slow  # a rekmock serve subprocess, aws-cli


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with serving(tmp_path_factory.mktemp("server") / "serve.log") as proc:
        yield proc


@pytest.fixture
def server(module_server: ServerProcess) -> Iterator[ServerProcess]:
    """The module's server; rekmock's state (not S3's) is forgotten after each test."""
    yield module_server
    Client(module_server.url).reset()


def aws_cli() -> str:
    found = shutil.which("aws") or str(Path(sys.executable).with_name("aws"))
    if not Path(found).exists():
        pytest.skip("aws-cli is not installed")
    return found


def aws(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """One aws-cli command against the server (JSON output)."""
    return subprocess.run(
        [aws_cli(), "--endpoint-url", server.url, "--output", "json", *args],
        cwd=ROOT, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=60,
    )


def aws_json(server: ServerProcess, *args: str) -> dict[str, Any]:
    done = aws(server, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout or "{}")


def client(server: ServerProcess, service: str = "rekognition", **config: Any) -> Any:
    return boto3.client(
        service, endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, **config),
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- aws-cli --------------------------------------------------------------------------------


def test_cli_detect_faces_from_bytes(server: ServerProcess) -> None:
    out = aws_json(server, "rekognition", "detect-faces", "--image-bytes",
                   f"fileb://{DATA / 'obama.jpg'}", "--attributes", "ALL")
    faces = out["FaceDetails"]
    assert faces, "the mock sees no face in obama.jpg"
    largest = faces[0]
    assert {m["Type"] for m in largest["Landmarks"]} >= {"eyeLeft", "eyeRight", "nose"}
    assert len(largest["Landmarks"]) == 30
    box = largest["BoundingBox"]
    assert 0.1 < box["Width"] < 0.6 and 0.0 <= box["Left"] <= 1.0 - box["Width"]
    assert "AgeRange" in largest and largest["Confidence"] > 90


def test_cli_s3_upload_then_s3object(server: ServerProcess) -> None:
    bucket = unique("photos")
    assert aws(server, "s3", "mb", f"s3://{bucket}").returncode == 0
    done = aws(server, "s3", "cp", str(DATA / "astronaut.png"), f"s3://{bucket}/in/astronaut.png")
    assert done.returncode == 0, done.stderr
    image = json.dumps({"S3Object": {"Bucket": bucket, "Name": "in/astronaut.png"}})
    from_s3 = aws_json(server, "rekognition", "detect-faces", "--image", image)
    from_bytes = client(server).detect_faces(Image={"Bytes": photo("astronaut.png")})
    assert len(from_s3["FaceDetails"]) == 1
    assert from_s3["FaceDetails"] == from_bytes["FaceDetails"]


def test_cli_collection_lifecycle(server: ServerProcess) -> None:
    cid = unique("cli")
    created = aws_json(server, "rekognition", "create-collection", "--collection-id", cid)
    assert created["StatusCode"] == 200
    assert created["CollectionArn"].endswith(f":123456789012:collection/{cid}")
    indexed = aws_json(
        server, "rekognition", "index-faces", "--collection-id", cid, "--image-bytes",
        f"fileb://{DATA / 'obama.jpg'}", "--external-image-id", "obama", "--max-faces", "1",
    )
    assert len(indexed["FaceRecords"]) == 1
    face_id = indexed["FaceRecords"][0]["Face"]["FaceId"]
    found = aws_json(
        server, "rekognition", "search-faces-by-image", "--collection-id", cid,
        "--image-bytes", f"fileb://{DATA / 'obama2.jpg'}",
    )
    assert [m["Face"]["FaceId"] for m in found["FaceMatches"]] == [face_id]
    assert found["FaceMatches"][0]["Similarity"] >= 80
    listed = aws_json(server, "rekognition", "list-faces", "--collection-id", cid)
    assert [(f["FaceId"], f["ExternalImageId"]) for f in listed["Faces"]] == [(face_id, "obama")]
    aws_json(server, "rekognition", "delete-collection", "--collection-id", cid)
    gone = aws(server, "rekognition", "describe-collection", "--collection-id", cid)
    assert gone.returncode != 0
    assert "ResourceNotFoundException" in gone.stderr
    assert "Traceback" not in gone.stderr


def test_cli_shows_aws_error_codes(server: ServerProcess) -> None:
    missing = json.dumps({"S3Object": {"Bucket": unique("nobucket"), "Name": "x.jpg"}})
    done = aws(server, "rekognition", "detect-faces", "--image", missing)
    assert done.returncode != 0
    assert "InvalidS3ObjectException" in done.stderr
    done = aws(server, "rekognition", "compare-faces",
               "--source-image-bytes", f"fileb://{DATA / 'coffee.jpg'}",
               "--target-image-bytes", f"fileb://{DATA / 'obama.jpg'}")
    assert done.returncode != 0
    assert "InvalidParameterException" in done.stderr


# --- boto3 over HTTP ------------------------------------------------------------------------


def test_error_body_and_status_over_http(server: ServerProcess) -> None:
    rek = client(server, parameter_validation=False)
    with pytest.raises(ClientError) as exc:
        rek.detect_faces(Image={})
    assert error_code(exc) == "InvalidParameterException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_detect_labels_sees_people_in_server_mode(server: ServerProcess) -> None:
    names = [lb["Name"] for lb in client(server).detect_labels(
        Image={"Bytes": photo("obama.jpg")})["Labels"]]
    assert "Person" in names
    assert client(server).detect_labels(Image={"Bytes": photo("coffee.jpg")})["Labels"] == []


def test_request_log_has_one_line_per_request(server: ServerProcess) -> None:
    rek, s3 = client(server), client(server, "s3")
    bucket = unique("logged")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/b.jpg", Body=photo("hopper.jpg"))
    rek.detect_faces(Image={"S3Object": {"Bucket": bucket, "Name": "a/b.jpg"}})
    deadline = time.monotonic() + 5
    lines: list[str] = []
    while time.monotonic() < deadline:  # the line is written once the response has been sent
        lines = server.log().splitlines()
        if any(re.fullmatch(r"DetectFaces 200 \d+\.\d ms", line) for line in lines):
            break
        time.sleep(0.05)
    assert any(re.fullmatch(r"DetectFaces 200 \d+\.\d ms", line) for line in lines), lines[-5:]
    assert any(re.fullmatch(rf"s3 PUT /{bucket}/a/b\.jpg 200 \d+\.\d ms", li) for li in lines)
    assert any(re.fullmatch(rf"s3 PUT /{bucket} 200 \d+\.\d ms", li) for li in lines)


def test_operation_names_for_the_log() -> None:
    assert operation_name({"HTTP_X_AMZ_TARGET": "RekognitionService.IndexFaces",
                           "PATH_INFO": "/", "REQUEST_METHOD": "POST"}) == "IndexFaces"
    auth = ("AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host, Signature=x")
    assert operation_name({"HTTP_AUTHORIZATION": auth, "PATH_INFO": "/b/k.jpg",
                           "REQUEST_METHOD": "GET"}) == "s3 GET /b/k.jpg"
    auth = auth.replace("/s3/", "/sts/")
    assert operation_name({"HTTP_AUTHORIZATION": auth, "PATH_INFO": "/", "REQUEST_METHOD": "GET",
                           "QUERY_STRING": "Action=GetCallerIdentity"}) == "sts GetCallerIdentity"
    assert operation_name({"PATH_INFO": "/rekmock-api/reset", "REQUEST_METHOD": "POST"}) == (
        "rekmock-api POST /rekmock-api/reset"
    )


# --- control API ----------------------------------------------------------------------------


def test_control_same_and_different_person(server: ServerProcess) -> None:
    rek, ctl = client(server), Client(server.url)
    obama, biden = photo("obama.jpg"), photo("biden.jpg")

    def similarity() -> float | None:
        got = rek.compare_faces(SourceImage={"Bytes": obama}, TargetImage={"Bytes": biden})
        return got["FaceMatches"][0]["Similarity"] if got["FaceMatches"] else None

    ctl.same_person(DATA / "obama.jpg", biden, similarity=91.5)
    assert similarity() == pytest.approx(91.5)
    ctl.different_person(obama, DATA / "biden.jpg")
    assert similarity() is None


def test_control_set_face_by_s3_location(server: ServerProcess) -> None:
    rek, s3, ctl = client(server), client(server, "s3"), Client(server.url)
    bucket = unique("scripted")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="me.jpg", Body=photo("obama.jpg"))
    ctl.set_face({"Bucket": bucket, "Name": "me.jpg"}, Smile={"Value": False, "Confidence": 42.0},
                 AgeRange={"Low": 70, "High": 80})
    got = rek.detect_faces(Image={"S3Object": {"Bucket": bucket, "Name": "me.jpg"}},
                           Attributes=["ALL"])["FaceDetails"][0]
    assert got["Smile"] == {"Value": False, "Confidence": 42.0}
    assert got["AgeRange"] == {"Low": 70, "High": 80}
    # The same bytes passed inline are a different image name: not scripted.
    inline = rek.detect_faces(Image={"Bytes": photo("obama.jpg")},
                              Attributes=["ALL"])["FaceDetails"][0]
    assert inline["AgeRange"] != {"Low": 70, "High": 80}


def test_control_celebrities(server: ServerProcess) -> None:
    rek, ctl = client(server), Client(server.url)
    celeb = ctl.add_celebrity("Grace Hopper", urls=["www.example.com/hopper"],
                              known_gender="Female")
    assert re.fullmatch(r"[0-9A-Za-z]{8}", celeb)
    ctl.set_celebrity(DATA / "astronaut.png", celeb, match_confidence=97.0)
    got = rek.recognize_celebrities(Image={"Bytes": photo("astronaut.png")})
    assert [(c["Id"], c["Name"], c["MatchConfidence"]) for c in got["CelebrityFaces"]] == [
        (celeb, "Grace Hopper", 97.0)
    ]
    assert got["CelebrityFaces"][0]["KnownGender"] == {"Type": "Female"}
    # Registered with a reference photo: recognised by face vector in another photo.
    obama = ctl.add_celebrity("Barack Obama", photos=[DATA / "obama.jpg"])
    seen = rek.recognize_celebrities(Image={"Bytes": photo("obama2.jpg")})["CelebrityFaces"]
    assert [c["Id"] for c in seen] == [obama]


def test_control_acts_on_the_clients_account(server: ServerProcess) -> None:
    other = "111122223333"
    ctl = Client(server.url, account_id=other)
    ctl.set_face(photo("hopper.jpg"), Confidence=12.5)
    default = client(server)
    scoped = client(server)

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = other

    scoped.meta.events.register("before-sign.rekognition.*", add_header)
    image = {"Bytes": photo("hopper.jpg")}
    assert scoped.detect_faces(Image=image)["FaceDetails"][0]["Confidence"] == 12.5
    assert default.detect_faces(Image=image)["FaceDetails"][0]["Confidence"] != 12.5


def post(server: ServerProcess, path: str, body: bytes, method: str = "POST") -> tuple[int, Any]:
    request = urllib.request.Request(server.url + path, body, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/rekmock-api/set-face", b"{not json", 400, "not valid JSON"),
        ("/rekmock-api/set-face", b"[]", 400, "JSON object"),
        ("/rekmock-api/set-face", b'{"image": "%%%", "fields": {"Smile": {}}}', 400, "base64"),
        ("/rekmock-api/set-face", b'{"image": "aGk=", "fields": {"Smiling": 1}}', 400,
         "not FaceDetail fields"),
        ("/rekmock-api/set-face", b'{"image": "aGk="}', 400, "missing field(s): fields"),
        ("/rekmock-api/same-person", b'{"a": "aGk=", "b": "aGk=", "similarity": 101}', 400,
         "percentage"),
        ("/rekmock-api/same-person", b'{"a": "aGk=", "b": {"Bucket": "x"}}', 400, "Bucket"),
        ("/rekmock-api/set-celebrity", b'{"image": "aGk=", "celebrity": "nobody00"}', 400,
         "no celebrity"),
        ("/rekmock-api/add-celebrity", b'{"name": "X", "photos": ["aGk="]}', 400,
         "not a JPEG or PNG"),
        ("/rekmock-api/add-celebrity",
         b'{"name": "X", "photos": [{"Bucket": "nobucket-zz", "Name": "k"}]}', 400, "no object"),
        ("/rekmock-api/add-celebrity", b'{"name": "X", "known_gender": "Robot"}', 400,
         "known_gender"),
        ("/rekmock-api/add-celebrity", b'{"name": "X", "colour": 1}', 400, "unknown field"),
        ("/rekmock-api/nothing-here", b"{}", 404, "no endpoint"),
    ],
)
def test_control_errors_are_json_400s(
    server: ServerProcess, path: str, body: bytes, status: int, words: str
) -> None:
    got_status, got = post(server, path, body)
    assert got_status == status
    assert words in got["message"]
    assert "Traceback" not in got["message"]


def test_control_index_and_client_errors(server: ServerProcess) -> None:
    status, index = post(server, "/rekmock-api", None, method="GET")  # type: ignore[arg-type]
    assert status == 200
    assert "POST /rekmock-api/set-face" in index["endpoints"]
    with pytest.raises(ControlError) as exc:
        Client(server.url).set_celebrity(photo("hopper.jpg"), "nobody00")
    assert exc.value.status == 400 and "no celebrity" in exc.value.message


# --- resets ---------------------------------------------------------------------------------


def test_moto_reset_resets_rekmock_too(server: ServerProcess) -> None:
    rek, s3, ctl = client(server), client(server, "s3"), Client(server.url)
    cid = unique("reset")
    rek.create_collection(CollectionId=cid)
    ctl.set_face(photo("hopper.jpg"), Confidence=33.0)
    bucket = unique("kept")
    s3.create_bucket(Bucket=bucket)

    ctl.reset()  # rekmock only: collections and scripts go, S3 stays
    assert cid not in rek.list_collections()["CollectionIds"]
    hopper = {"Bytes": photo("hopper.jpg")}
    assert rek.detect_faces(Image=hopper)["FaceDetails"][0]["Confidence"] != 33.0
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    rek.create_collection(CollectionId=cid)
    ctl.set_face(photo("hopper.jpg"), Confidence=33.0)
    status, _ = post(server, "/moto-api/reset", b"")
    assert status == 200
    assert cid not in rek.list_collections()["CollectionIds"]
    assert rek.detect_faces(Image=hopper)["FaceDetails"][0]["Confidence"] != 33.0
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


# --- concurrency ----------------------------------------------------------------------------


def test_eight_concurrent_clients_lose_nothing(server: ServerProcess) -> None:
    cid = unique("busy")
    client(server).create_collection(CollectionId=cid)
    image = {"Bytes": photo("obama.jpg")}
    client(server).detect_faces(Image=image)  # analysed once, then cached

    def work(worker: int) -> list[str]:
        rek = client(server, max_pool_connections=2)
        face_ids = []
        for i in range(50):
            assert rek.detect_faces(Image=image)["FaceDetails"]
            records = rek.index_faces(CollectionId=cid, Image=image, MaxFaces=1,
                                      ExternalImageId=f"w{worker}-{i}")["FaceRecords"]
            assert len(records) == 1
            face_ids.append(records[0]["Face"]["FaceId"])
        return face_ids

    with ThreadPoolExecutor(8) as pool:
        indexed = [f for ids in pool.map(work, range(8)) for f in ids]
    assert len(indexed) == len(set(indexed)) == 400

    listed: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"CollectionId": cid, "MaxResults": 4096}
    for _ in range(10):
        page = client(server).list_faces(**kwargs)
        listed += page["Faces"]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert {f["FaceId"] for f in listed} == set(indexed)
    assert len({f["ExternalImageId"] for f in listed}) == 400
    assert client(server).describe_collection(CollectionId=cid)["FaceCount"] == 400


# --- the server as a library, and stopping --------------------------------------------------


def test_server_in_a_thread(tmp_path: Path) -> None:
    lines: list[str] = []
    with Server(port=0, log_line=lines.append) as srv:
        assert srv.endpoint_url == f"http://127.0.0.1:{srv.port}"
        url = srv.endpoint_url + "/rekmock-api"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert json.loads(response.read())["endpoints"]
        s3 = boto3.client("s3", endpoint_url=srv.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.create_bucket(Bucket="thread-mode")
        assert "thread-mode" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        s3.delete_bucket(Bucket="thread-mode")
    assert lines[0].startswith("rekmock-api GET /rekmock-api 200 ")
    assert any(line.startswith("s3 PUT /thread-mode 200") for line in lines)
    with pytest.raises(OSError):  # the socket is closed
        urllib.request.urlopen(url, timeout=2)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_cleanly_while_busy(tmp_path: Path, sig: int) -> None:
    """Exit 0, no traceback, even with requests in flight when the signal comes."""
    proc = ServerProcess(tmp_path / "serve.log")
    stop = threading.Event()
    answered = []

    def hammer() -> None:
        for _ in range(2000):  # bounded; ends much sooner, when the server is gone
            if stop.is_set():
                return
            try:
                with urllib.request.urlopen(proc.url + "/rekmock-api", timeout=5) as response:
                    answered.append(response.status)
            except OSError:
                time.sleep(0.01)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(answered) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.stop(sig) == 0
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert len(answered) >= 20 and set(answered) == {200}
    log = proc.log()
    assert "Traceback" not in log and "KeyboardInterrupt" not in log
    assert log.rstrip().endswith("rekmock: stopped")


def test_serve_binds_to_localhost_only(server: ServerProcess) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True) if shutil.which(
        "ss") else None
    if out is not None and out.returncode == 0:
        port = server.url.rsplit(":", 1)[1]
        listening = [ln for ln in out.stdout.splitlines() if f":{port} " in ln]
        assert listening and all("127.0.0.1:" in ln for ln in listening)


def test_control_images_accept_bytes_members(server: ServerProcess) -> None:
    """``{"Bytes": base64}`` is accepted as well as a bare base64 string."""
    body = json.dumps({"image": {"Bytes": base64.b64encode(photo("hopper.jpg")).decode()},
                       "fields": {"Confidence": 44.0}}).encode()
    assert post(server, "/rekmock-api/set-face", body)[0] == 200
    got = client(server).detect_faces(Image={"Bytes": photo("hopper.jpg")})
    assert got["FaceDetails"][0]["Confidence"] == 44.0


def test_buckets_named_like_the_control_api_still_reach_s3(server: ServerProcess) -> None:
    s3 = client(server, "s3")
    bucket = unique("rekmock-api")  # "rekmock-api-xxxx": S3's, not the control API's
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
