"""CompareFaces on real photos: same person, different person, thresholds, errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .helpers import cut_by_the_frame, error_code, group_photo, photo


def _compare(client, source: str | bytes, target: str | bytes, **kw) -> dict:
    def image(x: str | bytes) -> dict:
        return {"Bytes": photo(x) if isinstance(x, str) else x}
    return client.compare_faces(SourceImage=image(source), TargetImage=image(target), **kw)


def test_same_photo_scores_100(client) -> None:
    result = _compare(client, "obama.jpg", "obama.jpg")
    assert len(result["FaceMatches"]) == 1
    assert result["FaceMatches"][0]["Similarity"] == 100.0  # as the service scores it
    assert result["UnmatchedFaces"] == []


def test_two_photos_of_one_person_match(client) -> None:
    result = _compare(client, "obama.jpg", "obama2.jpg")
    assert len(result["FaceMatches"]) == 1
    # The service's scale: the same person 99.9 or more, short of an identical photo's 100.0.
    assert 99.9 <= result["FaceMatches"][0]["Similarity"] < 100.0
    assert set(result["SourceImageFace"]) == {"BoundingBox", "Confidence"}
    face = result["FaceMatches"][0]["Face"]
    assert set(face) == {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"}


def test_different_people_do_not_match(client) -> None:
    result = _compare(client, "obama.jpg", "biden.jpg")
    assert result["FaceMatches"] == []
    assert len(result["UnmatchedFaces"]) == 1
    low = _compare(client, "obama.jpg", "biden.jpg", SimilarityThreshold=0)
    assert low["FaceMatches"][0]["Similarity"] < 10  # the service scores strangers under 10


def test_many_targets_sorted_by_similarity(client) -> None:
    group = group_photo("biden.jpg", "obama2.jpg", "hopper.jpg")
    result = _compare(client, "obama.jpg", group, SimilarityThreshold=0)
    sims = [m["Similarity"] for m in result["FaceMatches"]]
    assert len(sims) == 3 and sims == sorted(sims, reverse=True)
    assert sims[0] > 90 and sims[1] < 80
    default = _compare(client, "obama.jpg", group)
    assert len(default["FaceMatches"]) == 1 and len(default["UnmatchedFaces"]) == 2
    # the match is obama2, the middle photo
    assert 0.2 < default["FaceMatches"][0]["Face"]["BoundingBox"]["Left"] < 0.8


def test_largest_source_face_is_used(client) -> None:
    group = group_photo("obama.jpg", "hopper.jpg")  # obama's face is the larger one
    result = _compare(client, group, "obama2.jpg")
    assert len(result["FaceMatches"]) == 1
    assert result["SourceImageFace"]["BoundingBox"]["Left"] < 0.5


@pytest.mark.parametrize(("source", "target"), [("coffee.jpg", "obama.jpg"),
                                                ("obama.jpg", "coffee.jpg")])
def test_no_face_is_invalid_parameter(client, source, target) -> None:
    with pytest.raises(ClientError) as exc:
        _compare(client, source, target)
    assert error_code(exc) == "InvalidParameterException"
    assert exc.value.response["Error"]["Message"] == "Request has invalid parameters"


def test_image_under_80_px_is_the_generic_invalid_parameter(client) -> None:
    import io

    from PIL import Image

    small = Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB").resize((79, 100))
    out = io.BytesIO()
    small.save(out, "PNG")
    with pytest.raises(ClientError) as exc:
        _compare(client, out.getvalue(), "obama.jpg")
    assert error_code(exc) == "InvalidParameterException"
    assert exc.value.response["Error"]["Message"] == "Request has invalid parameters"


def test_quality_filter_high_drops_a_tiny_face(client) -> None:
    group = group_photo("obama.jpg", "hopper.jpg")
    none = _compare(client, "obama2.jpg", group, SimilarityThreshold=0)
    high = _compare(client, "obama2.jpg", group, SimilarityThreshold=0, QualityFilter="HIGH")
    assert len(none["FaceMatches"]) == 2
    assert len(high["FaceMatches"]) < 2


def test_a_face_cut_by_the_frame_is_found_and_compared(client) -> None:
    """A face filling a tight crop (brow and chin outside it) that MTCNN misses is found with a
    grey border added round the photo; its box reaches past the frame, as the service's boxes
    of cut faces do, and its face vector still tells the man from another."""
    crop = cut_by_the_frame()
    (face,) = client.detect_faces(Image={"Bytes": crop})["FaceDetails"]
    box = face["BoundingBox"]
    assert box["Left"] < 0 and box["Top"] < 0
    assert box["Left"] + box["Width"] > 1 and box["Top"] + box["Height"] > 1
    assert face["Confidence"] > 99
    same = _compare(client, crop, "obama2.jpg")
    assert same["FaceMatches"][0]["Similarity"] > 99
    assert _compare(client, crop, "biden.jpg")["FaceMatches"] == []
