"""Recordings on disk: one plain JSON file per distinct call (sorted keys, indented), named by
the operation and a hash of the request's content, so recording the same call again overwrites
its file and a review shows what changed.

A file holds the operation, the request with each image replaced by ``{"sha256": ...}``, the
answer (HTTP status and JSON body, or the service's error document), when and in which region
it was recorded, and the FaceModelVersion the answer names. Never image bytes, credentials,
signatures or headers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "rekmock-recording/1"
KEY_CHARS = 16  # hex digits of the content hash in a file name (64 bits)
SUFFIX = ".json"
MOTO_ACCOUNT = "123456789012"  # moto's default account, what masked ARNs name
# An account id in an ARN, with or without "arn:" (the service writes collection ARNs without).
_ARN_ACCOUNT = re.compile(r"((?:arn:)?aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)\d{12}(?=:)")


class RecordingError(ValueError):
    """A file in a recordings directory that is not a recording."""


def canonical(value: Any) -> Any:
    """The form two requests are compared in: numbers as floats (80 and 80.0 are one
    threshold), lists of strings in any order (``Attributes``), object keys sorted when
    dumped."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def key_of(operation: str, request: dict[str, Any]) -> str:
    """The content hash a call is matched and filed by (the request as recorded)."""
    text = json.dumps({"operation": operation, "request": canonical(request)},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def mask_account(value: Any) -> Any:
    """Every account id in an ARN replaced by moto's default account."""
    if isinstance(value, dict):
        return {k: mask_account(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_account(v) for v in value]
    if isinstance(value, str):
        return _ARN_ACCOUNT.sub(rf"\g<1>{MOTO_ACCOUNT}", value)
    return value


@dataclass
class Recording:
    """One recorded call."""

    operation: str
    request: dict[str, Any]
    status: int
    body: Any
    region: str
    recorded: str  # UTC, ISO 8601 to the second
    face_model_version: str | None = None
    path: Path | None = None

    @property
    def key(self) -> str:
        return key_of(self.operation, self.request)

    @property
    def file_name(self) -> str:
        return f"{self.operation}-{self.key[:KEY_CHARS]}{SUFFIX}"

    @property
    def error_code(self) -> str | None:
        """The service's error code, for an error answer."""
        if self.status < 300:
            return None
        body = self.body if isinstance(self.body, dict) else {}
        return str(body.get("__type") or body.get("Code") or "?").rsplit("#", 1)[-1]

    @property
    def images(self) -> list[str]:
        """The SHA-256 of each image in the request."""
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if set(value) == {"sha256"} and isinstance(value["sha256"], str):
                    found.append(value["sha256"])
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(self.request)
        return found

    def document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "operation": self.operation,
            "region": self.region,
            "recorded": self.recorded,
            "face_model_version": self.face_model_version,
            "request": self.request,
            "response": {"status": self.status, "body": self.body},
        }

    def text(self) -> str:
        return json.dumps(self.document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_document(cls, doc: Any, path: Path | None = None) -> Recording:
        where = f"{path}: " if path is not None else ""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise RecordingError(f"{where}not a rekmock recording (format {FORMAT!r})")
        try:
            response = doc["response"]
            recording = cls(
                operation=str(doc["operation"]), request=doc["request"],
                status=int(response["status"]), body=response["body"],
                region=str(doc["region"]), recorded=str(doc["recorded"]),
                face_model_version=doc.get("face_model_version"), path=path,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordingError(f"{where}missing or malformed member: {exc}") from None
        if not isinstance(recording.request, dict):
            raise RecordingError(f"{where}request is not an object")
        return recording


def write(directory: Path, recording: Recording) -> Path:
    """Write (or overwrite) the recording's file, atomically: parallel workers and a killed
    run never leave half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / recording.file_name
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".rekmock-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(recording.text())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return target


def files(directory: Path) -> list[Path]:
    """The recording files of a directory, by name."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: no such recordings directory")
    return sorted(p for p in directory.iterdir()
                  if p.suffix == SUFFIX and p.is_file() and not p.name.startswith("."))


def read(path: Path) -> Recording:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RecordingError(f"{path}: not readable JSON: {exc}") from None
    return Recording.from_document(doc, path)


def load(directory: Path) -> list[Recording]:
    """Every recording of a directory, by file name (RecordingError on a file that is not
    one)."""
    return [read(path) for path in files(directory)]


def signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a directory's recordings change (names, sizes, modification times)."""
    out = []
    for path in files(directory):
        stat = path.stat()
        out.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)


def by_key(recordings: Iterable[Recording]) -> dict[str, Recording]:
    """Recordings by content key; of two files for one call the first by name wins."""
    out: dict[str, Recording] = {}
    for recording in recordings:
        out.setdefault(recording.key, recording)
    return out
