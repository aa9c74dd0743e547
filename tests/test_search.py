"""SearchFaces and SearchFacesByImage: real similarity, scripted pairs, large collections."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_code, index_photos, photo

PHOTOS = ("obama.jpg", "obama2.jpg", "biden.jpg", "hopper.jpg", "astronaut.png")


@pytest.fixture
def faces(client) -> dict[str, str]:
    """Collection "c" with the largest face of each photo; ExternalImageId = file name."""
    return index_photos(client, PHOTOS)


def names(resp) -> list[str]:
    return [m["Face"].get("ExternalImageId", "") for m in resp["FaceMatches"]]


def test_search_faces_finds_the_same_person_only(client, faces) -> None:
    resp = client.search_faces(CollectionId="c", FaceId=faces["obama.jpg"])
    assert resp["SearchedFaceId"] == faces["obama.jpg"]
    assert names(resp) == ["obama2.jpg"]
    assert resp["FaceMatches"][0]["Similarity"] > 90
    assert resp["FaceMatches"][0]["Face"]["FaceId"] == faces["obama2.jpg"]
    assert client.search_faces(CollectionId="c", FaceId=faces["biden.jpg"])["FaceMatches"] == []


def test_search_faces_never_returns_the_probe_and_sorts(client, faces) -> None:
    resp = client.search_faces(CollectionId="c", FaceId=faces["hopper.jpg"],
                               FaceMatchThreshold=0)
    ids = [m["Face"]["FaceId"] for m in resp["FaceMatches"]]
    assert faces["hopper.jpg"] not in ids and len(ids) == len(PHOTOS) - 1
    sims = [m["Similarity"] for m in resp["FaceMatches"]]
    assert sims == sorted(sims, reverse=True)
    top2 = client.search_faces(CollectionId="c", FaceId=faces["hopper.jpg"],
                               FaceMatchThreshold=0, MaxFaces=2)
    assert top2["FaceMatches"] == resp["FaceMatches"][:2]


def test_search_similarity_equals_compare_faces(client, faces) -> None:
    resp = client.search_faces(CollectionId="c", FaceId=faces["obama.jpg"], FaceMatchThreshold=0)
    by_name = {m["Face"]["ExternalImageId"]: m["Similarity"] for m in resp["FaceMatches"]}
    for other in ("obama2.jpg", "biden.jpg"):
        cmp = client.compare_faces(SourceImage={"Bytes": photo("obama.jpg")},
                                   TargetImage={"Bytes": photo(other)}, SimilarityThreshold=0)
        best = max(m["Similarity"] for m in cmp["FaceMatches"])
        assert by_name[other] == pytest.approx(best, abs=1e-3)


def test_unknown_face_id(client, faces) -> None:
    with pytest.raises(ClientError) as exc:
        client.search_faces(CollectionId="c", FaceId=str(uuid.uuid4()))
    assert error_code(exc) == "InvalidParameterException"


def test_search_by_image(client, faces) -> None:
    resp = client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("obama2.jpg")})
    assert names(resp) == ["obama2.jpg", "obama.jpg"]
    assert resp["FaceMatches"][0]["Similarity"] > 99.9
    assert resp["SearchedFaceConfidence"] > 90
    box = resp["SearchedFaceBoundingBox"]
    stored = resp["FaceMatches"][0]["Face"]["BoundingBox"]  # the same face, kept at 6 digits
    assert stored == {k: pytest.approx(v, rel=1e-5) for k, v in box.items()}
    assert resp["FaceMatches"][0]["Face"]["IndexFacesModelVersion"] == resp["FaceModelVersion"]
    high = client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("obama2.jpg")},
                                        FaceMatchThreshold=99.999)
    assert names(high) == ["obama2.jpg"]  # an identical photo scores 100.0, as on the service
    assert high["FaceMatches"][0]["Similarity"] == 100.0


def test_search_by_image_without_face(client, faces) -> None:
    with pytest.raises(ClientError) as exc:
        client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("coffee.jpg")})
    assert error_code(exc) == "InvalidParameterException"


def test_search_by_image_quality_filter(rek, client, faces) -> None:
    rek.set_face(photo("biden.jpg"), Quality={"Brightness": 2.0, "Sharpness": 1.0})
    resp = client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("biden.jpg")})
    assert names(resp) == ["biden.jpg"]  # default NONE: searched anyway
    with pytest.raises(ClientError) as exc:
        client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("biden.jpg")},
                                     QualityFilter="AUTO")
    assert error_code(exc) == "InvalidParameterException"


def test_scripted_pairs_apply_to_searches(rek, client, faces) -> None:
    rek.same_person(photo("biden.jpg"), photo("hopper.jpg"), similarity=93.5)
    rek.different_person(photo("obama.jpg"), photo("obama2.jpg"))
    resp = client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("biden.jpg")})
    assert [(m["Face"]["ExternalImageId"], m["Similarity"]) for m in resp["FaceMatches"]] == [
        ("biden.jpg", 100.0), ("hopper.jpg", 93.5)]
    assert names(client.search_faces(CollectionId="c", FaceId=faces["hopper.jpg"])) == [
        "biden.jpg"]
    assert client.search_faces(CollectionId="c", FaceId=faces["obama.jpg"])["FaceMatches"] == []


def test_scripted_pair_follows_s3_location(rek, client, s3, faces) -> None:
    s3.create_bucket(Bucket="bkt")
    s3.put_object(Bucket="bkt", Key="k.jpg", Body=photo("astronaut.png"))
    rek.same_person(("bkt", "k.jpg"), photo("biden.jpg"), similarity=88.0)
    resp = client.search_faces_by_image(CollectionId="c",
                                        Image={"S3Object": {"Bucket": "bkt", "Name": "k.jpg"}})
    assert ("biden.jpg", 88.0) in [(m["Face"]["ExternalImageId"], m["Similarity"])
                                   for m in resp["FaceMatches"]]


def test_search_in_a_large_collection(rek, client, faces) -> None:
    vecs = np.random.default_rng(7).standard_normal((20_000, 128)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    rek.backend().collections["c"].bulk_load(vecs)
    resp = client.search_faces(CollectionId="c", FaceId=faces["obama.jpg"])
    assert names(resp) == ["obama2.jpg"]
    resp = client.search_faces(CollectionId="c", FaceId=faces["obama.jpg"],
                               FaceMatchThreshold=0, MaxFaces=50)
    assert len(resp["FaceMatches"]) == 50 and names(resp)[0] == "obama2.jpg"


def test_deleted_faces_are_not_found(client, faces) -> None:
    client.delete_faces(CollectionId="c", FaceIds=[faces["obama2.jpg"]])
    resp = client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("obama2.jpg")})
    assert names(resp) == ["obama.jpg"]


def digits(text: str) -> int:
    """Significant digits of a number as written in JSON (``0.0572509`` -> 6)."""
    mantissa = text.lower().split("e")[0].replace("-", "").replace(".", "").strip("0")
    return len(mantissa)


def six_digits(value: float) -> bool:
    return digits(repr(value)) <= 6


def test_stored_faces_keep_six_significant_digits(client, faces) -> None:
    """ListFaces, SearchFaces and SearchFacesByImage write stored faces at 6 digits in the JSON
    text, as the service does (0.05725087597966194 -> 0.0572509); the detection in IndexFaces'
    own answer keeps float32."""
    raw: list[bytes] = []
    client.meta.events.register("after-call.rekognition",
                                lambda http_response, **_: raw.append(http_response.content))
    client.list_faces(CollectionId="c")
    client.search_faces(CollectionId="c", FaceId=faces["obama.jpg"], FaceMatchThreshold=0)
    client.search_faces_by_image(CollectionId="c", Image={"Bytes": photo("biden.jpg")},
                                 FaceMatchThreshold=0)
    docs = [json.loads(body, parse_float=str) for body in raw]
    records = docs[0]["Faces"] + [m["Face"] for d in docs[1:] for m in d["FaceMatches"]]
    assert len(records) >= 3 * len(faces) - 2
    for face in records:
        written = [*face["BoundingBox"].values(), face["Confidence"]]
        assert all(isinstance(t, str) and digits(t) <= 6 for t in written), written
    assert max(digits(t) for f in records for t in f["BoundingBox"].values()) == 6
    client.create_collection(CollectionId="raw")
    indexed = client.index_faces(CollectionId="raw", Image={"Bytes": photo("biden.jpg")})
    record = indexed["FaceRecords"][0]
    assert record["Face"]["BoundingBox"] == record["FaceDetail"]["BoundingBox"]
    assert not all(six_digits(v) for v in record["Face"]["BoundingBox"].values())
