"""Users: create/delete/list, associate/disassociate, user search, idempotency tokens."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_code, group_photo, index_photos, photo

PHOTOS = ("obama.jpg", "obama2.jpg", "biden.jpg", "hopper.jpg")


@pytest.fixture
def faces(client) -> dict[str, str]:
    return index_photos(client, PHOTOS)


def test_create_list_delete_users(client, faces) -> None:
    for user in ("zed", "amy", "bob"):
        client.create_user(CollectionId="c", UserId=user)
    resp = client.list_users(CollectionId="c")
    assert resp["Users"] == [{"UserId": u, "UserStatus": "CREATED"} for u in ("amy", "bob", "zed")]
    page1 = client.list_users(CollectionId="c", MaxResults=2)
    page2 = client.list_users(CollectionId="c", MaxResults=2, NextToken=page1["NextToken"])
    assert [u["UserId"] for u in page1["Users"] + page2["Users"]] == ["amy", "bob", "zed"]
    assert "NextToken" not in page2
    with pytest.raises(ClientError) as exc:
        client.list_users(CollectionId="c", NextToken="nonsense")
    assert error_code(exc) == "InvalidPaginationTokenException"
    client.delete_user(CollectionId="c", UserId="bob")
    assert client.describe_collection(CollectionId="c")["UserCount"] == 2
    with pytest.raises(ClientError) as exc:
        client.delete_user(CollectionId="c", UserId="bob")
    assert error_code(exc) == "ResourceNotFoundException"


def test_create_existing_user_is_conflict(client, faces) -> None:
    client.create_user(CollectionId="c", UserId="u")
    with pytest.raises(ClientError) as exc:
        client.create_user(CollectionId="c", UserId="u")
    assert error_code(exc) == "ConflictException"


def test_associate_same_person_and_refuse_others(client, faces) -> None:
    client.create_user(CollectionId="c", UserId="barack")
    first = client.associate_faces(CollectionId="c", UserId="barack", FaceIds=[faces["obama.jpg"]])
    assert first["AssociatedFaces"] == [{"FaceId": faces["obama.jpg"]}]
    assert first["UserStatus"] == "UPDATING"  # the service's answer while it adds the face
    listed = client.list_users(CollectionId="c")["Users"]
    assert listed == [{"UserId": "barack", "UserStatus": "ACTIVE"}]
    ghost = str(uuid.uuid4())
    resp = client.associate_faces(
        CollectionId="c", UserId="barack",
        FaceIds=[faces["obama2.jpg"], faces["biden.jpg"], ghost, faces["obama.jpg"]],
    )
    assert resp["AssociatedFaces"] == [{"FaceId": faces["obama2.jpg"]}]
    failed = {f["FaceId"]: f for f in resp["UnsuccessfulFaceAssociations"]}
    assert failed[faces["biden.jpg"]]["Reasons"] == ["LOW_MATCH_CONFIDENCE"]
    assert failed[faces["biden.jpg"]]["Confidence"] < 75
    assert "UserId" not in failed[faces["biden.jpg"]]  # the service names no user here
    assert failed[ghost]["Reasons"] == ["FACE_NOT_FOUND"]
    assert faces["obama.jpg"] not in failed  # already this user's: ignored
    client.create_user(CollectionId="c", UserId="other")
    resp = client.associate_faces(CollectionId="c", UserId="other", FaceIds=[faces["obama.jpg"]])
    assert resp["UnsuccessfulFaceAssociations"] == [{
        "FaceId": faces["obama.jpg"], "UserId": "barack",
        "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"]}]
    assert resp["UserStatus"] == "CREATED"
    # A lower threshold lets the different face in.
    low = client.associate_faces(CollectionId="c", UserId="barack",
                                 FaceIds=[faces["biden.jpg"]], UserMatchThreshold=0)
    assert low["AssociatedFaces"] == [{"FaceId": faces["biden.jpg"]}]


def test_associate_unknown_user(client, faces) -> None:
    with pytest.raises(ClientError) as exc:
        client.associate_faces(CollectionId="c", UserId="nobody", FaceIds=[faces["obama.jpg"]])
    assert error_code(exc) == "ResourceNotFoundException"


def test_disassociate(client, faces) -> None:
    client.create_user(CollectionId="c", UserId="barack")
    client.create_user(CollectionId="c", UserId="joe")
    client.associate_faces(CollectionId="c", UserId="barack",
                           FaceIds=[faces["obama.jpg"], faces["obama2.jpg"]])
    client.associate_faces(CollectionId="c", UserId="joe", FaceIds=[faces["biden.jpg"]])
    ghost = str(uuid.uuid4())
    resp = client.disassociate_faces(
        CollectionId="c", UserId="barack",
        FaceIds=[faces["obama.jpg"], faces["biden.jpg"], ghost, faces["hopper.jpg"]])
    assert resp["DisassociatedFaces"] == [{"FaceId": faces["obama.jpg"]}]
    reasons = {f["FaceId"]: f["Reasons"] for f in resp["UnsuccessfulFaceDisassociations"]}
    assert reasons == {faces["biden.jpg"]: ["ASSOCIATED_TO_A_DIFFERENT_USER"],
                       ghost: ["FACE_NOT_FOUND"]}
    assert resp["UserStatus"] == "ACTIVE"
    listed = client.list_faces(CollectionId="c", UserId="barack")["Faces"]
    assert [f["FaceId"] for f in listed] == [faces["obama2.jpg"]]


def test_delete_user_frees_its_faces(client, faces) -> None:
    client.create_user(CollectionId="c", UserId="barack")
    client.associate_faces(CollectionId="c", UserId="barack", FaceIds=[faces["obama.jpg"]])
    client.delete_user(CollectionId="c", UserId="barack")
    listed = client.list_faces(CollectionId="c", FaceIds=[faces["obama.jpg"]])["Faces"]
    assert "UserId" not in listed[0]
    assert client.delete_faces(CollectionId="c",
                               FaceIds=[faces["obama.jpg"]])["DeletedFaces"] == [faces["obama.jpg"]]


def test_user_face_limit(rek, client, faces) -> None:
    coll = rek.backend().collections["c"]
    vec = np.random.default_rng(1).standard_normal(128).astype(np.float32) * 0.05
    ids = coll.bulk_load(np.tile(vec, (101, 1)))
    client.create_user(CollectionId="c", UserId="many")
    resp = client.associate_faces(CollectionId="c", UserId="many", FaceIds=ids[:60])
    assert len(resp["AssociatedFaces"]) == 60
    with pytest.raises(ClientError) as exc:  # 60 + 41 > 100: nothing is associated
        client.associate_faces(CollectionId="c", UserId="many", FaceIds=ids[60:])
    assert error_code(exc) == "ServiceQuotaExceededException"
    assert len(client.list_faces(CollectionId="c", UserId="many")["Faces"]) == 60
    client.associate_faces(CollectionId="c", UserId="many", FaceIds=ids[60:100])
    with pytest.raises(ClientError) as exc:
        client.associate_faces(CollectionId="c", UserId="many", FaceIds=[ids[100]])
    assert error_code(exc) == "ServiceQuotaExceededException"


def test_idempotency_tokens(client, faces) -> None:
    client.create_user(CollectionId="c", UserId="u", ClientRequestToken="tok-1")
    client.create_user(CollectionId="c", UserId="u", ClientRequestToken="tok-1")  # replay
    with pytest.raises(ClientError) as exc:
        client.create_user(CollectionId="c", UserId="v", ClientRequestToken="tok-1")
    assert error_code(exc) == "IdempotentParameterMismatchException"
    assert [u["UserId"] for u in client.list_users(CollectionId="c")["Users"]] == ["u"]
    kwargs = dict(CollectionId="c", UserId="u", FaceIds=[faces["obama.jpg"]],
                  ClientRequestToken="tok-2")
    first = client.associate_faces(**kwargs)
    again = client.associate_faces(**kwargs)
    assert first["AssociatedFaces"] == again["AssociatedFaces"] == [{"FaceId": faces["obama.jpg"]}]
    with pytest.raises(ClientError) as exc:
        client.associate_faces(**{**kwargs, "FaceIds": [faces["obama2.jpg"]]})
    assert error_code(exc) == "IdempotentParameterMismatchException"
    # botocore fills in a fresh token when none is given: a plain retry is a new request.
    with pytest.raises(ClientError) as exc:
        client.create_user(CollectionId="c", UserId="u")
    assert error_code(exc) == "ConflictException"


def test_search_users(client, faces) -> None:
    for user, photos in (("barack", ["obama.jpg"]), ("joe", ["biden.jpg"]),
                         ("dup", ["obama2.jpg"])):
        client.create_user(CollectionId="c", UserId=user)
        client.associate_faces(CollectionId="c", UserId=user, FaceIds=[faces[p] for p in photos])
    by_user = client.search_users(CollectionId="c", UserId="barack")
    assert by_user["SearchedUser"] == {"UserId": "barack"}
    assert [m["User"] for m in by_user["UserMatches"]] == [
        {"UserId": "dup", "UserStatus": "ACTIVE"}]
    assert by_user["UserMatches"][0]["Similarity"] > 90
    by_face = client.search_users(CollectionId="c", FaceId=faces["obama2.jpg"])
    assert by_face["SearchedFace"] == {"FaceId": faces["obama2.jpg"]}
    # The face of a user finds that user (real: Similarity 99.9999); obama2 also finds barack.
    assert [m["User"]["UserId"] for m in by_face["UserMatches"]] == ["dup", "barack"]
    assert by_face["UserMatches"][0]["Similarity"] == 100.0
    own = client.search_users(CollectionId="c", FaceId=faces["biden.jpg"])
    assert [m["User"]["UserId"] for m in own["UserMatches"]] == ["joe"]
    everyone = client.search_users(CollectionId="c", FaceId=faces["hopper.jpg"],
                                   UserMatchThreshold=0)
    sims = [m["Similarity"] for m in everyone["UserMatches"]]
    assert len(sims) == 3 and sims == sorted(sims, reverse=True)


@pytest.mark.parametrize("kwargs", [{}, {"UserId": "u", "FaceId": str(uuid.uuid4())}])
def test_search_users_needs_exactly_one_probe(client, faces, kwargs) -> None:
    client.create_user(CollectionId="c", UserId="u")
    with pytest.raises(ClientError) as exc:
        client.search_users(CollectionId="c", **kwargs)
    assert error_code(exc) == "InvalidParameterException"


def test_search_users_by_image(rek, client, faces) -> None:
    client.create_user(CollectionId="c", UserId="barack")
    client.associate_faces(CollectionId="c", UserId="barack",
                           FaceIds=[faces["obama.jpg"], faces["obama2.jpg"]])
    client.create_user(CollectionId="c", UserId="joe")
    client.associate_faces(CollectionId="c", UserId="joe", FaceIds=[faces["biden.jpg"]])
    group = group_photo("obama.jpg", "hopper.jpg")  # obama's face is the larger one
    resp = client.search_users_by_image(CollectionId="c", Image={"Bytes": group})
    assert [m["User"]["UserId"] for m in resp["UserMatches"]] == ["barack"]
    assert resp["SearchedFace"]["FaceDetail"]["Confidence"] > 90
    (unsearched,) = resp["UnsearchedFaces"]  # hopper's smaller face
    assert unsearched["Reasons"] == ["FACE_NOT_LARGEST"]
    rek.same_person(photo("hopper.jpg"), photo("biden.jpg"), similarity=91.0)
    resp = client.search_users_by_image(CollectionId="c", Image={"Bytes": photo("hopper.jpg")})
    assert [(m["User"]["UserId"], m["Similarity"]) for m in resp["UserMatches"]] == [("joe", 91.0)]
    with pytest.raises(ClientError) as exc:
        client.search_users_by_image(CollectionId="c", Image={"Bytes": photo("coffee.jpg")})
    assert error_code(exc) == "InvalidParameterException"


def test_search_users_by_image_nothing_good_enough(rek, client, faces) -> None:
    rek.set_face(photo("biden.jpg"), Quality={"Brightness": 1.0, "Sharpness": 1.0})
    resp = client.search_users_by_image(CollectionId="c", Image={"Bytes": photo("biden.jpg")},
                                        QualityFilter="HIGH")
    assert resp["UserMatches"] == [] and "SearchedFace" not in resp
    assert "LOW_SHARPNESS" in resp["UnsearchedFaces"][0]["Reasons"]
