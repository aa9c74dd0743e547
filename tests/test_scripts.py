"""Scripted answers: field overrides, same/different person, celebrities; isolation per test."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .helpers import error_code, photo


def test_set_face_overrides_any_field(client, rek) -> None:
    rek.set_face(photo("obama.jpg"), Smile={"Value": False, "Confidence": 97.5},
                 AgeRange={"Low": 40, "High": 48})
    face = client.detect_faces(Image={"Bytes": photo("obama.jpg")}, Attributes=["ALL"])[
        "FaceDetails"][0]
    assert face["Smile"] == {"Value": False, "Confidence": 97.5}
    assert face["AgeRange"] == {"Low": 40, "High": 48}
    default = client.detect_faces(Image={"Bytes": photo("obama.jpg")})["FaceDetails"][0]
    assert "Smile" not in default  # only asked-for fields are returned, scripted or not


def test_set_face_by_path_and_s3_location(client, rek, s3) -> None:
    from .helpers import DATA

    rek.set_face(DATA / "hopper.jpg", Confidence=42.0)
    assert client.detect_faces(Image={"Bytes": photo("hopper.jpg")})["FaceDetails"][0][
        "Confidence"] == 42.0
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a.png", Body=photo("astronaut.png"))
    rek.set_face(("photos", "a.png"), Quality={"Brightness": 1.0, "Sharpness": 2.0})
    face = client.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "a.png"}})[
        "FaceDetails"][0]
    assert face["Quality"] == {"Brightness": 1.0, "Sharpness": 2.0}
    plain = client.detect_faces(Image={"Bytes": photo("astronaut.png")})["FaceDetails"][0]
    assert plain["Quality"] != face["Quality"]


def test_unknown_field_is_refused(rek) -> None:
    with pytest.raises(ValueError, match="not FaceDetail fields"):
        rek.set_face(photo("obama.jpg"), Happiness=1)


def test_scripted_same_and_different_person(client, rek) -> None:
    rek.same_person(photo("obama.jpg"), photo("biden.jpg"), similarity=93.25)
    match = client.compare_faces(SourceImage={"Bytes": photo("obama.jpg")},
                                 TargetImage={"Bytes": photo("biden.jpg")})
    assert [m["Similarity"] for m in match["FaceMatches"]] == [93.25]
    rek.different_person(photo("obama2.jpg"), photo("obama.jpg"))
    differ = client.compare_faces(SourceImage={"Bytes": photo("obama.jpg")},
                                  TargetImage={"Bytes": photo("obama2.jpg")})
    assert differ["FaceMatches"] == [] and len(differ["UnmatchedFaces"]) == 1


def test_scripts_do_not_leak_between_tests(client) -> None:
    match = client.compare_faces(SourceImage={"Bytes": photo("obama.jpg")},
                                 TargetImage={"Bytes": photo("biden.jpg")})
    assert match["FaceMatches"] == []


def test_celebrities_by_face_vector(client, rek) -> None:
    obama = rek.add_celebrity("Barack Obama", photos=[photo("obama2.jpg")],
                              urls=["www.wikidata.org/wiki/Q76"], known_gender="Male")
    rek.add_celebrity("Joe Biden", photos=[photo("biden.jpg")], known_gender="Male")
    result = client.recognize_celebrities(Image={"Bytes": photo("obama.jpg")})
    [celeb] = result["CelebrityFaces"]
    assert celeb["Id"] == obama and celeb["Name"] == "Barack Obama"
    assert celeb["MatchConfidence"] > 90
    assert celeb["KnownGender"] == {"Type": "Male"}
    assert {"Emotions", "Smile"} <= set(celeb["Face"])
    assert result["UnrecognizedFaces"] == []
    unknown = client.recognize_celebrities(Image={"Bytes": photo("hopper.jpg")})
    assert unknown["CelebrityFaces"] == [] and len(unknown["UnrecognizedFaces"]) == 1
    info = client.get_celebrity_info(Id=obama)
    assert info == {**info, "Name": "Barack Obama", "Urls": ["www.wikidata.org/wiki/Q76"]}


def test_celebrity_ids_are_stable(rek) -> None:
    assert rek.add_celebrity("Grace Hopper") == rek.add_celebrity("Grace Hopper")
    assert rek.add_celebrity("Grace Hopper") != rek.add_celebrity("Eileen Collins")


def test_scripted_celebrity_and_empty_gallery(client, rek) -> None:
    assert client.recognize_celebrities(Image={"Bytes": photo("astronaut.png")})[
        "CelebrityFaces"] == []
    collins = rek.add_celebrity("Eileen Collins", urls=["www.nasa.gov"])
    rek.set_celebrity(photo("astronaut.png"), collins, match_confidence=98.0)
    [celeb] = client.recognize_celebrities(Image={"Bytes": photo("astronaut.png")})[
        "CelebrityFaces"]
    assert (celeb["Id"], celeb["MatchConfidence"]) == (collins, 98.0)
    assert "KnownGender" not in celeb


def test_unknown_celebrity_id(client) -> None:
    with pytest.raises(ClientError) as exc:
        client.get_celebrity_info(Id="nobody12")
    assert error_code(exc) == "ResourceNotFoundException"


def test_scripted_pose_counts_in_quality_filters(client, rek) -> None:
    rek.set_face(photo("obama2.jpg"), Pose={"Roll": 0.0, "Yaw": 85.0, "Pitch": 0.0})
    client.create_collection(CollectionId="c")
    resp = client.index_faces(CollectionId="c", Image={"Bytes": photo("obama2.jpg")})
    assert resp["FaceRecords"] == []
    assert resp["UnindexedFaces"][0]["Reasons"] == ["EXTREME_POSE"]
    assert resp["UnindexedFaces"][0]["FaceDetail"]["Pose"]["Yaw"] == 85.0


def test_one_image_parser_for_every_form(tmp_path) -> None:
    from rekmock.backend.scripts import image_ref, image_source

    path = tmp_path / "x.jpg"
    path.write_bytes(b"abc")
    assert image_source(path) == image_source(str(path)) == b"abc"
    assert image_source({"Bytes": b"abc"}) == b"abc"
    assert image_source({"Bytes": "YWJj"}, base64_strings=True) == b"abc"
    assert image_source(("b", "k")) == image_source({"Bucket": "b", "Name": "k"}) == (
        image_source({"S3Object": {"Bucket": "b", "Name": "k"}})) == ("b", "k")
    assert image_ref(path) == image_ref(b"abc") != image_ref(b"abd")
    assert image_ref(("b", "k")) == ("s3", "b", "k")
    with pytest.raises(ValueError, match="base64"):
        image_source("%%%", base64_strings=True)
    with pytest.raises(TypeError):
        image_source(3)  # type: ignore[arg-type]
