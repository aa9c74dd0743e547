"""IndexFaces, ListFaces and DeleteFaces."""

from __future__ import annotations

import io
import uuid

import numpy as np
import pytest
from botocore.exceptions import ClientError
from PIL import Image

from rekmock import mock_rekognition
from rekmock.botocore_model import FACE_MODEL_VERSION
from tests.helpers import error_code, group_photo, photo, strict_client


def is_uuid(value: str) -> bool:
    return str(uuid.UUID(value)) == value


@pytest.fixture
def coll(client) -> str:
    client.create_collection(CollectionId="c")
    return "c"


def index(client, name: str | bytes, **kwargs):
    data = photo(name) if isinstance(name, str) else name
    return client.index_faces(CollectionId="c", Image={"Bytes": data}, **kwargs)


def test_index_one_face(client, coll) -> None:
    resp = index(client, "obama2.jpg", ExternalImageId="obama2.jpg")
    assert resp["FaceModelVersion"] == FACE_MODEL_VERSION
    assert "OrientationCorrection" not in resp
    (record,) = resp["FaceRecords"]
    face = record["Face"]
    assert is_uuid(face["FaceId"]) and is_uuid(face["ImageId"])
    assert face["FaceId"] != face["ImageId"]
    assert face["ExternalImageId"] == "obama2.jpg"
    assert face["BoundingBox"] == record["FaceDetail"]["BoundingBox"]
    assert face["Confidence"] > 90
    assert set(record["FaceDetail"]) == {"BoundingBox", "Landmarks", "Pose", "Quality",
                                         "Confidence"}
    assert resp["UnindexedFaces"] == []


def test_detection_attributes_all(client, coll) -> None:
    resp = index(client, "biden.jpg", DetectionAttributes=["ALL"])
    detail = resp["FaceRecords"][0]["FaceDetail"]
    assert {"AgeRange", "Emotions", "Smile", "Gender"} <= set(detail)
    assert len(detail["Landmarks"]) == 30


def test_no_face_is_empty_not_error(client, coll) -> None:
    resp = index(client, "coffee.jpg")
    assert resp["FaceRecords"] == [] and resp["UnindexedFaces"] == []
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 0


def test_quality_filter_auto_drops_low_quality(rek, client, coll) -> None:
    rek.set_face(photo("biden.jpg"), Quality={"Brightness": 3.0, "Sharpness": 1.0})
    resp = index(client, "biden.jpg")
    assert resp["FaceRecords"] == []
    (unindexed,) = resp["UnindexedFaces"]
    assert unindexed["Reasons"] == ["LOW_BRIGHTNESS", "LOW_SHARPNESS", "LOW_FACE_QUALITY"]
    resp = index(client, "biden.jpg", QualityFilter="NONE")
    assert len(resp["FaceRecords"]) == 1 and resp["UnindexedFaces"] == []


def test_quality_levels_differ(rek, client, coll) -> None:
    # Sharpness 3: passes LOW (1) and MEDIUM/AUTO (2), fails HIGH (4).
    rek.set_face(photo("biden.jpg"), Quality={"Brightness": 60.0, "Sharpness": 3.0})
    assert index(client, "biden.jpg", QualityFilter="HIGH",
                 ExternalImageId="h")["UnindexedFaces"][0]["Reasons"] == ["LOW_SHARPNESS"]
    for level in ("LOW", "MEDIUM", "AUTO"):
        assert len(index(client, "biden.jpg", QualityFilter=level,
                         ExternalImageId=level)["FaceRecords"]) == 1


def test_two_faces_largest_first_one_image_id(client, coll) -> None:
    resp = index(client, group_photo("obama.jpg", "biden.jpg"), QualityFilter="NONE")
    records = resp["FaceRecords"]
    assert len(records) == 2
    areas = [r["Face"]["BoundingBox"]["Width"] * r["Face"]["BoundingBox"]["Height"]
             for r in records]
    assert areas == sorted(areas, reverse=True)
    assert records[0]["Face"]["ImageId"] == records[1]["Face"]["ImageId"]
    assert records[0]["Face"]["FaceId"] != records[1]["Face"]["FaceId"]
    assert "ExternalImageId" not in records[0]["Face"]


def test_max_faces_drops_smallest(client, coll) -> None:
    group = group_photo("obama.jpg", "biden.jpg")
    full = index(client, group, QualityFilter="NONE", ExternalImageId="full")
    largest = full["FaceRecords"][0]["Face"]["BoundingBox"]
    resp = index(client, group, QualityFilter="NONE", MaxFaces=1, ExternalImageId="one")
    (record,) = resp["FaceRecords"]
    assert record["Face"]["BoundingBox"] == largest
    (dropped,) = resp["UnindexedFaces"]
    assert dropped["Reasons"] == ["EXCEEDS_MAX_FACES"]


def test_max_faces_drops_lowest_quality_first(rek, client, coll) -> None:
    # Make the larger face the poor one: with MaxFaces=1 the smaller, good face is kept.
    group = group_photo("obama.jpg", "biden.jpg")
    rek.set_face(group, face=0, Quality={"Brightness": 1.0, "Sharpness": 0.5})
    rek.set_face(group, face=1, Quality={"Brightness": 70.0, "Sharpness": 70.0})
    resp = index(client, group, QualityFilter="NONE", MaxFaces=1)
    (record,) = resp["FaceRecords"]
    assert record["FaceDetail"]["Quality"]["Sharpness"] == 70.0
    assert resp["UnindexedFaces"][0]["Reasons"] == ["EXCEEDS_MAX_FACES"]


def test_same_image_same_external_id_is_not_duplicated(client, coll) -> None:
    first = index(client, "obama2.jpg", ExternalImageId="x")
    again = index(client, "obama2.jpg", ExternalImageId="x")
    assert again["FaceRecords"] == first["FaceRecords"]
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 1
    other = index(client, "obama2.jpg", ExternalImageId="y")
    assert other["FaceRecords"][0]["Face"]["FaceId"] != first["FaceRecords"][0]["Face"]["FaceId"]
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 2


def test_index_from_s3(client, s3, coll) -> None:
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a/obama2.jpg", Body=photo("obama2.jpg"))
    resp = client.index_faces(CollectionId="c",
                              Image={"S3Object": {"Bucket": "photos", "Name": "a/obama2.jpg"}})
    assert len(resp["FaceRecords"]) == 1
    with pytest.raises(ClientError) as exc:
        client.index_faces(CollectionId="c",
                           Image={"S3Object": {"Bucket": "photos", "Name": "missing.jpg"}})
    assert error_code(exc) == "InvalidS3ObjectException"
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 1


def test_bad_external_image_id_changes_nothing(raw_client, coll) -> None:
    with pytest.raises(ClientError) as exc:
        raw_client.index_faces(CollectionId="c", Image={"Bytes": photo("obama2.jpg")},
                               ExternalImageId="no spaces")
    assert error_code(exc) == "ValidationException"
    assert raw_client.describe_collection(CollectionId="c")["FaceCount"] == 0


def test_ids_are_deterministic_per_test() -> None:
    def run() -> list[str]:
        with mock_rekognition():
            client = strict_client()
            client.create_collection(CollectionId="c")
            out = []
            for name in ("obama2.jpg", "biden.jpg"):
                face = client.index_faces(CollectionId="c", Image={"Bytes": photo(name)})
                out += [face["FaceRecords"][0]["Face"]["FaceId"],
                        face["FaceRecords"][0]["Face"]["ImageId"]]
            return out

    first, second = run(), run()
    assert first == second and len(set(first)) == 4


# -- ListFaces -----------------------------------------------------------------------------------


def test_list_faces_one_page_by_default(rek, client, coll) -> None:
    vecs = np.random.default_rng(3).standard_normal((300, 128)).astype(np.float32)
    rek.backend().collections["c"].bulk_load(vecs, external_image_id="bulk")
    index(client, "obama2.jpg")
    resp = client.list_faces(CollectionId="c")
    assert len(resp["Faces"]) == 301 and "NextToken" not in resp
    ids = [f["FaceId"] for f in resp["Faces"]]
    assert ids == sorted(ids) and len(set(ids)) == 301
    assert resp["FaceModelVersion"] == FACE_MODEL_VERSION
    assert resp["Faces"][0]["IndexFacesModelVersion"] == FACE_MODEL_VERSION


def test_list_faces_pages(client, coll) -> None:
    for name in ("obama2.jpg", "biden.jpg", "hopper.jpg", "astronaut.png"):
        index(client, name, ExternalImageId=name)
    seen, token = [], None
    while True:
        resp = client.list_faces(CollectionId="c", MaxResults=3,
                                 **({"NextToken": token} if token else {}))
        seen += resp["Faces"]
        token = resp.get("NextToken")
        if not token:
            break
    assert sorted(f["ExternalImageId"] for f in seen) == sorted(
        ["obama2.jpg", "biden.jpg", "hopper.jpg", "astronaut.png"])
    with pytest.raises(ClientError) as exc:
        client.list_faces(CollectionId="c", NextToken="bogus")
    assert error_code(exc) == "InvalidPaginationTokenException"


def test_list_faces_filters(client, coll) -> None:
    a = index(client, "obama2.jpg")["FaceRecords"][0]["Face"]["FaceId"]
    b = index(client, "biden.jpg")["FaceRecords"][0]["Face"]["FaceId"]
    resp = client.list_faces(CollectionId="c", FaceIds=[b, str(uuid.uuid4())])
    assert [f["FaceId"] for f in resp["Faces"]] == [b]
    client.create_user(CollectionId="c", UserId="joe")
    client.associate_faces(CollectionId="c", UserId="joe", FaceIds=[b])
    resp = client.list_faces(CollectionId="c", UserId="joe")
    assert [(f["FaceId"], f["UserId"]) for f in resp["Faces"]] == [(b, "joe")]
    assert client.list_faces(CollectionId="c", UserId="joe", FaceIds=[a])["Faces"] == []


# -- DeleteFaces ---------------------------------------------------------------------------------


def test_delete_faces(client, coll) -> None:
    a = index(client, "obama2.jpg")["FaceRecords"][0]["Face"]["FaceId"]
    b = index(client, "biden.jpg")["FaceRecords"][0]["Face"]["FaceId"]
    ghost = str(uuid.uuid4())
    resp = client.delete_faces(CollectionId="c", FaceIds=[a, ghost])
    assert resp["DeletedFaces"] == [a]
    assert resp["UnsuccessfulFaceDeletions"] == [{"FaceId": ghost, "Reasons": ["FACE_NOT_FOUND"]}]
    assert [f["FaceId"] for f in client.list_faces(CollectionId="c")["Faces"]] == [b]
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 1


def test_delete_face_of_a_user_is_refused(client, coll) -> None:
    a = index(client, "obama2.jpg")["FaceRecords"][0]["Face"]["FaceId"]
    client.create_user(CollectionId="c", UserId="barack")
    client.associate_faces(CollectionId="c", UserId="barack", FaceIds=[a])
    resp = client.delete_faces(CollectionId="c", FaceIds=[a])
    assert "DeletedFaces" not in resp
    assert resp["UnsuccessfulFaceDeletions"] == [
        {"FaceId": a, "UserId": "barack", "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]}
    ]
    client.disassociate_faces(CollectionId="c", UserId="barack", FaceIds=[a])
    assert client.delete_faces(CollectionId="c", FaceIds=[a])["DeletedFaces"] == [a]


def test_reindex_after_delete_stores_again(client, coll) -> None:
    first = index(client, "obama2.jpg", ExternalImageId="x")["FaceRecords"][0]["Face"]["FaceId"]
    client.delete_faces(CollectionId="c", FaceIds=[first])
    again = index(client, "obama2.jpg", ExternalImageId="x")["FaceRecords"][0]["Face"]["FaceId"]
    assert again != first
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 1


def _scaled(name: str, factor: float, gain: float = 1.0, canvas: int = 0) -> bytes:
    """``name`` resized by ``factor`` and its pixels multiplied by ``gain``, pasted on a grey
    canvas ``canvas`` px wide (0: no canvas)."""
    im = Image.open(io.BytesIO(photo(name))).convert("RGB")
    im = im.resize((round(im.width * factor), round(im.height * factor)), Image.LANCZOS)
    im = Image.fromarray(np.clip(np.asarray(im) * gain, 0, 255).astype(np.uint8))
    if canvas:
        back = Image.new("RGB", (canvas, canvas * 3 // 4), (128, 128, 128))
        back.paste(im, ((canvas - im.width) // 2, (back.height - im.height) // 2))
        im = back
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


def test_auto_indexes_a_clear_small_face(client, coll) -> None:
    """The service indexes a clear ~40-px face at AUTO (a real notebook relied on it)."""
    width = client.detect_faces(Image={"Bytes": photo("obama.jpg")})["FaceDetails"][0][
        "BoundingBox"]["Width"]
    full = Image.open(io.BytesIO(photo("obama.jpg"))).width
    small = _scaled("obama.jpg", 42.0 / (width * full), canvas=640)
    detail = client.detect_faces(Image={"Bytes": small})["FaceDetails"][0]
    assert detail["BoundingBox"]["Width"] * 640 == pytest.approx(42, abs=8)
    resp = index(client, small, QualityFilter="AUTO")
    assert len(resp["FaceRecords"]) == 1 and resp["UnindexedFaces"] == []


def test_high_indexes_a_dim_clear_face(client, coll) -> None:
    """A clear face in dim light still passes HIGH, as the service's sample app relied on."""
    dim = _scaled("obama.jpg", 1.0, gain=0.3)
    quality = client.detect_faces(Image={"Bytes": dim})["FaceDetails"][0]["Quality"]
    assert quality["Brightness"] < 35  # 20 on the old scale, under its HIGH bar (25)
    resp = index(client, dim, QualityFilter="HIGH")
    assert len(resp["FaceRecords"]) == 1, resp["UnindexedFaces"]
