"""The persistent vision cache: same answers cold, warm and off, across processes; safe entries;
eviction; a private directory; and a plugin and package that cost nothing to have installed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rekmock.vision import api as vision_api
from rekmock.vision import disk_cache

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
PLUGIN_BUDGET_S = 0.010  # the plugin must load in 10 ms at most


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("REKMOCK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("REKMOCK_CACHE", raising=False)
    vision_api.clear_cache()
    yield tmp_path / "cache"
    vision_api.clear_cache()


def load(name: str) -> tuple[str, np.ndarray]:
    data = (DATA / name).read_bytes()
    rgb = np.asarray(Image.open(DATA / name).convert("RGB"))
    return hashlib.sha256(data).hexdigest(), rgb


def entry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if not p.name.startswith(".tmp-"))


def keep_only_geometry(folder: Path) -> None:
    """Strip the one entry in ``folder`` down to its geometry (no attributes, no face vectors)
    and forget the in-memory copy, so the next analysis must cut its crops again."""
    (path,) = entry_files(folder)
    doc = json.loads(path.read_text())
    doc["attributes"], doc["descriptors"] = {}, {}
    path.write_text(json.dumps(doc))
    vision_api.clear_cache()


def test_encoding_keeps_types_and_refuses_objects() -> None:
    value = {
        "box": (1.5, 2.25, 3.0, 4.0), 7: [True, None, "x"], "f32": np.float32(0.1),
        "vec": np.arange(5, dtype=np.float32), "emotions": {"CALM": 97.25},
    }
    back = disk_cache.decode(json.loads(json.dumps(disk_cache.encode(value))))
    assert list(back) == list(value)
    assert back["box"] == value["box"] and isinstance(back["box"], tuple)
    assert type(back["f32"]) is np.float32 and back["f32"] == value["f32"]
    assert back["vec"].dtype == np.float32 and np.array_equal(back["vec"], value["vec"])
    with pytest.raises(ValueError):
        disk_cache.decode({"__nd__": ["|O", [1], "AAAAAAAAAAA="]})
    with pytest.raises(TypeError):
        disk_cache.encode(object())


def test_warm_entry_gives_equal_analysis_and_adds_missing_parts(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, rgb = load("obama.jpg")
    cold = vision_api.analyze(key, rgb)
    (path,) = entry_files(cache_dir)
    assert json.loads(path.read_text())["descriptors"] == {}
    vision_api.clear_cache()
    with monkeypatch.context() as patch:  # the missing parts come without detecting again
        patch.setattr(vision_api, "_compute", lambda rgb: pytest.fail("detected again"))
        warm = vision_api.analyze(key, rgb)
        warm.descriptor(0)
        warm.attributes(0)
    assert warm is not cold and warm.faces == cold.faces
    assert np.array_equal(warm.descriptor(0), cold.descriptor(0))  # computed from the pixels
    assert warm.attributes(0) == cold.attributes(0)
    doc = json.loads(path.read_text())
    assert set(doc["descriptors"]) == {"0"} and set(doc["attributes"]) == {"0"}
    vision_api.clear_cache()
    again = vision_api.analyze(key, rgb)
    assert again._contexts == [] and again.attributes(0) == cold.attributes(0)
    assert again._contexts == []  # served from the entry: nothing recomputed
    assert again.descriptor(0).dtype == np.float32 and not again.descriptor(0).flags.writeable


def test_warm_entry_of_a_sideways_photo_cuts_its_crops_turned(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A face found by turning the photo is cut again from the turned pixels: the warm entry's
    attributes and face vector equal those computed cold."""
    key, rgb = load("obama.jpg")
    turned = np.ascontiguousarray(np.rot90(rgb, -1))
    cold = vision_api.analyze(key + "-cw", turned)
    cold_attrs, cold_vector = cold.attributes(0), cold.descriptor(0)
    keep_only_geometry(cache_dir)
    with monkeypatch.context() as patch:
        patch.setattr(vision_api, "_compute", lambda rgb: pytest.fail("detected again"))
        warm = vision_api.analyze(key + "-cw", turned)
        assert warm.attributes(0) == cold_attrs
        assert np.array_equal(warm.descriptor(0), cold_vector)


def test_warm_entry_of_a_face_cut_by_the_frame_cuts_its_crops_bordered(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A face found with a grey border added round the photo is cut again from the bordered
    pixels: the warm entry's face vector equals the one computed cold."""
    from .helpers import cut_by_the_frame

    data = cut_by_the_frame()
    key = hashlib.sha256(data).hexdigest()
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    cold = vision_api.analyze(key, rgb)
    cold_vector = cold.descriptor(0)
    keep_only_geometry(cache_dir)
    with monkeypatch.context() as patch:
        patch.setattr(vision_api, "_compute", lambda rgb: pytest.fail("detected again"))
        warm = vision_api.analyze(key, rgb)
        assert np.array_equal(warm.descriptor(0), cold_vector)


@pytest.mark.parametrize(
    "damage",
    [b"", b"{\"format\": \"rekmock-vision-cache/1\"", b"\x00garbage",
     b"{\"format\": \"rekmock-vision-cache/1\", \"version\": \"other\"}", b"[1, 2, 3]"],
    ids=["empty", "truncated", "binary", "foreign", "not-an-object"],
)
def test_damaged_entry_is_a_miss_and_rewritten(cache_dir: Path, damage: bytes) -> None:
    key, rgb = load("biden.jpg")
    expected = vision_api.analyze(key, rgb).faces
    (path,) = entry_files(cache_dir)
    path.write_bytes(damage)
    vision_api.clear_cache()
    assert vision_api.analyze(key, rgb).faces == expected
    assert json.loads(path.read_text())["format"] == disk_cache.FORMAT


def test_entry_of_another_image_is_not_served(cache_dir: Path) -> None:
    key, rgb = load("obama.jpg")
    vision_api.analyze(key, rgb)
    (mine,) = entry_files(cache_dir)
    other_key, other_rgb = load("biden.jpg")
    expected = vision_api.analyze(other_key, other_rgb).faces
    (theirs,) = set(entry_files(cache_dir)) - {mine}
    theirs.write_bytes(mine.read_bytes())  # a valid entry, but for obama.jpg
    vision_api.clear_cache()
    assert vision_api.analyze(other_key, other_rgb).faces == expected
    assert json.loads(theirs.read_text())["key"].startswith(other_key)


def test_key_reused_for_other_pixels_is_not_served(cache_dir: Path) -> None:
    key, rgb = load("obama.jpg")
    assert len(vision_api.analyze(key, rgb).faces) == 1
    vision_api.clear_cache()
    assert vision_api.analyze(key, np.zeros_like(rgb)).faces == []


def test_off_writes_nothing(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REKMOCK_CACHE", "off")
    key, rgb = load("obama.jpg")
    vision_api.analyze(key, rgb).descriptor(0)
    assert not cache_dir.exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_directory_is_private(cache_dir: Path) -> None:
    key, rgb = load("obama.jpg")
    vision_api.analyze(key, rgb)
    (path,) = entry_files(cache_dir)
    for folder in (cache_dir, disk_cache.directory(), path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_eviction_drops_least_recently_used(cache_dir: Path) -> None:
    sub = disk_cache.directory() / "ab"
    sub.mkdir(parents=True)
    now = time.time()
    for age in range(5):
        path = sub / f"{age}.json"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - 100 * age, now - 100 * age))
    stale = sub / ".tmp-left-by-a-killed-process.json"
    stale.write_bytes(b"half")
    os.utime(stale, (now - 2 * disk_cache.STALE_TMP_SECONDS,) * 2)
    assert disk_cache.evict(2500) == 2000
    assert sorted(p.name for p in sub.iterdir()) == ["0.json", "1.json"]
    assert disk_cache.info()["entries"] == 2
    assert disk_cache.clear() == 2 and not disk_cache.directory().exists()


def test_writes_over_the_cap_evict_old_entries(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ("obama.jpg", "biden.jpg", "obama2.jpg")
    for name in names:
        vision_api.analyze(*load(name))
    sizes = [p.stat().st_size for p in entry_files(cache_dir)]
    assert len(sizes) == 3
    disk_cache.clear()
    monkeypatch.setenv("REKMOCK_CACHE_MAX_MB", str(2.5 * max(sizes) / 1024 / 1024))
    vision_api.clear_cache()
    for name in names:
        vision_api.analyze(*load(name))
        time.sleep(0.01)  # distinct mtimes
    left = entry_files(cache_dir)
    assert 1 <= len(left) < 3
    newest = disk_cache.entry_path(vision_api.disk_key(*load(names[-1])))
    assert newest in left


def test_default_location_follows_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REKMOCK_CACHE_DIR", raising=False)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
        assert disk_cache.root() == Path("/xdg/rekmock")
        monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # the spec says: ignore it
        assert disk_cache.root() == Path.home() / ".cache" / "rekmock"
    monkeypatch.setenv("REKMOCK_CACHE_DIR", "/somewhere")
    assert disk_cache.directory() == Path("/somewhere") / disk_cache.SUBDIR


RESPONSES = r"""
import json, sys, boto3
from rekmock import mock_rekognition
data = sys.argv[1]
photo = lambda n: open(f"{data}/{n}", "rb").read()
with mock_rekognition():
    rek = boto3.client("rekognition", region_name="us-east-1")
    out = []
    call = lambda name, **kw: out.append((name, {k: v for k, v in getattr(rek, name)(**kw).items()
                                                 if k != "ResponseMetadata"}))
    call("detect_faces", Image={"Bytes": photo("obama.jpg")})
    call("detect_faces", Image={"Bytes": photo("obama.jpg")}, Attributes=["ALL"])
    call("compare_faces", SourceImage={"Bytes": photo("obama.jpg")},
         TargetImage={"Bytes": photo("obama2.jpg")}, SimilarityThreshold=0)
    rek.create_collection(CollectionId="c")
    call("index_faces", CollectionId="c", Image={"Bytes": photo("biden.jpg")},
         DetectionAttributes=["ALL"])
    call("search_faces_by_image", CollectionId="c", Image={"Bytes": photo("obama2.jpg")},
         FaceMatchThreshold=0)
print(json.dumps(out, sort_keys=True))
"""


def run_responses(cache: Path, off: bool = False) -> str:
    env = dict(os.environ, REKMOCK_CACHE_DIR=str(cache))
    env.pop("REKMOCK_CACHE", None)
    if off:
        env["REKMOCK_CACHE"] = "off"
    return subprocess.run(
        [sys.executable, "-c", RESPONSES, str(DATA)], cwd=ROOT, env=env,
        capture_output=True, text=True, check=True,
    ).stdout


def test_answers_byte_identical_cold_warm_partial_and_off(tmp_path: Path) -> None:
    off = run_responses(tmp_path / "unused", off=True)
    assert not (tmp_path / "unused").exists()
    cold = run_responses(tmp_path / "a")
    warm = run_responses(tmp_path / "a")
    analyses = [p for p in entry_files(tmp_path / "a")
                if "faces" in json.loads(p.read_text())]  # not the intake's size notes
    assert len(analyses) == 3  # obama, obama2 and biden: one entry per image
    for path in analyses:  # entries with faces only: the rest added later
        doc = json.loads(path.read_text())
        assert doc["descriptors"]
        path.write_text(json.dumps({**doc, "descriptors": {}, "attributes": {}}))
    partial = run_responses(tmp_path / "a")
    assert '"FaceMatches"' in off and off == cold == warm == partial
    assert all(json.loads(p.read_text())["descriptors"] for p in analyses)


def test_plugin_and_package_import_light() -> None:
    code = (
        "import sys, time, pytest; t = time.perf_counter(); import rekmock.pytest_plugin;"
        "t = time.perf_counter() - t; heavy = ('numpy', 'moto', 'boto3', 'cv2', 'dlib');"
        "print(t, [m for m in heavy if m in sys.modules])"
    )
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split(" ", 1) for _ in range(3)]
    assert all(heavy.strip() == "[]" for _, heavy in runs)
    assert min(float(t) for t, _ in runs) <= PLUGIN_BUDGET_S


def test_non_image_calls_load_no_model() -> None:
    code = (
        "import sys, boto3; from rekmock import mock_rekognition;"
        "from rekmock.vision import weights\n"
        "with mock_rekognition():\n"
        "    boto3.client('rekognition', region_name='us-east-1').create_collection("
        "CollectionId='c')\n"
        "print(weights._loaded, [m for m in ('cv2', 'dlib') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "{} []"


def test_cli_cache_info_and_clear(cache_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rekmock.cli.main import main

    key, rgb = load("obama.jpg")
    vision_api.analyze(key, rgb)
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"directory  {disk_cache.directory()}" in out and "entries    1\n" in out
    assert main(["cache", "clear"]) == 0
    assert "removed 1 entries" in capsys.readouterr().out
    assert entry_files(cache_dir) == []


@pytest.mark.slow
def test_two_servers_share_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import boto3

    from tests.test_server import ENV, ServerProcess

    monkeypatch.setenv("REKMOCK_CACHE_DIR", str(tmp_path / "cache"))
    servers = [ServerProcess(tmp_path / f"serve{n}.log") for n in range(2)]
    try:
        clients = [boto3.client("rekognition", endpoint_url=s.url, region_name="us-east-1",
                                aws_access_key_id=ENV["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=ENV["AWS_SECRET_ACCESS_KEY"])
                   for s in servers]

        def answers(client: object) -> str:
            out = []
            for name in ("obama.jpg", "biden.jpg", "obama2.jpg"):
                image = {"Bytes": (DATA / name).read_bytes()}
                out.append(client.detect_faces(Image=image, Attributes=["ALL"]))  # type: ignore
                out.append(client.compare_faces(  # type: ignore[attr-defined]
                    SourceImage={"Bytes": (DATA / "obama.jpg").read_bytes()}, TargetImage=image,
                    SimilarityThreshold=0))
            for doc in out:
                doc.pop("ResponseMetadata")
            return json.dumps(out, sort_keys=True)

        with ThreadPoolExecutor(2) as pool:  # both servers fill the same entries at once
            first = list(pool.map(answers, clients))
        again = [answers(c) for c in clients]
    finally:
        codes = [s.stop() for s in servers]
    assert codes == [0, 0]
    assert first[0] == first[1] == again[0] == again[1]
    docs = [json.loads(p.read_text()) for p in entry_files(tmp_path / "cache")]
    analyses = [d for d in docs if "faces" in d]
    assert len(analyses) == 3 and len(docs) == 6  # and the intake's size note of each photo
    assert all(set(d["descriptors"]) == {"0"} for d in analyses)
    assert not list((tmp_path / "cache").rglob(".tmp-*"))


def test_default_requests_never_run_the_age_and_gender_networks(tmp_path: Path) -> None:
    code = (
        "import boto3; from rekmock import mock_rekognition;"
        "from rekmock.vision import weights\n"
        f"data = open({str(DATA / 'obama.jpg')!r}, 'rb').read()\n"
        "with mock_rekognition():\n"
        "    rek = boto3.client('rekognition', region_name='us-east-1')\n"
        "    rek.detect_faces(Image={'Bytes': data})\n"
        "    rek.compare_faces(SourceImage={'Bytes': data}, TargetImage={'Bytes': data})\n"
        "    rek.create_collection(CollectionId='c')\n"
        "    rek.index_faces(CollectionId='c', Image={'Bytes': data})\n"
        "    print('age_gender' in weights._loaded)\n"
        "    rek.detect_faces(Image={'Bytes': data}, Attributes=['ALL'])\n"
        "    print('age_gender' in weights._loaded)\n"
    )
    env = dict(os.environ, REKMOCK_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_unusable_cache_location_never_fails_a_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("REKMOCK_CACHE_DIR", str(blocker / "cache"))
    vision_api.clear_cache()
    key, rgb = load("obama.jpg")
    result = vision_api.analyze(key, rgb)
    assert len(result.faces) == 1 and result.descriptor(0).dtype == np.float32
    monkeypatch.delenv("REKMOCK_CACHE_DIR")
    monkeypatch.setattr(Path, "home", lambda: (_ for _ in ()).throw(RuntimeError("no home")))
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    vision_api.clear_cache()
    assert vision_api.analyze(key, rgb).faces == result.faces
    vision_api.clear_cache()


@pytest.mark.slow
def test_warm_cache_answers_without_decoding(tmp_path: Path) -> None:
    """A new process finds both the intake's size note and the analysis: DEFAULT and ALL
    requests on a photo seen before never decode it (the costly part of a warm run)."""
    code = (
        "import json, sys, boto3; from rekmock import mock_rekognition;"
        "from rekmock.faces import intake; calls = []; real = intake.decode\n"
        "intake.decode = lambda data: calls.append(1) or real(data)\n"
        "with mock_rekognition():\n"
        "    rek = boto3.client('rekognition', region_name='us-east-1')\n"
        "    img = {'Bytes': open(sys.argv[1], 'rb').read()}\n"
        "    out = [rek.detect_faces(Image=img, Attributes=[a])['FaceDetails'] for a in "
        "('DEFAULT', 'ALL')]\n"
        "print(json.dumps([len(calls), out]))"
    )
    env = dict(os.environ, REKMOCK_CACHE_DIR=str(tmp_path))
    env.pop("REKMOCK_CACHE", None)
    runs = [json.loads(subprocess.run(
        [sys.executable, "-c", code, str(DATA / "obama.jpg")], cwd=ROOT, env=env,
        capture_output=True, text=True, check=True).stdout) for _ in range(2)]
    assert runs[0][0] == 1 and runs[1][0] == 0  # decoded on first sight only
    assert runs[0][1] == runs[1][1] and runs[0][1][0]
