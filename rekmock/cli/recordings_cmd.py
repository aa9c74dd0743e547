"""``rekmock recordings list|verify DIR``: what a directory of recordings holds, and whether
rekmock still answers each recording as recorded.

``verify`` checks every file: it is a recording, its name is its content's (a hand-edited
request no longer matches the call it was made for), no other file records the same call. It
then replays each recording through ``mock_rekognition(replay=DIR)`` and a boto3 client, its
photos found by content in the ``--images`` folders: a stateless call must get the recorded
answer; an IndexFaces into a fresh collection must give the recorded faces (ids aside). Calls
whose answers depend on earlier calls (searches, users, lists) are not replayed alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# Members whose values are rekmock's own on replay (ids), left out of the IndexFaces check.
IDS = frozenset({"FaceId", "ImageId", "UserId"})


_NO_PHOTO = "its photos are not among --images"


class _Problem(Exception):
    """This recording does not replay as recorded: why."""


def _image_index(folders: Iterable[str]) -> dict[str, Path]:
    """SHA-256 of every JPEG and PNG under the folders -> its path."""
    found: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                found.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return found


def _with_images(value: Any, images: dict[str, Path]) -> Any:
    """The recorded request as boto3 parameters: each ``{"sha256": h}`` becomes the photo's
    bytes (KeyError: a photo not found)."""
    if isinstance(value, dict):
        if set(value) == {"sha256"}:
            return {"Bytes": images[value["sha256"]].read_bytes()}
        return {k: _with_images(v, images) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_images(v, images) for v in value]
    return value


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in IDS}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _call(client: Any, operation: str, params: dict[str, Any]) -> tuple[int, Any]:
    """(HTTP status, body as the service wrote it: the answer, or its error document)."""
    from botocore import xform_name
    from botocore.exceptions import ClientError

    try:
        answer = getattr(client, xform_name(operation))(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return status, {"__type": error.get("Code"), "Message": error.get("Message")}
    status = int(answer.pop("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    return status, answer


def _expected(recording: Any) -> Any:
    """The recorded body in the form ``_call`` returns."""
    body = recording.body
    if recording.status >= 300 and isinstance(body, dict):
        return {"__type": recording.error_code,
                "Message": body.get("Message", body.get("message"))}
    return body


def _replay(recording: Any, directory: Path, images: dict[str, Path]) -> str:
    """Replay one recording through the mock; 'ok' or 'skipped: ...', or _Problem."""
    import boto3

    from ..mock import mock_rekognition
    from ..recording.forward import regional_endpoint
    from ..recording.operations import replayed_as_recorded

    stateless = replayed_as_recorded(recording.operation)
    if not stateless and recording.operation != "IndexFaces":
        return "skipped: its answer depends on the calls before it"
    try:
        params = _with_images(recording.request, images)
    except KeyError:
        return f"skipped: {_NO_PHOTO}"
    with mock_rekognition(replay=directory):
        client = boto3.client("rekognition", region_name=recording.region,
                              endpoint_url=regional_endpoint(recording.region))
        if not stateless:
            client.create_collection(CollectionId=params["CollectionId"])
        status, body = _call(client, recording.operation, params)
    want, got = _expected(recording), body
    if not stateless:
        want, got = _without_ids(want), _without_ids(got)
    if status != recording.status:
        raise _Problem(f"answers {status} {_short(got)} instead of {recording.status}")
    differs = _difference(want, got)
    if differs is not None:
        raise _Problem(f"answers differently: {differs}")
    return "ok"


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def _difference(want: Any, got: Any, path: str = "") -> str | None:
    """The first place two JSON documents differ, or None."""
    where = path.rstrip(".") or "the answer"
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(want) | set(got)):
            if key not in got:
                return f"{path}{key}: recorded, missing now"
            if key not in want:
                return f"{path}{key}: not recorded, now {_short(got[key])}"
            found = _difference(want[key], got[key], f"{path}{key}.")
            if found is not None:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return f"{where}: {len(want)} items recorded, {len(got)} now"
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            found = _difference(w, g, f"{where}[{i}].")
            if found is not None:
                return found
        return None
    return None if want == got else f"{where}: {_short(want)} recorded, {_short(got)} now"


def cmd_verify(args: argparse.Namespace) -> int:
    from ..recording import store
    from .main import CliError

    directory = Path(args.directory)
    try:
        paths = store.files(directory)
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from None
    images = _image_index(args.images or ())
    failed = 0
    readable: list[Any] = []
    seen: dict[str, Any] = {}
    lines: dict[Path, str] = {}
    for path in paths:
        try:
            recording = store.read(path)
            if recording.file_name != path.name:
                raise _Problem(f"its content is the call {recording.file_name} (edited by hand, "
                               "or written by another rekmock): re-record it or rename it")
            first = seen.setdefault(recording.key, recording)
            if first is not recording:
                raise _Problem(f"records the same call as {first.path.name}, which wins")
            readable.append(recording)
            lines[path] = "ok"
        except (store.RecordingError, _Problem) as exc:
            lines[path] = f"FAIL: {exc}"
    if len(readable) == len(paths):  # a replay loads every file: all must be recordings
        for recording in readable:
            try:
                lines[recording.path] = _replay(recording, directory, images)
            except _Problem as exc:
                lines[recording.path] = f"FAIL: {exc}"
    for path in paths:
        print(f"{path.name}: {lines[path]}")
        failed += lines[path].startswith("FAIL")
    replayed = sum(1 for line in lines.values() if line == "ok")
    no_photo = sum(1 for line in lines.values() if line.endswith(_NO_PHOTO))
    print(f"{len(paths)} recordings, {failed} failed, {replayed} replayed through the mock"
          + (f" ({no_photo} need their photos: --images PHOTO_DIR)" if no_photo else ""))
    return 1 if failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    from ..recording import store
    from .main import CliError

    try:
        recordings = store.load(Path(args.directory))
    except (FileNotFoundError, store.RecordingError) as exc:
        raise CliError(str(exc)) from None
    images: set[str] = set()
    for rec in recordings:
        images.update(rec.images)
        answer = rec.error_code or str(rec.status)
        shown = ",".join(h[:12] for h in rec.images) or "-"
        print(f"{rec.path.name if rec.path else '?'}  {rec.operation}  {rec.region}  "
              f"{rec.recorded}  {answer}  images {shown}"
              + (f"  model {rec.face_model_version}" if rec.face_model_version else ""))
    print(f"{len(recordings)} recordings of {len(images)} images")
    return 0


def add_parser(sub: Any) -> None:
    """Register the ``recordings`` subcommand on the main parser's subparsers."""
    recordings = sub.add_parser(
        "recordings", help="list or verify a directory of recorded service answers",
        description="Recordings are written by `rekmock serve --record DIR`, "
        "mock_rekognition(record=DIR) or pytest --rekmock-record DIR.",
    )
    actions = recordings.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="one line per recording")
    listing.add_argument("directory", metavar="DIR")
    listing.set_defaults(func=cmd_list)
    verify = actions.add_parser(
        "verify", help="check every recording still replays as recorded (exit 1 if not)")
    verify.add_argument("directory", metavar="DIR")
    verify.add_argument("--images", action="append", metavar="PHOTO_DIR",
                        help="a folder of the photos recorded (repeatable): replay each "
                        "recording through the mock")
    verify.set_defaults(func=cmd_verify)
