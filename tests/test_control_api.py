"""The control API's request checks, in-process (no server): JSON Schemas give one clear 400."""

from __future__ import annotations

import json

import pytest

from rekmock.server.control_api import SCHEMAS, handle


def post(endpoint: str, body: object) -> tuple[int, str]:
    status, doc = handle("POST", f"/rekmock-api/{endpoint}", json.dumps(body).encode(), {})
    return status, str(doc.get("message", ""))


@pytest.mark.parametrize(
    ("endpoint", "body", "message"),
    [
        ("set-face", {"image": "aGk="}, "missing field(s): fields"),
        ("set-face", {"image": "aGk=", "fields": {}}, "fields must be a non-empty object"),
        ("set-face", {"image": "aGk=", "fields": {"Smile": {}}, "face": -1},
         "face must be a non-negative integer"),
        ("set-face", {"image": "aGk=", "fields": {"Smile": {}}, "face": True},
         "face must be a non-negative integer"),
        ("same-person", {"a": "aGk=", "b": 7}, 'b must be base64 bytes, {"Bytes": base64}'),
        ("same-person", {"a": "aGk=", "b": {"Bucket": "x"}}, "b must be base64 bytes"),
        ("different-person", {"a": "aGk=", "b": "aGk=", "similarity": "high"},
         "similarity must be a percentage, 0..100"),
        ("add-celebrity", {"name": "X", "photos": ["aGk=", "%%%"]}, "photos[1] must be base64"),
        ("add-celebrity", {"name": ""}, "name must be a non-empty string"),
        ("add-celebrity", {"name": "X", "urls": [1]}, "urls[0]: 1 is not of type 'string'"),
        ("add-celebrity", {"name": "X", "known_gender": "Robot"},
         "known_gender must be one of Male, Female, Nonbinary, Unlisted or null"),
        ("set-celebrity", {"image": "aGk=", "celebrity": "x", "colour": 1},
         "unknown field(s): colour; expected image, celebrity, face, match_confidence"),
        ("reset", {"all": True}, "unknown field(s): all"),
    ],
)
def test_bad_bodies_get_one_clear_sentence(endpoint: str, body: object, message: str) -> None:
    status, got = post(endpoint, body)
    assert status == 400
    assert got.startswith(message), got


def test_every_endpoint_has_a_schema_and_objects_only() -> None:
    status, index = handle("GET", "/rekmock-api", b"", {})
    assert status == 200
    names = {e.rsplit("/", 1)[1] for e in index["endpoints"]}
    assert names == set(SCHEMAS)
    assert post("reset", [1]) == (400, "request body must be a JSON object")
