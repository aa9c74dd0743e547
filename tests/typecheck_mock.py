"""Checked by mypy (not run by pytest): every way of using mock_rekognition type-checks in a
user's project, as moto's mock_aws does."""

from __future__ import annotations

import unittest
from typing import assert_type

from rekmock import MockRekognition, RekognitionState, mock_rekognition


@mock_rekognition
def plain(x: int) -> str:
    return str(x)


@mock_rekognition()
def called(x: int) -> str:
    return str(x)


@mock_rekognition
class Suite(unittest.TestCase):
    def test_it(self) -> None:
        pass


def context_manager() -> None:
    assert_type(plain(1), str)
    assert_type(called(1), str)
    assert_type(Suite, type[Suite])
    assert_type(mock_rekognition(), MockRekognition)
    with mock_rekognition() as rek:
        assert_type(rek, RekognitionState)
    started = mock_rekognition()
    assert_type(started.start(), RekognitionState)
    started.stop()
