"""The plugin's fixtures: new state for every test although the clients share one session."""

from __future__ import annotations

from typing import Any


def test_first_leaves_state_behind(rekognition_client: Any, s3_client: Any) -> None:
    s3_client.create_bucket(Bucket="left-behind")
    rekognition_client.create_collection(CollectionId="left-behind")
    assert [b["Name"] for b in s3_client.list_buckets()["Buckets"]] == ["left-behind"]


def test_next_starts_clean(rekognition_client: Any, s3_client: Any) -> None:
    assert s3_client.list_buckets()["Buckets"] == []
    assert rekognition_client.list_collections()["CollectionIds"] == []


def test_clients_are_new_per_test_and_in_us_east_1(rekognition_client: Any) -> None:
    from rekmock import pytest_plugin

    other = pytest_plugin._client("rekognition")
    assert other is not rekognition_client
    assert rekognition_client.meta.region_name == "us-east-1"
