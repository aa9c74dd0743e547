"""Record once against the service, replay offline (rekmock.recording).

The service is played by a second ``rekmock serve`` with scripted answers (an account of its
own, a scripted Smile and AgeRange for obama.jpg, a scripted Similarity of obama.jpg against
obama2.jpg): what it answers is not what rekmock computes alone, so a replay that gives the
recorded values shows they came from the recordings. The module records through it in-process
and served, stops it, and then replays.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from moto import mock_aws

from rekmock import mock_rekognition
from rekmock.control import Client
from rekmock.recording import forward, modes, store
from tests.helpers import DATA, ROOT, ServerProcess, group_photo, photo, strict_client

pytestmark = [pytest.mark.slow, pytest.mark.server]

SERVICE_ACCOUNT = "210987654321"  # the stand-in service's account (moto's is 123456789012)
KEY = "AKIDREKMOCKRECORDER1"
SECRET = "rekmock-test-secret-never-written"
TOKEN = "rekmock-test-session-token-never-written"
SMILE = {"Value": False, "Confidence": 97.5}  # what the stand-in says of obama.jpg ...
AGE = {"Low": 40, "High": 48}
SIMILARITY = 93.25  # ... and of obama.jpg against obama2.jpg (rekmock alone: 99.9)
NO_RETRY = Config(retries={"total_max_attempts": 1})


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def caller_credentials() -> Iterator[None]:
    """The recording caller's 'real' AWS credentials, in the environment, as a developer has
    them (moto replaces them inside every mock)."""
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                             "AWS_SESSION_TOKEN", "AWS_PROFILE")}
    os.environ.update(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    forward.forget_credentials()
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    forward.forget_credentials()


@dataclass
class Recorded:
    """What the module recorded while the stand-in service ran."""

    inproc: Path
    served: Path
    answers: dict[str, Any] = field(default_factory=dict)  # through the recorder
    direct: dict[str, Any] = field(default_factory=dict)  # from the service itself
    errors: dict[str, Any] = field(default_factory=dict)  # ClientError.response["Error"]
    upstream_log: str = ""
    plugin_run: subprocess.CompletedProcess[str] | None = None


# A team's suite: one test with the plugin's fixture, one with the decorator.
_TEAM_SUITE = """
from pathlib import Path
import boto3
from rekmock import mock_rekognition
PHOTO = Path({photo!r}).read_bytes()
def test_fixture(rekognition_client):
    face = rekognition_client.detect_faces(Image={{'Bytes': PHOTO}},
                                           Attributes=['ALL'])['FaceDetails'][0]
    {check}
@mock_rekognition
def test_decorated():
    client = boto3.client('rekognition', region_name='us-east-1')
    assert client.compare_faces(SourceImage={{'Bytes': PHOTO}}, TargetImage={{'Bytes': PHOTO}},
                                SimilarityThreshold=0)['FaceMatches']
"""


def _pytest_run(folder: Path, suite: str, *options: str) -> subprocess.CompletedProcess[str]:
    (folder / "test_team.py").write_text(suite)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_team.py",
         *options], cwd=folder, capture_output=True, text=True, timeout=300)


def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call()
    return {**info.value.response["Error"],
            "status": info.value.response["ResponseMetadata"]["HTTPStatusCode"]}


def _strip(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def _suite(client: Any, s3: Any, out: dict[str, Any], errors: dict[str, Any]) -> None:
    """The calls a team's suite makes, recorded and later replayed."""
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="obama2.jpg", Body=photo("obama2.jpg"))
    out["detect"] = _strip(client.detect_faces(Image={"Bytes": photo("obama.jpg")},
                                               Attributes=["ALL"]))
    out["detect_s3"] = _strip(client.detect_faces(
        Image={"S3Object": {"Bucket": "photos", "Name": "obama2.jpg"}}))
    out["compare"] = _strip(client.compare_faces(
        SourceImage={"Bytes": photo("obama.jpg")},
        TargetImage={"S3Object": {"Bucket": "photos", "Name": "obama2.jpg"}}))
    errors["no_face"] = _error(lambda: client.compare_faces(
        SourceImage={"Bytes": photo("coffee.jpg")}, TargetImage={"Bytes": photo("obama.jpg")}))
    out["create"] = _strip(client.create_collection(CollectionId="team"))
    out["index"] = _strip(client.index_faces(CollectionId="team",
                                             Image={"Bytes": photo("obama.jpg")},
                                             ExternalImageId="obama"))
    client.delete_collection(CollectionId="team")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, caller_credentials: None
             ) -> Iterator[Recorded]:
    base = tmp_path_factory.mktemp("recording")
    done = Recorded(base / "inproc", base / "served")
    os.environ["MOTO_ACCOUNT_ID"] = SERVICE_ACCOUNT
    try:
        service = ServerProcess(base / "service.log")
    finally:
        del os.environ["MOTO_ACCOUNT_ID"]
    try:
        control = Client(service.url)
        control.set_face(photo("obama.jpg"), Smile=SMILE, AgeRange=AGE)
        control.same_person(photo("obama.jpg"), photo("obama2.jpg"), similarity=SIMILARITY)
        # In-process, with the caller's ARNs masked in the files.
        with mock_rekognition(record=done.inproc, upstream=service.url, mask_account=True):
            _suite(strict_client(), boto3.client("s3", region_name="us-east-1"),
                   done.answers, done.errors)
        # The same calls to the service itself (the answers passed back must be its own).
        direct = strict_client(endpoint_url=service.url)
        done.direct["detect"] = _strip(direct.detect_faces(Image={"Bytes": photo("obama.jpg")},
                                                           Attributes=["ALL"]))
        done.direct["compare"] = _strip(direct.compare_faces(
            SourceImage={"Bytes": photo("obama.jpg")}, TargetImage={"Bytes": photo("obama2.jpg")}))
        done.errors["direct_no_face"] = _error(lambda: direct.compare_faces(
            SourceImage={"Bytes": photo("coffee.jpg")}, TargetImage={"Bytes": photo("obama.jpg")}))
        # The pytest options: every mock of a run records, the fixtures' and decorated ones.
        done.plugin_run = _pytest_run(
            base, _TEAM_SUITE.format(photo=str(DATA / "hopper.jpg"), check=""),
            "--rekmock-record", str(base / "plugin"), "--rekmock-upstream", service.url)
        # Served: a recording `rekmock serve` in front of the service.
        recorder = ServerProcess(base / "recorder.log", "--record", str(done.served),
                                 "--upstream", service.url)
        try:
            served = strict_client(endpoint_url=recorder.url)
            s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=recorder.url)
            _suite(served, s3, done.answers.setdefault("served", {}), done.errors)
            done.answers["served"]["group"] = _strip(served.detect_faces(
                Image={"Bytes": group_photo("obama.jpg", "biden.jpg")}))
            for order in (["SMILE", "AGE_RANGE"], ["AGE_RANGE", "SMILE"]):
                done.answers["served"][f"biden {order[0]}"] = _strip(served.detect_faces(
                    Image={"Bytes": photo("biden.jpg")}, Attributes=order))
        finally:
            assert recorder.stop() == 0
            assert "Traceback" not in recorder.log()
    finally:
        assert service.stop() == 0
        done.upstream_log = service.log()
    yield done


def _files(directory: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


def _file_of(directory: Path, operation: str, *images: bytes) -> dict[str, Any]:
    hashes = [{"sha256": sha(i)} for i in images]
    found = [doc for doc in _files(directory).values() if doc["operation"] == operation
             and [v for v in doc["request"].values() if isinstance(v, dict)] == hashes]
    assert len(found) == 1, (operation, found)
    return found[0]


# -- recording ------------------------------------------------------------------------------------

def test_the_caller_gets_the_services_answers_unchanged(recorded: Recorded) -> None:
    got, direct = recorded.answers, recorded.direct
    assert got["detect"] == direct["detect"]
    assert got["detect"]["FaceDetails"][0]["Smile"] == SMILE  # the service's, not rekmock's
    assert got["detect"]["FaceDetails"][0]["AgeRange"] == AGE
    assert got["compare"] == direct["compare"]  # S3 target sent as bytes: the same answer
    assert got["compare"]["FaceMatches"][0]["Similarity"] == SIMILARITY
    assert got["served"]["detect"] == direct["detect"]
    assert got["served"]["compare"] == direct["compare"]
    # The caller sees the service's account in ARNs; masking is for the files only.
    assert f":{SERVICE_ACCOUNT}:collection/team" in got["create"]["CollectionArn"]
    # The service's error, unchanged, in-process and served.
    expected = {"Code": "InvalidParameterException", "Message": "Request has invalid parameters",
                "status": 400}
    assert recorded.errors["direct_no_face"] == expected
    assert recorded.errors["no_face"] == expected


def test_one_diff_friendly_file_per_distinct_call(recorded: Recorded) -> None:
    files = _files(recorded.inproc)
    assert sorted(doc["operation"] for doc in files.values()) == [
        "CompareFaces", "CompareFaces", "CreateCollection", "DeleteCollection", "DetectFaces",
        "DetectFaces", "IndexFaces"]
    for name, doc in files.items():
        path = recorded.inproc / name
        recording = store.read(path)
        assert name == f"{doc['operation']}-{recording.key[:16]}.json"
        assert path.read_text() == json.dumps(doc, indent=2, sort_keys=True) + "\n"
        assert doc["region"] == "us-east-1" and doc["format"] == "rekmock-recording/1"
        assert doc["recorded"].endswith("Z")
    detect = _file_of(recorded.inproc, "DetectFaces", photo("obama.jpg"))
    assert detect["request"] == {"Image": {"sha256": sha(photo("obama.jpg"))},
                                 "Attributes": ["ALL"]}
    assert detect["response"] == {"status": 200, "body": recorded.answers["detect"]}
    # An S3 image is recorded by content, like bytes.
    s3 = _file_of(recorded.inproc, "DetectFaces", photo("obama2.jpg"))
    assert s3["request"] == {"Image": {"sha256": sha(photo("obama2.jpg"))}}
    error = _file_of(recorded.inproc, "CompareFaces", photo("coffee.jpg"), photo("obama.jpg"))
    assert error["response"] == {"status": 400, "body": {
        "__type": "InvalidParameterException", "Code": "InvalidParameterException",
        "Message": "Request has invalid parameters"}}
    index = _file_of(recorded.inproc, "IndexFaces", photo("obama.jpg"))
    assert index["face_model_version"] == "7.0" and detect["face_model_version"] is None
    create = next(d for d in files.values() if d["operation"] == "CreateCollection")
    assert create["response"]["body"]["CollectionArn"] == (
        "aws:rekognition:us-east-1:123456789012:collection/team")  # masked
    served = next(d for d in _files(recorded.served).values()
                  if d["operation"] == "CreateCollection")
    assert f":{SERVICE_ACCOUNT}:" in served["response"]["body"]["CollectionArn"]  # not asked


def test_recording_the_same_call_again_overwrites_its_file(recorded: Recorded) -> None:
    # The served run made DetectFaces of biden.jpg twice, its Attributes in another order.
    names = [d["operation"] for d in _files(recorded.served).values()]
    assert sorted(names) == [
        "CompareFaces", "CompareFaces", "CreateCollection", "DeleteCollection", "DetectFaces",
        "DetectFaces", "DetectFaces", "DetectFaces", "IndexFaces"]
    biden = _file_of(recorded.served, "DetectFaces", photo("biden.jpg"))
    assert biden["request"]["Attributes"] == ["AGE_RANGE", "SMILE"]  # as last recorded


def test_nothing_secret_or_pixel_bearing_is_written(recorded: Recorded) -> None:
    photos = [photo(n) for n in ("obama.jpg", "obama2.jpg", "coffee.jpg")]
    photos.append(group_photo("obama.jpg", "biden.jpg"))
    texts = [p.read_text() for d in (recorded.inproc, recorded.served) for p in d.iterdir()]
    assert len(texts) >= 14
    assert not [p for d in (recorded.inproc, recorded.served) for p in d.iterdir()
                if not p.name.endswith(".json")]  # no temporary file left behind
    for text in texts:
        for data in photos:
            encoded = base64.b64encode(data).decode()
            assert encoded[1000:1064] not in text
        for secret in (KEY, SECRET, "testing", "Signature", "Authorization", "X-Amz-",
                       "Credential"):
            assert secret not in text


# -- replay ---------------------------------------------------------------------------------------

def test_replay_answers_recorded_calls_as_recorded_after_the_service_stopped(
        recorded: Recorded) -> None:
    assert "stopped" in recorded.upstream_log  # the service is gone
    with mock_rekognition(replay=recorded.inproc):
        client = strict_client()
        # Another order than recorded, and the S3 photo passed as bytes: matched by content.
        compare = client.compare_faces(SourceImage={"Bytes": photo("obama.jpg")},
                                       TargetImage={"Bytes": photo("obama2.jpg")})
        assert _strip(compare) == recorded.answers["compare"]
        assert _strip(client.detect_faces(Image={"Bytes": photo("obama2.jpg")})) == (
            recorded.answers["detect_s3"])
        assert _strip(client.detect_faces(Image={"Bytes": photo("obama.jpg")},
                                          Attributes=["ALL"])) == recorded.answers["detect"]
        assert _error(lambda: client.compare_faces(
            SourceImage={"Bytes": photo("coffee.jpg")},
            TargetImage={"Bytes": photo("obama.jpg")})) == recorded.errors["no_face"]


def test_replay_of_an_s3_image_matches_its_bytes(recorded: Recorded) -> None:
    with mock_rekognition(replay=recorded.inproc):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="elsewhere")
        s3.put_object(Bucket="elsewhere", Key="o.jpg", Body=photo("obama.jpg"))
        answer = strict_client().detect_faces(
            Image={"S3Object": {"Bucket": "elsewhere", "Name": "o.jpg"}}, Attributes=["ALL"])
        assert _strip(answer) == recorded.answers["detect"]
        missing = _error(lambda: strict_client().detect_faces(
            Image={"S3Object": {"Bucket": "elsewhere", "Name": "gone.jpg"}}, Attributes=["ALL"]))
        assert missing["Code"] == "InvalidS3ObjectException"


def test_requests_without_a_recording_are_computed(recorded: Recorded) -> None:
    with mock_rekognition():
        plain = strict_client()
        fresh = _strip(plain.detect_faces(Image={"Bytes": photo("hopper.jpg")}))
        other_attributes = _strip(plain.detect_faces(Image={"Bytes": photo("biden.jpg")},
                                                     Attributes=["ALL"]))
    with mock_rekognition(replay=recorded.inproc):
        client = strict_client()
        assert _strip(client.detect_faces(Image={"Bytes": photo("hopper.jpg")})) == fresh
        assert _strip(client.detect_faces(Image={"Bytes": photo("biden.jpg")},
                                          Attributes=["ALL"])) == other_attributes


def test_recorded_faces_show_in_index_faces_and_searches(recorded: Recorded) -> None:
    recorded_face = recorded.answers["detect"]["FaceDetails"][0]
    with mock_rekognition(replay=recorded.inproc):
        client = strict_client()
        client.create_collection(CollectionId="fresh")
        client.index_faces(CollectionId="fresh", Image={"Bytes": photo("hopper.jpg")})
        indexed = client.index_faces(CollectionId="fresh", Image={"Bytes": photo("obama.jpg")},
                                     DetectionAttributes=["ALL"])["FaceRecords"]
        assert len(indexed) == 1
        detail = indexed[0]["FaceDetail"]
        assert detail["Smile"] == SMILE and detail["AgeRange"] == AGE
        assert detail == recorded_face  # every field as the service gave it
        # Ids stay rekmock's: this collection already held another face.
        recorded_id = recorded.answers["index"]["FaceRecords"][0]["Face"]["FaceId"]
        assert indexed[0]["Face"]["FaceId"] != recorded_id
        # obama2.jpg against obama.jpg: the service's Similarity (CompareFaces), not rekmock's.
        hits = client.search_faces_by_image(CollectionId="fresh",
                                            Image={"Bytes": photo("obama2.jpg")})["FaceMatches"]
        assert [(h["Face"]["FaceId"], h["Similarity"]) for h in hits] == [
            (indexed[0]["Face"]["FaceId"], SIMILARITY)]
        probe = client.search_faces_by_image(CollectionId="fresh",
                                             Image={"Bytes": photo("obama2.jpg")})
        searched = recorded.answers["detect_s3"]["FaceDetails"][0]  # obama2.jpg, recorded
        assert probe["SearchedFaceBoundingBox"] == searched["BoundingBox"]
        assert probe["SearchedFaceConfidence"] == searched["Confidence"]
        client.create_user(CollectionId="fresh", UserId="barack")
        client.associate_faces(CollectionId="fresh", UserId="barack",
                               FaceIds=[indexed[0]["Face"]["FaceId"]])
        users = client.search_users_by_image(CollectionId="fresh",
                                             Image={"Bytes": photo("obama2.jpg")})["UserMatches"]
        assert [(u["User"]["UserId"], u["Similarity"]) for u in users] == [("barack", SIMILARITY)]
        # A CompareFaces not recorded (another threshold) is computed, with the recorded pair.
        computed = client.compare_faces(SourceImage={"Bytes": photo("obama2.jpg")},
                                        TargetImage={"Bytes": photo("obama.jpg")},
                                        SimilarityThreshold=50)
        assert computed["FaceMatches"][0]["Similarity"] == SIMILARITY
        assert computed["FaceMatches"][0]["Face"]["BoundingBox"] == recorded_face["BoundingBox"]
    with mock_rekognition():  # what rekmock says alone
        alone = strict_client().compare_faces(SourceImage={"Bytes": photo("obama2.jpg")},
                                              TargetImage={"Bytes": photo("obama.jpg")},
                                              SimilarityThreshold=50)
        assert alone["FaceMatches"][0]["Similarity"] > 99.0


def test_a_tests_script_wins_over_a_recording(recorded: Recorded) -> None:
    with mock_rekognition(replay=recorded.inproc) as rek:
        rek.set_face(photo("obama.jpg"), Smile={"Value": True, "Confidence": 88.0})
        face = strict_client().detect_faces(Image={"Bytes": photo("obama.jpg")},
                                            Attributes=["ALL"])["FaceDetails"][0]
        assert face["Smile"] == {"Value": True, "Confidence": 88.0}
        assert face["AgeRange"] == AGE  # the rest still as recorded
        assert face["BoundingBox"] == recorded.answers["detect"]["FaceDetails"][0]["BoundingBox"]


def _edited_recording(source: Path, target: Path, faces: Any) -> None:
    """A copy of the served recording of the group photo with its faces changed by ``faces``
    (a recorded answer of a photo where the service saw other faces than rekmock does)."""
    target.mkdir()
    doc = next(d for d in _files(source).values() if d["operation"] == "DetectFaces"
               and d["request"]["Image"]["sha256"] == sha(group_photo("obama.jpg", "biden.jpg")))
    doc["response"]["body"]["FaceDetails"] = faces(doc["response"]["body"]["FaceDetails"])
    store.write(target, store.Recording.from_document(doc))


def test_the_services_number_of_faces_wins(recorded: Recorded, tmp_path: Path) -> None:
    group = group_photo("obama.jpg", "biden.jpg")
    both = recorded.answers["served"]["group"]["FaceDetails"]
    assert len(both) == 2
    _edited_recording(recorded.served, tmp_path / "one", lambda faces: faces[1:])
    with mock_rekognition(replay=tmp_path / "one"):
        client = strict_client()
        client.create_collection(CollectionId="c")
        records = client.index_faces(CollectionId="c", Image={"Bytes": group},
                                     MaxFaces=10)["FaceRecords"]
        assert [r["FaceDetail"] for r in records] == [both[1]]
        assert len(client.detect_faces(Image={"Bytes": group},
                                       Attributes=["SMILE"])["FaceDetails"]) == 1


def test_a_recorded_face_rekmock_did_not_find_is_measured_at_its_box(
        recorded: Recorded, tmp_path: Path) -> None:
    """The service's box for a face sits where rekmock's own box overlaps it too little to be
    the same face: the face vector comes from that box, and still finds the person."""
    group = group_photo("obama.jpg", "biden.jpg")
    both = recorded.answers["served"]["group"]["FaceDetails"]
    obama = min(both, key=lambda f: f["BoundingBox"]["Left"])  # the left one

    def larger(faces: list[dict[str, Any]]) -> list[dict[str, Any]]:
        box = obama["BoundingBox"]  # 1.5 times as wide and high: IoU 0.44 with rekmock's
        return [{**obama, "BoundingBox": {
            "Width": box["Width"] * 1.5, "Height": box["Height"] * 1.5,
            "Left": box["Left"] - box["Width"] / 4, "Top": box["Top"] - box["Height"] / 4}}]

    _edited_recording(recorded.served, tmp_path / "moved", larger)
    with mock_rekognition(replay=tmp_path / "moved"):
        client = strict_client()
        client.create_collection(CollectionId="c")
        face_id = client.index_faces(CollectionId="c", Image={"Bytes": group},
                                     QualityFilter="NONE")["FaceRecords"][0]["Face"]["FaceId"]
        hits = client.search_faces_by_image(CollectionId="c",
                                            Image={"Bytes": photo("obama2.jpg")})["FaceMatches"]
        assert [h["Face"]["FaceId"] for h in hits] == [face_id]
        assert hits[0]["Similarity"] > 90


def test_served_replay(recorded: Recorded, tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "replay.log", "--replay", str(recorded.served))
    try:
        assert "replaying 9 recordings" in server.log()
        client = strict_client(endpoint_url=server.url)
        answers = recorded.answers["served"]
        assert _strip(client.detect_faces(Image={"Bytes": photo("obama.jpg")},
                                          Attributes=["ALL"])) == answers["detect"]
        assert _strip(client.compare_faces(SourceImage={"Bytes": photo("obama.jpg")},
                                           TargetImage={"Bytes": photo("obama2.jpg")})) == (
            answers["compare"])
        assert _error(lambda: client.compare_faces(
            SourceImage={"Bytes": photo("coffee.jpg")},
            TargetImage={"Bytes": photo("obama.jpg")})) == recorded.errors["no_face"]
        client.create_collection(CollectionId="team")
        detail = client.index_faces(CollectionId="team", Image={"Bytes": photo("obama.jpg")},
                                    DetectionAttributes=["ALL"])["FaceRecords"][0]["FaceDetail"]
        assert detail["Smile"] == SMILE and detail["AgeRange"] == AGE
    finally:
        assert server.stop() == 0
    assert "Traceback" not in server.log()


def test_replay_from_the_environment(recorded: Recorded, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    monkeypatch.setenv("REKMOCK_REPLAY", str(recorded.inproc))
    with mock_rekognition():
        assert _strip(strict_client().detect_faces(Image={"Bytes": photo("obama.jpg")},
                                                   Attributes=["ALL"])) == (
            recorded.answers["detect"])
    monkeypatch.setenv("REKMOCK_RECORD", str(recorded.inproc))
    with pytest.raises(ValueError, match="record or replay, not both"):
        mock_rekognition()


def test_pytest_options_record_and_replay_every_mock(recorded: Recorded, tmp_path: Path
                                                     ) -> None:
    run = recorded.plugin_run
    assert run is not None and run.returncode == 0, run.stdout + run.stderr
    plugin = recorded.inproc.parent / "plugin"
    assert sorted(p.name.split("-")[0] for p in plugin.iterdir()) == [
        "CompareFaces", "DetectFaces"]
    suite = _TEAM_SUITE.format(
        photo=str(DATA / "obama.jpg"),
        check=f"assert (face['Smile'], face['AgeRange']) == ({SMILE!r}, {AGE!r})")
    replay = _pytest_run(tmp_path, suite, "--rekmock-replay", str(recorded.inproc))
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "2 passed" in replay.stdout
    missing = _pytest_run(tmp_path, suite, "--rekmock-replay", str(tmp_path / "nowhere"))
    assert missing.returncode == 4  # a usage error
    assert "no such recordings directory" in missing.stderr


# -- the CLI ------------------------------------------------------------------------------------

def _rekmock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rekmock", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_recordings_list(recorded: Recorded) -> None:
    run = _rekmock("recordings", "list", str(recorded.inproc))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "7 recordings of 3 images"
    error = next(line for line in lines if "InvalidParameterException" in line)
    assert error.startswith("CompareFaces-") and sha(photo("coffee.jpg"))[:12] in error
    assert any(line.startswith("IndexFaces-") and line.endswith("model 7.0") for line in lines)


def test_recordings_verify(recorded: Recorded, tmp_path: Path) -> None:
    run = _rekmock("recordings", "verify", str(recorded.inproc), "--images", str(DATA))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == (
        "7 recordings, 0 failed, 5 replayed through the mock")
    assert "DeleteCollection-" in run.stdout and "skipped: its answer depends" in run.stdout
    without = _rekmock("recordings", "verify", str(recorded.inproc))
    assert without.returncode == 0
    assert without.stdout.splitlines()[-1] == (
        "7 recordings, 0 failed, 0 replayed through the mock (5 need their photos: "
        "--images PHOTO_DIR)")
    # A recording that no longer answers as recorded: the IndexFaces answer edited (the
    # DetectFaces answer of the same photo, first by name, still gives the face).
    edited = tmp_path / "edited"
    edited.mkdir()
    for path in recorded.inproc.iterdir():
        doc = json.loads(path.read_text())
        if doc["operation"] == "IndexFaces":
            doc["response"]["body"]["FaceRecords"][0]["FaceDetail"]["Pose"]["Yaw"] = 44.0
        (edited / path.name).write_text(json.dumps(doc))
    # and a request edited by hand: its file name no longer names its content.
    renamed = next(p for p in edited.glob("DetectFaces-*.json")
                   if sha(photo("obama2.jpg")) in p.read_text())
    doc = json.loads(renamed.read_text())
    doc["request"]["Attributes"] = ["DEFAULT"]
    renamed.write_text(json.dumps(doc))
    run = _rekmock("recordings", "verify", str(edited), "--images", str(DATA))
    assert run.returncode == 1
    failures = [line for line in run.stdout.splitlines() if ": FAIL: " in line]
    assert len(failures) == 1 and failures[0].startswith(renamed.name)
    assert "its content is the call DetectFaces-" in failures[0]
    renamed.unlink()
    run = _rekmock("recordings", "verify", str(edited), "--images", str(DATA))
    assert run.returncode == 1
    failures = [line for line in run.stdout.splitlines() if ": FAIL: " in line]
    assert len(failures) == 1 and failures[0].startswith("IndexFaces-"), run.stdout
    assert "answers differently: FaceRecords[0].FaceDetail.Pose.Yaw: 44.0 recorded" in (
        failures[0])
    assert _rekmock("recordings", "verify", str(tmp_path / "nowhere")).returncode == 2


# -- forwarding, signing and credentials, with a bare HTTP stand-in --------------------------

class _Stub(http.server.BaseHTTPRequestHandler):
    """Remembers each request and answers the next queued (status, body)."""

    seen: list[tuple[dict[str, str], bytes]] = []
    replies: list[tuple[int, dict[str, Any]]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((dict(self.headers.items()), body))
        status, doc = type(self).replies.pop(0)
        payload = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        if status >= 300:
            self.send_header("x-amzn-ErrorType", f"{doc['__type']}:http://internal/")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    _Stub.seen, _Stub.replies = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_calls_are_signed_with_the_callers_credentials_found_before_moto_hides_them(
        stub: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    forward.forget_credentials()
    recorder = mock_rekognition(record=tmp_path, upstream=stub)  # made before any mock
    forward.forget_credentials()
    _Stub.replies = [(200, {"FaceDetails": []}),
                     (400, {"__type": "AccessDeniedException", "Code": "AccessDeniedException",
                            "Message": "not allowed"})]
    with mock_aws(), recorder:
        assert os.environ["AWS_ACCESS_KEY_ID"] == "FOOBARKEY"  # what moto shows inside
        client = strict_client(region_name="eu-west-1")
        client.detect_faces(Image={"Bytes": photo("obama.jpg")})
        denied = _error(lambda: client.detect_faces(Image={"Bytes": photo("biden.jpg")}))
    assert denied == {"Code": "AccessDeniedException", "Message": "not allowed", "status": 400}
    headers, body = _Stub.seen[0]
    assert json.loads(body) == {"Image": {"Bytes": base64.b64encode(photo("obama.jpg")).decode()}}
    assert headers["X-Amz-Target"] == "RekognitionService.DetectFaces"
    assert headers["X-Amz-Security-Token"] == TOKEN
    auth = headers["Authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={KEY}/")
    assert "/eu-west-1/rekognition/aws4_request" in auth
    # The signature is SigV4 of this very request with the caller's secret.
    request = AWSRequest(method="POST", url=stub, data=body, headers={
        k: v for k, v in headers.items() if k in ("Content-Type", "X-Amz-Target", "Host")})
    request.headers["X-Amz-Date"] = headers["X-Amz-Date"]
    request.headers["X-Amz-Security-Token"] = TOKEN
    request.context["timestamp"] = headers["X-Amz-Date"]
    signer = SigV4Auth(Credentials(KEY, SECRET, TOKEN), "rekognition", "eu-west-1")
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert auth.endswith(f"Signature={expected}")
    # The answer is recorded; the credentials' refusal is not (a replay must not repeat it).
    assert [p.name.split("-")[0] for p in tmp_path.iterdir()] == ["DetectFaces"]
    assert TOKEN not in next(tmp_path.iterdir()).read_text()


def test_recording_inside_mock_aws_needs_credentials_found_before_or_a_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    forward.forget_credentials()
    try:
        with mock_aws(), pytest.raises(forward.NoCredentials, match="before any mock_aws"):
            mock_rekognition(record=tmp_path, upstream="http://127.0.0.1:9")
        # A named profile still leads to the caller's own credentials inside mock_aws.
        (tmp_path / "credentials").write_text(
            "[team]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
        monkeypatch.setenv("AWS_PROFILE", "team")
        with mock_aws():
            mock_rekognition(record=tmp_path, upstream="http://127.0.0.1:9")
            assert forward.credentials().access_key == "AKIDPROFILE"
    finally:
        forward.forget_credentials()


def test_an_unreachable_upstream_is_an_error_and_nothing_is_recorded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    forward.forget_credentials()
    try:
        with mock_rekognition(record=tmp_path / "rec", upstream="http://127.0.0.1:9"):
            client = strict_client(config=NO_RETRY)
            error = _error(lambda: client.detect_faces(Image={"Bytes": photo("obama.jpg")}))
            # Stored video is not forwarded: rekmock answers it as always.
            job = client.start_face_detection(
                Video={"S3Object": {"Bucket": "videos", "Name": "v.mp4"}})
    finally:
        forward.forget_credentials()
    assert error["Code"] == "ServiceUnavailableException" and error["status"] == 503
    assert error["Message"].startswith("rekmock could not reach the upstream http://127.0.0.1:9")
    assert len(job["JobId"]) == 64
    assert not (tmp_path / "rec").exists()


def test_which_operations_are_forwarded_and_replayed() -> None:
    from rekmock.recording.operations import forwarded, replayed_as_recorded

    assert forwarded("DetectFaces") and replayed_as_recorded("DetectFaces")
    assert forwarded("DetectLabels") and replayed_as_recorded("DetectLabels")
    assert forwarded("IndexFaces") and not replayed_as_recorded("IndexFaces")
    for local in ("StartFaceDetection", "GetFaceDetection", "CreateFaceLivenessSession",
                  "GetFaceLivenessSessionResults", "StartFaceSearch", "NoSuchOperation"):
        assert not forwarded(local), local
    assert modes.mode_for() is None
