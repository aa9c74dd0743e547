"""pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

* ``rekognition_mock``: a fresh mock for the test (moto's ``mock_aws`` with rekmock serving
  Rekognition), yielding the :class:`~rekmock.scripting.RekognitionState` for scripting answers.
* ``rekognition_client``: a boto3 Rekognition client in ``us-east-1`` under that mock.
* ``s3_client``: a boto3 S3 client under the same mock, for ``S3Object`` images.

pytest loads this module in every run where rekmock is installed, including suites that never use
it, so it imports nothing heavy at module level: moto, boto3 and numpy load when a fixture is
first used. Under pytest-xdist each worker is its own process with its own mock state; the disk
cache of vision results is shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .scripting import RekognitionState


@pytest.fixture
def rekognition_mock() -> Iterator[RekognitionState]:
    from .mock import mock_rekognition

    with mock_rekognition() as state:
        yield state


@pytest.fixture
def rekognition_client(rekognition_mock: RekognitionState) -> Any:
    import boto3

    return boto3.client("rekognition", region_name="us-east-1")


@pytest.fixture
def s3_client(rekognition_mock: RekognitionState) -> Any:
    import boto3

    return boto3.client("s3", region_name="us-east-1")
