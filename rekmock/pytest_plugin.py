"""pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

* ``rekognition_mock``: a fresh mock for the test (moto's ``mock_aws`` with rekmock serving
  Rekognition), yielding the :class:`~rekmock.scripting.RekognitionState` for scripting answers.
* ``rekognition_client``: a boto3 Rekognition client in ``us-east-1`` under that mock.
* ``s3_client``: a boto3 S3 client under the same mock, for ``S3Object`` images.

Options: ``--rekmock-record DIR`` (with ``--rekmock-upstream URL``, ``--rekmock-mask-account``)
and ``--rekmock-replay DIR`` put every ``mock_rekognition`` of the run, the fixtures' included,
in record or replay mode (see ``rekmock.recording``).

pytest loads this module in every run where rekmock is installed, including suites that never use
it, so it imports nothing heavy at module level: moto, boto3 and numpy load when a fixture is
first used. Under pytest-xdist each worker is its own process with its own mock state; the disk
cache of vision results is shared.

Each test gets new clients, made from one boto3 session per process: ``boto3.client`` builds a
session anew under every mock (moto resets boto3's default session), which costs about 50 ms per
client per test; a kept session makes a client in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .scripting import RekognitionState


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rekmock", "rekmock: record once against AWS, replay offline")
    group.addoption("--rekmock-record", metavar="DIR", default=None,
                    help="forward every Rekognition call of every mock to AWS (signed with "
                    "your credentials: AWS_PROFILE, ...) and write the answers to DIR")
    group.addoption("--rekmock-upstream", metavar="URL", default=None,
                    help="with --rekmock-record: send the calls here instead of AWS's "
                    "regional endpoints")
    group.addoption("--rekmock-mask-account", action="store_true", default=False,
                    help="with --rekmock-record: write moto's account id in ARNs, not yours")
    group.addoption("--rekmock-replay", metavar="DIR", default=None,
                    help="answer from the recordings in DIR where they match, compute the rest")


def pytest_configure(config: pytest.Config) -> None:
    record = config.getoption("rekmock_record", None)
    replay = config.getoption("rekmock_replay", None)
    if record or replay:
        from .recording import modes

        try:
            modes.configure(record=record, replay=replay,
                            upstream=config.getoption("rekmock_upstream", None),
                            mask_account=bool(config.getoption("rekmock_mask_account", False)))
        except (ValueError, RuntimeError) as exc:
            raise pytest.UsageError(f"rekmock: {exc}") from None


@pytest.fixture
def rekognition_mock() -> Iterator[RekognitionState]:
    from .mock import mock_rekognition

    with mock_rekognition() as state:
        yield state


REGION = "us-east-1"
_session: Any = None


def _client(service: str) -> Any:
    """A new boto3 client from this process's kept session (made under the first mock)."""
    global _session
    if _session is None:
        import boto3

        _session = boto3.session.Session()
    return _session.client(service, region_name=REGION)


@pytest.fixture
def rekognition_client(rekognition_mock: RekognitionState) -> Any:
    return _client("rekognition")


@pytest.fixture
def s3_client(rekognition_mock: RekognitionState) -> Any:
    return _client("s3")
