"""Collections (Create/Describe/List/Delete), pagination tokens, and the face index underneath."""

from __future__ import annotations

import datetime
import json
import uuid

import numpy as np
import pytest
from botocore.exceptions import ClientError
from botocore.paginate import TokenDecoder, TokenEncoder

from rekmock.backend.face_index import FaceIndex, distance_limit, similarity_from_distance
from rekmock.backend.pagination import decode_token, encode_token, page
from rekmock.botocore_model import FACE_MODEL_VERSION
from rekmock.errors import InvalidPaginationTokenException
from tests.helpers import error_code, photo


def unit_vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, 128)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# -- the face index (no vision) -------------------------------------------------------------------


def test_index_grows_by_doubling_and_swap_removes() -> None:
    idx = FaceIndex()
    vecs = unit_vectors(200)
    ids = [f"f{i:03d}" for i in range(200)]
    idx.add(ids, vecs, np.zeros((200, 4)), np.full(200, 99.0), np.arange(200), np.zeros(200))
    assert idx.count == 200 and idx.capacity == 256
    assert idx.vectors.flags["C_CONTIGUOUS"]
    assert idx.remove("f005") and not idx.remove("f005")
    assert idx.count == 199
    moved = idx.row_of["f199"]
    assert moved == 5 and np.array_equal(idx.vectors[5], vecs[199])
    assert all(idx.face_ids[r] == f for f, r in idx.row_of.items())
    assert "f005" not in idx.sorted_ids() and len(idx.sorted_ids()) == 199


def test_nearest_finds_the_closest_rows_first() -> None:
    idx = FaceIndex()
    vecs = unit_vectors(1000, seed=1)
    idx.add([str(i) for i in range(1000)], vecs, np.zeros((1000, 4)), np.zeros(1000),
            np.zeros(1000), np.zeros(1000))
    probe = vecs[42] + 0.01
    rows, dist = idx.nearest(probe, np.inf, 5)
    brute = np.argsort(np.linalg.norm(vecs - probe, axis=1))[:5]
    assert list(rows) == list(brute)
    assert np.all(np.diff(dist) >= 0)
    rows, _ = idx.nearest(vecs[42], np.inf, 3, exclude=42)
    assert 42 not in rows
    rows, dist = idx.nearest(vecs[42], 0.5, 10)
    assert list(rows) == [42] and dist[0] < 1e-3


def test_similarity_mapping_and_distance_limit_agree() -> None:
    limit = distance_limit(80.0)
    sims = similarity_from_distance(np.array([0.0, limit - 2e-3, limit + 1e-2, 1.2]))
    assert sims[0] > 99.9 and sims[1] >= 80.0 and sims[2] < 80.0 and sims[3] < 5
    assert distance_limit(0.0) == np.inf


def test_pagination_tokens() -> None:
    keys = [f"k{i}" for i in range(5)]
    first, token = page(keys, "x", None, 2)
    assert first == ["k0", "k1"] and token is not None
    second, token = page(keys, "x", token, 2)
    third, last = page(keys, "x", token, 2)
    assert second == ["k2", "k3"] and third == ["k4"] and last is None
    assert decode_token("x", encode_token("x", "k1")) == "k1"
    # botocore's own encoding, as moto's paginator uses it
    assert TokenDecoder().decode(encode_token("x", "k1")) == {"kind": "x", "after": "k1"}
    not_a_dict, wrong_type = TokenEncoder().encode([1]), TokenEncoder().encode({"kind": "x",
                                                                              "after": 3})
    for bad in ("garbage!", encode_token("other", "k1"), "e30=", not_a_dict, wrong_type, "\u00e9"):
        with pytest.raises(InvalidPaginationTokenException):
            decode_token("x", bad)


# -- the API -------------------------------------------------------------------------------------


def test_create_describe_delete(client) -> None:
    created = client.create_collection(CollectionId="people")
    assert created["StatusCode"] == 200
    assert created["CollectionArn"] == "aws:rekognition:us-east-1:123456789012:collection/people"
    assert created["FaceModelVersion"] == FACE_MODEL_VERSION
    desc = client.describe_collection(CollectionId="people")
    assert desc["FaceCount"] == 0 and desc["UserCount"] == 0
    # CreateCollection omits the "arn:" that DescribeCollection writes (both as the service does).
    assert desc["CollectionARN"] == "arn:" + created["CollectionArn"]
    assert desc["FaceModelVersion"] == FACE_MODEL_VERSION
    age = datetime.datetime.now(datetime.UTC) - desc["CreationTimestamp"]
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)
    assert client.delete_collection(CollectionId="people")["StatusCode"] == 200
    with pytest.raises(ClientError) as exc:
        client.describe_collection(CollectionId="people")
    assert error_code(exc) == "ResourceNotFoundException"


def test_create_twice_is_already_exists(client) -> None:
    client.create_collection(CollectionId="c")
    with pytest.raises(ClientError) as exc:
        client.create_collection(CollectionId="c")
    assert error_code(exc) == "ResourceAlreadyExistsException"
    assert exc.value.response["Error"]["Message"] == "The collection id: c already exists."


def test_describe_counts_faces_and_users(client) -> None:
    client.create_collection(CollectionId="c")
    client.index_faces(CollectionId="c", Image={"Bytes": photo("obama2.jpg")})
    client.index_faces(CollectionId="c", Image={"Bytes": photo("biden.jpg")})
    client.create_user(CollectionId="c", UserId="u1")
    desc = client.describe_collection(CollectionId="c")
    assert (desc["FaceCount"], desc["UserCount"]) == (2, 1)
    json.dumps({k: v for k, v in desc.items() if k != "CreationTimestamp"})


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.describe_collection(CollectionId="nope"),
        lambda c: c.delete_collection(CollectionId="nope"),
        lambda c: c.list_faces(CollectionId="nope"),
        lambda c: c.delete_faces(CollectionId="nope", FaceIds=[str(uuid.uuid4())]),
        lambda c: c.index_faces(CollectionId="nope", Image={"Bytes": photo("obama2.jpg")}),
        lambda c: c.search_faces(CollectionId="nope", FaceId=str(uuid.uuid4())),
        lambda c: c.search_faces_by_image(CollectionId="nope",
                                          Image={"Bytes": photo("obama2.jpg")}),
        lambda c: c.create_user(CollectionId="nope", UserId="u"),
        lambda c: c.list_users(CollectionId="nope"),
        lambda c: c.search_users(CollectionId="nope", UserId="u"),
    ],
)
def test_unknown_collection_is_resource_not_found(client, call) -> None:
    with pytest.raises(ClientError) as exc:
        call(client)
    assert error_code(exc) == "ResourceNotFoundException"


def test_list_collections_pages_and_versions(client) -> None:
    names = [f"col-{i}" for i in range(5)]
    for name in reversed(names):
        client.create_collection(CollectionId=name)
    everything = client.list_collections()
    assert everything["CollectionIds"] == names
    assert everything["FaceModelVersions"] == [FACE_MODEL_VERSION] * 5
    assert "NextToken" not in everything
    seen, token = [], None
    while True:
        kwargs = {"MaxResults": 2, **({"NextToken": token} if token else {})}
        resp = client.list_collections(**kwargs)
        assert len(resp["CollectionIds"]) == len(resp["FaceModelVersions"]) <= 2
        seen += resp["CollectionIds"]
        token = resp.get("NextToken")
        if not token:
            break
    assert seen == names


def test_list_collections_bad_token(client) -> None:
    with pytest.raises(ClientError) as exc:
        client.list_collections(NextToken="not-a-token")
    assert error_code(exc) == "InvalidPaginationTokenException"


def test_bad_collection_id_is_validation_error_and_creates_nothing(raw_client) -> None:
    with pytest.raises(ClientError) as exc:
        raw_client.create_collection(CollectionId="bad id!")
    assert error_code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        raw_client.create_collection(CollectionId="tagged", Tags={"aws:x": "y"})
    assert error_code(exc) == "ValidationException"
    assert raw_client.list_collections()["CollectionIds"] == []


def test_regions_are_separate(rek, client) -> None:
    from tests.helpers import strict_client

    client.create_collection(CollectionId="c")
    west = strict_client(region_name="us-west-2")
    assert west.list_collections()["CollectionIds"] == []
    west.create_collection(CollectionId="c")
    arn = west.describe_collection(CollectionId="c")["CollectionARN"]
    assert arn == "arn:aws:rekognition:us-west-2:123456789012:collection/c"


def test_delete_collection_drops_its_faces(client) -> None:
    client.create_collection(CollectionId="c")
    client.index_faces(CollectionId="c", Image={"Bytes": photo("obama2.jpg")})
    client.delete_collection(CollectionId="c")
    client.create_collection(CollectionId="c")
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 0
    assert client.list_faces(CollectionId="c")["Faces"] == []
