"""``mock_rekognition``: moto's ``mock_aws`` with rekmock serving Rekognition.

moto has no plugin mechanism; it looks its Rekognition backend up by module attribute on every
request. Installing rekmock means pointing those attributes at rekmock's backend, once per
process. Everything else (nesting, resets, class decoration, credentials) is ``mock_aws``'s own,
so ``mock_rekognition`` and ``mock_aws`` nest in either order and share one state.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar, overload

import moto.rekognition
import moto.rekognition.models
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from .backend.backends import RekognitionBackend, rekognition_backends
from .scripting import RekognitionState

T = TypeVar("T", bound=Callable[..., Any])  # a test function or a test class


def install() -> None:
    """Make moto route Rekognition to rekmock (idempotent; also used by server mode)."""
    from .service import urls

    RekognitionBackend.urls_module = urls
    moto.rekognition.rekognition_backends = rekognition_backends  # type: ignore[assignment]
    moto.rekognition.models.rekognition_backends = rekognition_backends  # type: ignore[assignment]


class MockRekognition:
    """Context manager and decorator; ``start()``/``stop()`` for setUp/tearDown style."""

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self._mock = mock_aws()
        self.state = RekognitionState(account_id)

    def start(self, reset: bool = True) -> RekognitionState:
        install()
        self._mock.start(reset=reset)
        return self.state

    def stop(self, remove_data: bool = True) -> None:
        self._mock.stop(remove_data=remove_data)

    def __enter__(self) -> RekognitionState:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __call__(self, func: T) -> T:
        install()
        # mock_aws decorates functions and classes (every test method isolated, TestCase too).
        return self._mock(func)  # type: ignore[return-value]


@overload
def mock_rekognition(func: T) -> T: ...


@overload
def mock_rekognition(func: None = None) -> MockRekognition: ...


def mock_rekognition(func: T | None = None) -> T | MockRekognition:
    """Use as ``@mock_rekognition``, ``@mock_rekognition()``, or ``with mock_rekognition() as rek``.

    Inside, boto3 Rekognition clients reach rekmock and every other AWS service reaches moto.
    The context manager gives a :class:`~rekmock.scripting.RekognitionState` for scripting answers.
    Typed like moto's ``mock_aws``: a decorated function or class keeps its own type.
    """
    if func is None:
        return MockRekognition()
    if inspect.isclass(func) or callable(func):
        return MockRekognition()(func)
    raise TypeError("mock_rekognition decorates a function or a class")
