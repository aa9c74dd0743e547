"""The recorder and the replayer: what the service's dispatch asks before rekmock computes.

A mode is chosen per mock (``mock_rekognition(record=DIR)``, ``replay=DIR``), per server
(``rekmock serve --record DIR``), or for the whole process (the pytest options, then the
``REKMOCK_RECORD`` / ``REKMOCK_REPLAY`` environment variables), and is active while its mock
runs or its server serves. Handlers know nothing of it: the dispatch hands each call to the
active mode first and computes the answer only when the mode gives none.

* :class:`Recorder`: forwards each call the service can answer (see :mod:`.operations`) and
  writes the answer (or the service's error) to the directory; returns it unchanged.
* :class:`Replayer`: answers a call that matches a recording of an operation that keeps no
  state with the recorded answer, unless the test scripted one of its images; and installs the
  recordings' facts (faces, similarities) for everything rekmock computes.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import forward

ENV_RECORD = "REKMOCK_RECORD"
ENV_REPLAY = "REKMOCK_REPLAY"
ENV_UPSTREAM = "REKMOCK_UPSTREAM"
ENV_MASK_ACCOUNT = "REKMOCK_MASK_ACCOUNT"
_TRUE = ("1", "true", "yes", "on")
# Errors that say something about the caller's credentials, rights or rate rather than about
# the request: passed back, never recorded (a replay would repeat a transient failure).
NOT_RECORDED_ERRORS = frozenset({
    "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
    "IncompleteSignature", "MissingAuthenticationTokenException", "ExpiredTokenException",
    "InvalidClientTokenId", "RequestExpired", "ThrottlingException",
    "ProvisionedThroughputExceededException", "LimitExceededException",
})
SERVER_ERROR = 500  # statuses from here on are the service's own trouble: never recorded

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Call:
    """One Rekognition request as the dispatch sees it."""

    operation: str
    body: bytes
    account_id: str
    region: str
    partition: str
    computed: bool  # rekmock computes this operation (a test's scripts can concern it)


class Mode(Protocol):
    facts: Any  # RecordedFacts installed while the mode is active, or None

    def answer(self, call: Call) -> Answer | None: ...

    def describe(self) -> str: ...


def _reader(call: Call) -> Any:
    from ..faces.intake import read_s3

    return lambda location: read_s3(location, call.account_id, call.partition)


def _error_code(headers: dict[str, str], body: Any) -> str:
    """The service's error code, from ``x-amzn-ErrorType`` or the body's ``__type``."""
    raw = headers.get("x-amzn-ErrorType") or (
        body.get("__type") or body.get("code") or "" if isinstance(body, dict) else "")
    return str(raw).split(":", 1)[0].rsplit("#", 1)[-1]


class Recorder:
    """Forward, answer unchanged, write down."""

    facts = None

    def __init__(self, directory: str | os.PathLike[str], upstream: str | None = None,
                 mask_account: bool = False) -> None:
        self.directory = Path(directory)
        self.upstream = forward.Upstream(upstream or None, forward.credentials())
        self.mask_account = mask_account

    def describe(self) -> str:
        where = self.upstream.url or "the service's regional endpoints"
        return f"recording calls to {where} into {self.directory}"

    def answer(self, call: Call) -> Answer | None:
        from .operations import forwarded
        from .requests import LocalOnly, Prepared, Unreadable, prepare

        if not forwarded(call.operation):
            return None
        prepared: Prepared | None
        try:
            prepared = prepare(call.operation, call.body, _reader(call))
        except LocalOnly:
            return None
        except Unreadable:
            prepared = None  # the service says what is wrong with it; not worth a recording
        reply = self.upstream.send(call.operation, call.region,
                                   call.body if prepared is None else prepared.body)
        if prepared is not None:
            self._keep(call, prepared.request, reply)
        return reply.status, dict(reply.headers), reply.body

    def _keep(self, call: Call, request: dict[str, Any], reply: forward.Reply) -> None:
        from . import store

        try:
            body = json.loads(reply.body or b"{}")
        except ValueError:
            return
        if reply.status >= SERVER_ERROR or (
                reply.status >= 300 and _error_code(reply.headers, body) in NOT_RECORDED_ERRORS):
            return
        version = body.get("FaceModelVersion") if isinstance(body, dict) else None
        if self.mask_account:
            request, body = store.mask_account(request), store.mask_account(body)
        store.write(self.directory, store.Recording(
            operation=call.operation, request=request, status=reply.status, body=body,
            region=call.region,
            recorded=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            face_model_version=version if isinstance(version, str) else None,
        ))


class Replayer:
    """Recorded answers for stateless calls; recorded facts for the rest."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        from . import store
        from .facts import facts_of

        self.directory = Path(directory)
        self.recordings = store.load(self.directory)
        self.by_key = store.by_key(self.recordings)
        self.facts = facts_of(self.recordings)

    def describe(self) -> str:
        return (f"replaying {len(self.recordings)} recordings from {self.directory} "
                f"({self.facts.images} images with recorded faces)")

    def lookup(self, operation: str, request: dict[str, Any]) -> Any:
        """The recording of this call (its images as hashes), if there is one."""
        from .store import key_of

        return self.by_key.get(key_of(operation, request))

    def answer(self, call: Call) -> Answer | None:
        from ..backend.backends import scripts_for
        from .operations import replayed_as_recorded
        from .requests import LocalOnly, Unreadable, prepare

        if not replayed_as_recorded(call.operation):
            return None
        try:
            prepared = prepare(call.operation, call.body, _reader(call))
        except (LocalOnly, Unreadable):
            return None
        found = self.lookup(call.operation, prepared.request)
        if found is None:
            return None
        if call.computed and scripts_for(call.account_id).mentions(prepared.refs):
            return None  # the test's own script wins; rekmock computes with the facts
        headers = {"Content-Type": forward.JSON_CONTENT_TYPE}
        code = found.error_code
        if code is not None:
            headers["x-amzn-ErrorType"] = code
        return found.status, headers, json.dumps(found.body, separators=(",", ":")).encode()


# -- which mode runs --------------------------------------------------------------------------

_active: list[Mode] = []
_lock = threading.Lock()
_defaults: dict[str, Any] = {}  # set by configure() (the pytest options)
_replayers: dict[Path, tuple[Any, Replayer]] = {}  # the latest per directory


def current() -> Mode | None:
    """The mode of the innermost running mock or server, if any."""
    return _active[-1] if _active else None


def _install_facts() -> None:
    from ..backend import recorded

    top = current()
    recorded.install(top.facts if top is not None else None)


def enter(mode: Mode) -> None:
    with _lock:
        _active.append(mode)
        _install_facts()


def leave(mode: Mode) -> None:
    with _lock:
        for i in range(len(_active) - 1, -1, -1):
            if _active[i] is mode:
                del _active[i]
                break
        _install_facts()


def configure(record: str | None = None, replay: str | None = None,
              upstream: str | None = None, mask_account: bool = False) -> None:
    """Defaults for every mock of this process that chooses no mode itself (the pytest
    options). Recording resolves the credentials now, before any test starts a mock."""
    if record and replay:
        raise ValueError("record or replay, not both")
    if replay and not Path(replay).is_dir():
        raise ValueError(f"{replay}: no such recordings directory")
    _defaults.clear()
    _defaults.update(record=record, replay=replay, upstream=upstream, mask_account=mask_account)
    if record:
        forward.credentials()


def _replayer(directory: str) -> Replayer:
    """One replayer per directory and content: a suite's mocks share it."""
    from . import store

    path = Path(directory).resolve()
    signature = store.signature(path)
    with _lock:
        known = _replayers.get(path)
    if known is not None and known[0] == signature:
        return known[1]
    found = Replayer(path)
    with _lock:
        _replayers[path] = (signature, found)
    return found


def mode_for(record: str | os.PathLike[str] | None = None,
             replay: str | os.PathLike[str] | None = None, upstream: str | None = None,
             mask_account: bool | None = None) -> Mode | None:
    """The mode a mock runs in: its own arguments, else the pytest options, else the
    environment (``REKMOCK_RECORD`` with ``REKMOCK_UPSTREAM`` and ``REKMOCK_MASK_ACCOUNT``, or
    ``REKMOCK_REPLAY``); None for plain rekmock."""
    if record is None and replay is None:
        if _defaults.get("record") or _defaults.get("replay"):
            record, replay = _defaults["record"], _defaults["replay"]
            upstream = upstream or _defaults.get("upstream")
            if mask_account is None:
                mask_account = bool(_defaults.get("mask_account"))
        else:
            record = os.environ.get(ENV_RECORD) or None
            replay = os.environ.get(ENV_REPLAY) or None
            upstream = upstream or os.environ.get(ENV_UPSTREAM) or None
            if mask_account is None:
                mask_account = os.environ.get(ENV_MASK_ACCOUNT, "").lower() in _TRUE
    if record and replay:
        raise ValueError("record or replay, not both")
    if record:
        return Recorder(record, upstream, bool(mask_account))
    if replay:
        return _replayer(os.fspath(replay))
    return None
