"""Image analysis beside the faces, through boto3: DetectLabels, DetectModerationLabels,
DetectText and DetectProtectiveEquipment, seen through faces or scripted by the test."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from .helpers import DATA, error_code, group_photo, photo

OBAMA = {"Bytes": photo("obama.jpg")}
COFFEE = {"Bytes": photo("coffee.jpg")}


def face_box(client: Any, image: dict[str, Any]) -> dict[str, float]:
    return client.detect_faces(Image=image)["FaceDetails"][0]["BoundingBox"]


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    eps = 1e-6
    return (outer["Left"] - eps <= inner["Left"]
            and outer["Top"] - eps <= inner["Top"]
            and inner["Left"] + inner["Width"] <= outer["Left"] + outer["Width"] + eps
            and inner["Top"] + inner["Height"] <= outer["Top"] + outer["Height"] + eps)


def body(resp: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def by_name(labels: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {label["Name"]: label for label in labels}


# -- DetectLabels ----------------------------------------------------------------------------------

def test_one_face_gives_one_person_around_it(client: Any) -> None:
    resp = client.detect_labels(Image=OBAMA)
    assert resp["LabelModelVersion"] == "3.0"
    labels = by_name(resp["Labels"])
    assert set(labels) == {"Person", "Head", "Face"}
    person = labels["Person"]
    assert person["Parents"] == [] and person["Aliases"] == [{"Name": "Human"}]
    assert person["Categories"] == [{"Name": "Person Description"}]
    assert labels["Face"]["Parents"] == [{"Name": "Head"}, {"Name": "Person"}]
    assert labels["Face"]["Instances"] == [] and labels["Head"]["Instances"] == []
    [instance] = person["Instances"]
    face = face_box(client, OBAMA)
    box = instance["BoundingBox"]
    assert inside(face, box)
    assert box["Height"] > face["Height"] and box["Width"] > face["Width"]
    # centred on the face, starting a little above it
    centre = face["Left"] + face["Width"] / 2
    assert abs(box["Left"] + box["Width"] / 2 - centre) < 0.05 or box["Left"] == 0.0
    assert face["Top"] - 0.5 * face["Height"] < box["Top"] < face["Top"]
    assert instance["Confidence"] == person["Confidence"] > 90


def test_a_photo_without_a_face_has_no_person(client: Any) -> None:
    resp = client.detect_labels(Image=COFFEE)
    assert resp["Labels"] == []
    assert "ImageProperties" not in resp


def test_two_faces_give_two_instances(client: Any) -> None:
    resp = client.detect_labels(Image={"Bytes": group_photo("obama.jpg", "biden.jpg")})
    instances = by_name(resp["Labels"])["Person"]["Instances"]
    assert len(instances) == 2
    lefts = sorted(i["BoundingBox"]["Left"] for i in instances)
    assert lefts[0] < 0.5 < lefts[1] + instances[0]["BoundingBox"]["Width"]


def test_min_confidence_max_labels_and_filters(client: Any) -> None:
    assert client.detect_labels(Image=OBAMA, MinConfidence=100)["Labels"] == []
    assert len(client.detect_labels(Image=OBAMA, MaxLabels=1)["Labels"]) == 1
    only = client.detect_labels(Image=OBAMA, Settings={
        "GeneralLabels": {"LabelInclusionFilters": ["Face"]}})["Labels"]
    assert [lb["Name"] for lb in only] == ["Face"]
    none = client.detect_labels(Image=OBAMA, Settings={
        "GeneralLabels": {"LabelCategoryExclusionFilters": ["Person Description"]}})["Labels"]
    assert none == []


def test_scripted_labels_join_what_is_seen(rek: Any, client: Any) -> None:
    rek.set_labels(DATA / "coffee.jpg", [
        {"Name": "Coffee Cup", "Confidence": 96.5, "Instances": [], "Parents": [{"Name": "Cup"}],
         "Aliases": [{"Name": "Mug"}], "Categories": [{"Name": "Kitchen and Dining"}]},
        {"Name": "Cup", "Confidence": 96.5, "Parents": []},
    ])
    names = [lb["Name"] for lb in client.detect_labels(Image=COFFEE)["Labels"]]
    assert names == ["Coffee Cup", "Cup"]
    assert client.detect_labels(Image=COFFEE, MinConfidence=97)["Labels"] == []
    rek.set_labels(DATA / "obama.jpg", [{"Name": "Person", "Confidence": 60.0}])
    labels = by_name(client.detect_labels(Image=OBAMA)["Labels"])
    assert labels["Person"] == {"Name": "Person", "Confidence": 60.0}
    assert "Face" in labels


def test_scripted_labels_are_checked_against_the_model(rek: Any) -> None:
    with pytest.raises(ValueError, match="Confidence"):
        rek.set_labels(DATA / "coffee.jpg", [{"Name": "Cup", "Confidence": "high"}])
    with pytest.raises(ValueError, match="Colour"):
        rek.set_labels(DATA / "coffee.jpg", [{"Name": "Cup", "Colour": "red"}])
    with pytest.raises(ValueError, match="100"):
        rek.set_labels(DATA / "coffee.jpg", [{"Name": "Cup", "Confidence": 101.0}])


def _two_halves() -> bytes:
    im = Image.new("RGB", (200, 100), (220, 20, 60))
    im.paste((0, 0, 255), (100, 0, 200, 100))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def test_image_properties_are_measured(client: Any) -> None:
    resp = client.detect_labels(Image={"Bytes": _two_halves()}, Features=["IMAGE_PROPERTIES"])
    assert resp["Labels"] == []
    props = resp["ImageProperties"]
    assert set(props) == {"Quality", "DominantColors"}  # no one seen: no foreground
    assert set(props["Quality"]) == {"Brightness", "Sharpness", "Contrast"}
    colors = props["DominantColors"]
    assert [(c["CSSColor"], c["SimplifiedColor"], c["HexCode"]) for c in colors] == [
        ("blue", "blue", "0000FF"), ("crimson", "red", "DC143C")]
    assert [round(c["PixelPercent"]) for c in colors] == [50, 50]
    # RMS contrast: half the BT.709 luma gap of the halves, over 127.5
    lumas = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in ((220, 20, 60), (0, 0, 255))]
    expected = abs(lumas[0] - lumas[1]) / 2 * 100 / 127.5
    assert props["Quality"]["Contrast"] == pytest.approx(expected, abs=0.01)


def test_image_properties_with_people(client: Any) -> None:
    resp = client.detect_labels(
        Image=OBAMA, Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"],
        Settings={"ImageProperties": {"MaxDominantColors": 3}})
    props = resp["ImageProperties"]
    assert {"Foreground", "Background"} <= set(props)
    assert set(props["Foreground"]["Quality"]) == {"Brightness", "Sharpness"}
    assert 1 <= len(props["DominantColors"]) <= 3
    assert sum(c["PixelPercent"] for c in props["DominantColors"]) <= 100.001
    instance = by_name(resp["Labels"])["Person"]["Instances"][0]
    assert 1 <= len(instance["DominantColors"]) <= 3
    dark = client.detect_labels(Image={"Bytes": photo("hopper.jpg")},
                                Features=["IMAGE_PROPERTIES"])["ImageProperties"]["Quality"]
    assert 0 <= dark["Brightness"] <= 100 and 0 <= dark["Sharpness"] <= 100


def test_image_properties_are_measured_once_per_image_and_settings(client: Any,
                                                                   monkeypatch: Any) -> None:
    """A suite sends the same photo again and again: colours are measured once per image,
    boxes and MaxDominantColors, and each answer is a copy of its own."""
    from rekmock.vision import image_properties

    measured = []
    real = image_properties.dominant_colors
    monkeypatch.setattr(image_properties, "dominant_colors",
                        lambda pixels, limit: measured.append(limit) or real(pixels, limit))
    features = ["GENERAL_LABELS", "IMAGE_PROPERTIES"]
    im = Image.open(io.BytesIO(photo("obama.jpg")))
    out = io.BytesIO()
    im.crop((1, 1, im.width - 1, im.height - 1)).save(out, "PNG")  # bytes no other test sends
    image = {"Bytes": out.getvalue()}
    first = client.detect_labels(Image=image, Features=features)
    calls = len(measured)
    assert calls >= 3  # the whole image, the foreground, the background (and the instance)
    first["ImageProperties"]["DominantColors"].clear()  # the caller's copy only
    again = client.detect_labels(Image=image, Features=features)
    assert len(measured) == calls
    assert again["ImageProperties"]["DominantColors"]
    assert again["ImageProperties"] == client.detect_labels(
        Image=image, Features=features)["ImageProperties"]
    fewer = client.detect_labels(Image=image, Features=features,
                                 Settings={"ImageProperties": {"MaxDominantColors": 2}})
    assert len(measured) > calls and len(fewer["ImageProperties"]["DominantColors"]) <= 2


def test_detect_labels_refuses_what_the_service_refuses(client: Any, s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        client.detect_labels(Image={"Bytes": b"not an image at all"})
    assert error_code(exc) == "InvalidImageFormatException"
    assert exc.value.response["Error"]["Message"] == "Request has invalid image format"
    with pytest.raises(ClientError) as exc:
        client.detect_labels(Image={"S3Object": {"Bucket": "nowhere", "Name": "a.jpg"}})
    assert error_code(exc) == "InvalidS3ObjectException"
    with pytest.raises(ClientError) as exc:
        client.detect_labels(Image=OBAMA, Features=["EVERYTHING"])
    assert error_code(exc) == "ValidationException"


# -- DetectModerationLabels and DetectText ------------------------------------------------------

MODERATION = [
    {"Confidence": 97.25, "Name": "Weapon Violence", "ParentName": "Violence",
     "TaxonomyLevel": 2},
    {"Confidence": 97.25, "Name": "Violence", "ParentName": "", "TaxonomyLevel": 1},
    {"Confidence": 61.0, "Name": "Smoking", "ParentName": "Drugs & Tobacco", "TaxonomyLevel": 2},
]


def test_moderation_labels_only_when_scripted(rek: Any, client: Any, s3: Any) -> None:
    assert body(client.detect_moderation_labels(Image=OBAMA)) == {
        "ModerationLabels": [], "ModerationModelVersion": "7.0", "ContentTypes": []}
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a.jpg", Body=photo("coffee.jpg"))
    rek.set_moderation_labels(("photos", "a.jpg"), MODERATION,
                              content_types=[{"Confidence": 88.0, "Name": "Animated"}])
    got = client.detect_moderation_labels(Image={"S3Object": {"Bucket": "photos",
                                                              "Name": "a.jpg"}})
    assert got["ModerationLabels"] == MODERATION
    assert got["ContentTypes"] == [{"Confidence": 88.0, "Name": "Animated"}]
    high = client.detect_moderation_labels(Image={"S3Object": {"Bucket": "photos",
                                                               "Name": "a.jpg"}},
                                           MinConfidence=90)
    assert [m["Name"] for m in high["ModerationLabels"]] == ["Weapon Violence", "Violence"]
    # the same bytes under another name are not the scripted S3 object
    assert client.detect_moderation_labels(Image=COFFEE)["ModerationLabels"] == []


def test_moderation_scripts_are_checked(rek: Any) -> None:
    with pytest.raises(ValueError, match="TaxonomyLevel"):
        rek.set_moderation_labels(DATA / "coffee.jpg", [{"Name": "X", "TaxonomyLevel": -1}])


WORDS = [
    {"DetectedText": "STOP", "Type": "LINE", "Id": 0, "Confidence": 99.5,
     "Geometry": {"BoundingBox": {"Width": 0.4, "Height": 0.2, "Left": 0.3, "Top": 0.4}}},
    {"DetectedText": "STOP", "Type": "WORD", "Id": 1, "ParentId": 0, "Confidence": 99.5,
     "Geometry": {"BoundingBox": {"Width": 0.4, "Height": 0.2, "Left": 0.3, "Top": 0.4}}},
    {"DetectedText": "tiny", "Type": "WORD", "Id": 2, "ParentId": 0, "Confidence": 70.0,
     "Geometry": {"BoundingBox": {"Width": 0.02, "Height": 0.01, "Left": 0.9, "Top": 0.9}}},
]


def test_text_only_when_scripted_and_filtered(rek: Any, client: Any) -> None:
    assert body(client.detect_text(Image=COFFEE)) == {"TextDetections": [],
                                                      "TextModelVersion": "3.0"}
    rek.set_text(DATA / "coffee.jpg", WORDS)
    assert client.detect_text(Image=COFFEE)["TextDetections"] == WORDS
    strict = client.detect_text(Image=COFFEE, Filters={"WordFilter": {"MinConfidence": 80}})
    assert [t["Id"] for t in strict["TextDetections"]] == [0, 1]
    region = client.detect_text(Image=COFFEE, Filters={"RegionsOfInterest": [
        {"BoundingBox": {"Width": 0.2, "Height": 0.2, "Left": 0.8, "Top": 0.8}}]})
    assert [t["Id"] for t in region["TextDetections"]] == [2]


# -- DetectProtectiveEquipment -----------------------------------------------------------------

def test_ppe_persons_come_from_faces(client: Any) -> None:
    resp = client.detect_protective_equipment(Image=OBAMA)
    assert resp["ProtectiveEquipmentModelVersion"] == "1.0"
    [person] = resp["Persons"]
    assert person["Id"] == 0 and person["Confidence"] > 90
    assert person["BodyParts"] == [{"Name": "FACE", "Confidence": person["Confidence"],
                                    "EquipmentDetections": []}]
    assert inside(face_box(client, OBAMA), person["BoundingBox"])
    assert "Summary" not in resp
    assert client.detect_protective_equipment(Image=COFFEE)["Persons"] == []
    two = client.detect_protective_equipment(
        Image={"Bytes": group_photo("obama.jpg", "biden.jpg")})
    assert [p["Id"] for p in two["Persons"]] == [0, 1]


def test_ppe_summary_from_seen_and_scripted_equipment(rek: Any, client: Any) -> None:
    wanted = {"MinConfidence": 80, "RequiredEquipmentTypes": ["FACE_COVER"]}
    summary = client.detect_protective_equipment(Image=OBAMA,
                                                 SummarizationAttributes=wanted)["Summary"]
    assert summary == {"PersonsWithRequiredEquipment": [], "PersonsWithoutRequiredEquipment": [0],
                       "PersonsIndeterminate": []}
    head = client.detect_protective_equipment(Image=OBAMA, SummarizationAttributes={
        "MinConfidence": 80, "RequiredEquipmentTypes": ["HEAD_COVER"]})["Summary"]
    assert head["PersonsIndeterminate"] == [0]
    mask = {"BoundingBox": {"Width": 0.2, "Height": 0.1, "Left": 0.4, "Top": 0.4},
            "Confidence": 98.0, "Type": "FACE_COVER",
            "CoversBodyPart": {"Confidence": 97.0, "Value": True}}
    rek.set_protective_equipment(DATA / "obama.jpg", [
        {"Id": 0, "BodyParts": [{"Name": "FACE", "Confidence": 99.0,
                                 "EquipmentDetections": [mask]}]}])
    resp = client.detect_protective_equipment(Image=OBAMA, SummarizationAttributes=wanted)
    assert resp["Persons"][0]["BodyParts"][0]["EquipmentDetections"] == [mask]
    assert resp["Persons"][0]["BoundingBox"]  # the seen person's other members stay
    assert resp["Summary"]["PersonsWithRequiredEquipment"] == [0]
    loose = client.detect_protective_equipment(Image=OBAMA, SummarizationAttributes={
        "MinConfidence": 99, "RequiredEquipmentTypes": ["FACE_COVER"]})["Summary"]
    assert loose["PersonsIndeterminate"] == [0]


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(photo("obama.jpg"))).convert("RGB").resize(size).save(out, "PNG")
    return out.getvalue()


def test_ppe_takes_images_from_64_pixels_to_4096(client: Any) -> None:
    """The guide's limits for DetectProtectiveEquipment differ from the other operations':
    sides of 64 to 4096 pixels (80 and up elsewhere). The same 70-pixel image is refused by
    DetectFaces after DetectProtectiveEquipment has answered it."""
    small = {"Bytes": _png((70, 70))}
    answer = client.detect_protective_equipment(Image=small)
    assert answer["ProtectiveEquipmentModelVersion"] == "1.0"
    assert isinstance(answer["Persons"], list)
    with pytest.raises(ClientError) as exc:
        client.detect_faces(Image=small)
    assert error_code(exc) == "InvalidParameterException"
    assert exc.value.response["Error"]["Message"] == "Request has invalid parameters"
    for size, code in (((63, 100), "InvalidParameterException"),
                       ((4097, 64), "ImageTooLargeException")):
        with pytest.raises(ClientError) as exc:
            client.detect_protective_equipment(Image={"Bytes": _png(size)})
        assert error_code(exc) == code
    wide = client.detect_labels(Image={"Bytes": _png((4097, 80))})
    assert wide["LabelModelVersion"] == "3.0"


def test_labels_and_moderation_refuse_a_side_over_10000_pixels(client: Any) -> None:
    """The guide's largest side for DetectLabels and DetectModerationLabels."""
    for call in (client.detect_labels, client.detect_moderation_labels):
        with pytest.raises(ClientError) as exc:
            call(Image={"Bytes": _png((10_001, 80))})
        assert error_code(exc) == "ImageTooLargeException"
        assert exc.value.response["Error"]["Message"] == "Image size is too large."
    assert client.detect_moderation_labels(Image={"Bytes": _png((10_000, 80))})[
        "ModerationLabels"] == []


def test_ppe_refuses_images_over_4_mb(raw_client: Any) -> None:
    big = photo("obama.jpg") + b"\0" * (4 * 1024 * 1024)
    with pytest.raises(ClientError) as exc:
        raw_client.detect_protective_equipment(Image={"Bytes": big})
    assert error_code(exc) == "ImageTooLargeException"
    with pytest.raises(ClientError) as exc:
        raw_client.detect_protective_equipment(Image=OBAMA, SummarizationAttributes={
            "MinConfidence": 80, "RequiredEquipmentTypes": ["GLOVES"]})
    assert error_code(exc) == "ValidationException"
