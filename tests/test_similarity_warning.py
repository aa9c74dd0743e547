"""A Similarity where dlib's descriptor also puts different people of East Asian origin
(80-99.99) is logged, the first in a process with a SimilarityWarning; scripted pairs and clear
answers stay silent, and no warning filter changes an answer."""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

import pytest

from rekmock import RekognitionState, SimilarityWarning
from rekmock.vision import embedding

from .helpers import index_photos, photo


@pytest.fixture(autouse=True)
def rearmed() -> None:
    """Each test starts as a fresh process would: the warning not yet given."""
    embedding._warned.clear()

# obama.jpg and obama2.jpg, two photos of one man, score about 99.9 (distance about 0.42): a true
# match, but one in the band where dlib also scores most pairs of different East Asian people.


def _compare(client: Any, a: str, b: str) -> dict[str, Any]:
    return client.compare_faces(SourceImage={"Bytes": photo(a)}, TargetImage={"Bytes": photo(b)})


def _band_warnings(seen: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in seen if issubclass(w.category, SimilarityWarning)]


def test_the_band_is_named_in_similarity_and_distance() -> None:
    low, high = embedding.CONFUSABLE
    assert (low, high) == (80.0, 99.99)
    message = embedding._confusable_message()
    assert "80-99.99" in message and "0.354-0.588" in message
    assert "different_person" in message and "docs/similarity.md" in message


def test_compare_faces_in_the_band_warns_and_logs(client: Any,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="rekmock.similarity"), \
            pytest.warns(SimilarityWarning, match="East Asian origin"):
        result = _compare(client, "obama.jpg", "obama2.jpg")
    similarity = result["FaceMatches"][0]["Similarity"]
    assert 80 <= similarity < 99.99
    logged = [r.getMessage() for r in caplog.records if r.name == "rekmock.similarity"]
    assert logged and f"{similarity:.4f}"[:5] in logged[0]
    assert re.search(r"descriptor distance 0\.(3[5-9]|4|5[0-8])", logged[0])


def test_clear_answers_and_scripted_pairs_do_not_warn(rek: RekognitionState, client: Any) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        same = _compare(client, "hopper.jpg", "hopper_orientation_6.jpg")  # 99.9999
        strangers = _compare(client, "obama.jpg", "biden.jpg")  # 0.05
        rek.same_person("tests/data/obama.jpg", "tests/data/obama2.jpg", similarity=95.0)
        scripted = _compare(client, "obama.jpg", "obama2.jpg")
    assert same["FaceMatches"][0]["Similarity"] >= 99.99
    assert strangers["FaceMatches"] == []
    assert scripted["FaceMatches"][0]["Similarity"] == 95.0
    assert _band_warnings(seen) == []


def test_only_the_first_band_match_of_a_process_warns(client: Any,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="rekmock.similarity"), \
            warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for _ in range(3):
            _compare(client, "obama.jpg", "obama2.jpg")
    assert len(_band_warnings(seen)) == 1
    levels = [r.levelname for r in caplog.records if r.name == "rekmock.similarity"]
    assert levels == ["WARNING", "INFO", "INFO"]  # every band match is in the log


def test_searches_in_the_band_warn(client: Any) -> None:
    faces = index_photos(client, ("obama2.jpg",))
    client.create_user(CollectionId="c", UserId="u")
    client.associate_faces(CollectionId="c", UserId="u", FaceIds=list(faces.values()))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        found = client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("obama.jpg")})
        embedding._warned.clear()
        users = client.search_users_by_image(CollectionId="c", Image={"Bytes": photo("obama.jpg")})
    assert 80 <= found["FaceMatches"][0]["Similarity"] < 99.99
    assert 80 <= users["UserMatches"][0]["Similarity"] < 99.99
    assert len(_band_warnings(seen)) == 2


def test_a_scripted_search_pair_does_not_warn(rek: RekognitionState, client: Any) -> None:
    index_photos(client, ("obama2.jpg",))
    rek.different_person("tests/data/obama.jpg", "tests/data/obama2.jpg")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        found = client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("obama.jpg")})
    assert found["FaceMatches"] == []
    assert _band_warnings(seen) == []


def test_an_error_filter_does_not_change_the_answer(client: Any,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    expected = _compare(client, "obama.jpg", "obama2.jpg")["FaceMatches"]
    embedding._warned.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="rekmock.similarity"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning is raised inside, and must not escape
        assert _compare(client, "obama.jpg", "obama2.jpg")["FaceMatches"] == expected
    logged = [r.levelname for r in caplog.records if r.name == "rekmock.similarity"]
    assert logged == ["WARNING"]  # still told, in the log
