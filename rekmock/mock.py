"""``mock_rekognition``: moto's ``mock_aws`` with rekmock serving Rekognition.

moto has no plugin mechanism; it looks its Rekognition backend up by module attribute on every
request. Installing rekmock means pointing those attributes at rekmock's backend. Everything else
(nesting, resets, class decoration, credentials) is ``mock_aws``'s own, so ``mock_rekognition``
and ``mock_aws`` nest in either order and share one state.

The swap lasts while a ``mock_rekognition`` runs, and while a ``mock_aws`` that was running
around it still runs; when moto's last mock stops with no ``mock_rekognition`` left, moto's own
Rekognition is restored, so a later plain ``mock_aws`` answers as moto does whatever ran before.
A server holds the swap while it serves (:func:`hold`, :func:`release`); :func:`install` pins it
for the life of the process.
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar, overload

import moto.rekognition
import moto.rekognition.models
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.models import MockAWS

from .backend.backends import RekognitionBackend, rekognition_backends
from .recording import modes
from .scripting import RekognitionState

T = TypeVar("T", bound=Callable[..., Any])  # a test function or a test class

_MOTO_BACKENDS = moto.rekognition.models.rekognition_backends  # moto's own, restored on exit
_lock = threading.RLock()
_active = 0  # running mock_rekognition starts
_pinned = False  # install() was called: keep the swap for good (server mode)
_moto_stop = MockAWS.stop


def _swap(backends: Any) -> None:
    moto.rekognition.rekognition_backends = backends
    moto.rekognition.models.rekognition_backends = backends


def _wire() -> None:
    from .service import urls

    RekognitionBackend.urls_module = urls
    _swap(rekognition_backends)


def installed() -> bool:
    """Whether moto routes Rekognition to rekmock right now."""
    return moto.rekognition.models.rekognition_backends is rekognition_backends


def install() -> None:
    """Make moto route Rekognition to rekmock for the rest of the process (server mode)."""
    global _pinned
    with _lock:
        _pinned = True
        _wire()


def hold() -> None:
    """Route Rekognition to rekmock until a matching :func:`release` (an in-process server)."""
    global _active
    with _lock:
        _active += 1
        _wire()


def release() -> None:
    """End one :func:`hold` (or one ``mock_rekognition``); moto's own routing comes back when
    nothing holds rekmock and no mock runs."""
    global _active
    with _lock:
        _active = max(0, _active - 1)
    _restore_if_idle()


def _restore_if_idle() -> None:
    with _lock:
        if not _pinned and _active == 0 and MockAWS._nested_count == 0:
            _swap(_MOTO_BACKENDS)


def _stop_and_restore(self: MockAWS, remove_data: bool = True) -> None:
    """``MockAWS.stop``, then moto's own Rekognition back once every mock has stopped."""
    _moto_stop(self, remove_data=remove_data)
    _restore_if_idle()


# Every mock_aws stop (ours included) checks whether rekmock should step aside.
MockAWS.stop = _stop_and_restore  # type: ignore[method-assign]


class MockRekognition:
    """Context manager and decorator; ``start()``/``stop()`` for setUp/tearDown style.

    ``record``/``replay``: a recordings directory (see ``rekmock.recording``); the mode is
    chosen, and a recording's credentials resolved, when the mock is made."""

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, *,
                 record: str | os.PathLike[str] | None = None,
                 replay: str | os.PathLike[str] | None = None,
                 upstream: str | None = None, mask_account: bool | None = None) -> None:
        self._recording = modes.mode_for(record, replay, upstream, mask_account)
        self._mock = mock_aws()
        # mock_aws's decorators call self.start/self.stop: count rekmock's users through them.
        self._mock.start = self._start_mock  # type: ignore[method-assign]
        self._mock.stop = self._stop_mock  # type: ignore[method-assign]
        self.state = RekognitionState(account_id)

    def _start_mock(self, reset: bool = True) -> None:
        hold()
        try:
            MockAWS.start(self._mock, reset=reset)
        except BaseException:
            release()
            raise
        if self._recording is not None:
            modes.enter(self._recording)

    def _stop_mock(self, remove_data: bool = True) -> None:
        global _active
        if self._recording is not None:
            modes.leave(self._recording)
        with _lock:
            _active = max(0, _active - 1)
        MockAWS.stop(self._mock, remove_data=remove_data)  # restores if it was the last mock

    def start(self, reset: bool = True) -> RekognitionState:
        self._mock.start(reset=reset)
        return self.state

    def stop(self, remove_data: bool = True) -> None:
        self._mock.stop(remove_data=remove_data)

    def __enter__(self) -> RekognitionState:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __call__(self, func: T) -> T:
        # mock_aws decorates functions and classes (every test method isolated, TestCase too).
        return self._mock(func)  # type: ignore[return-value]


@overload
def mock_rekognition(func: T) -> T: ...


@overload
def mock_rekognition(
    func: None = None, *, record: str | os.PathLike[str] | None = None,
    replay: str | os.PathLike[str] | None = None, upstream: str | None = None,
    mask_account: bool | None = None,
) -> MockRekognition: ...


def mock_rekognition(
    func: T | None = None, *, record: str | os.PathLike[str] | None = None,
    replay: str | os.PathLike[str] | None = None, upstream: str | None = None,
    mask_account: bool | None = None,
) -> T | MockRekognition:
    """Use as ``@mock_rekognition``, ``@mock_rekognition()``, or ``with mock_rekognition() as rek``.

    Inside, boto3 Rekognition clients reach rekmock and every other AWS service reaches moto.
    The context manager gives a :class:`~rekmock.scripting.RekognitionState` for scripting answers.
    Typed like moto's ``mock_aws``: a decorated function or class keeps its own type.

    ``record=DIR`` forwards every Rekognition call to the real service (or to ``upstream``, a
    URL), signed with the caller's AWS credentials, and writes each answer to DIR
    (``mask_account``: ARNs name moto's account there); ``replay=DIR`` answers from those
    recordings. Without either, ``REKMOCK_RECORD`` / ``REKMOCK_REPLAY`` (or the pytest
    options) decide.
    """
    if func is None:
        return MockRekognition(record=record, replay=replay, upstream=upstream,
                               mask_account=mask_account)
    if inspect.isclass(func) or callable(func):
        return MockRekognition()(func)
    raise TypeError("mock_rekognition decorates a function or a class")
