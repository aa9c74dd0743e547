"""Fixtures of the test suite, built on the rekmock pytest plugin's own (``rekognition_mock``,
``s3_client``); shared helpers live in ``tests/helpers.py``."""

from __future__ import annotations

from typing import Any

import pytest

from rekmock import RekognitionState

from .helpers import strict_client, unvalidated_client


@pytest.fixture
def rek(rekognition_mock: RekognitionState) -> RekognitionState:
    """The plugin's mock for this test (its scripting handle)."""
    return rekognition_mock


@pytest.fixture
def client(rekognition_mock: RekognitionState) -> Any:
    """A Rekognition client under the plugin's mock whose every response is schema-checked."""
    return strict_client()


@pytest.fixture
def raw_client(rekognition_mock: RekognitionState) -> Any:
    return unvalidated_client()


@pytest.fixture
def s3(s3_client: Any) -> Any:
    return s3_client
