"""Users in a collection: CreateUser, DeleteUser, ListUsers, AssociateFaces, DisassociateFaces,
SearchUsers, SearchUsersByImage.

The rules (face limits, ownership, match thresholds, ClientRequestToken idempotency) are the
backend's (:mod:`rekmock.backend.users`, ``RekognitionBackend.idempotent``); here, parameters in
and responses out.
"""

from __future__ import annotations

from typing import Any

from ...defaults import ASSOCIATE_THRESHOLD, MATCH_THRESHOLD
from ...errors import InvalidParameterException
from ...faces.analysis import faces_of
from ...faces.quality_filter import reasons
from ..context import Context
from . import operation, paged
from .collection_ops import collection_of
from .face_ops import no_face

DEFAULT_MAX_USERS = 500
MAX_SEARCHED = 100


@operation("CreateUser")
def create_user(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])

    def run() -> dict[str, Any]:
        coll.create_user(params["UserId"])
        return {}

    return ctx.backend.idempotent("CreateUser", params, run)


@operation("DeleteUser")
def delete_user(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])

    def run() -> dict[str, Any]:
        coll.delete_user(params["UserId"])
        return {}

    return ctx.backend.idempotent("DeleteUser", params, run)


@operation("ListUsers")
def list_users(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    users, token = coll.list_users(params.get("NextToken"),
                                   params.get("MaxResults") or DEFAULT_MAX_USERS)
    return paged("Users", users, token)


@operation("AssociateFaces")
def associate_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    return ctx.backend.idempotent("AssociateFaces", params, lambda: coll.associate_faces(
        params["UserId"], params["FaceIds"],
        params.get("UserMatchThreshold", ASSOCIATE_THRESHOLD), ctx.scripts,
    ))


@operation("DisassociateFaces")
def disassociate_faces(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    return ctx.backend.idempotent("DisassociateFaces", params, lambda: coll.disassociate_faces(
        params["UserId"], params["FaceIds"],
    ))


@operation("SearchUsers")
def search_users(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    user_id, face_id = params.get("UserId"), params.get("FaceId")
    if (user_id is None) == (face_id is None):
        raise InvalidParameterException("Exactly one of UserId or FaceId must be provided.")
    coll = collection_of(ctx, params["CollectionId"])
    matches = coll.search_users(
        user_id, face_id,
        params.get("UserMatchThreshold", MATCH_THRESHOLD),
        params.get("MaxUsers", DEFAULT_MAX_USERS),
        ctx.scripts,
    )
    out: dict[str, Any] = {"UserMatches": matches, "FaceModelVersion": coll.face_model_version}
    if face_id is not None:
        out["SearchedFace"] = {"FaceId": face_id}
    else:
        out["SearchedUser"] = {"UserId": user_id}
    return out


@operation("SearchUsersByImage")
def search_users_by_image(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    faces = faces_of(ctx.image(params["Image"]), ctx.scripts)
    if not faces:
        raise no_face()
    level = params.get("QualityFilter", "NONE")
    searched = None
    unsearched: list[dict[str, Any]] = []
    for n, face in enumerate(faces):
        why = reasons(face, level)
        if n >= MAX_SEARCHED:
            why = ["EXCEEDS_MAX_FACES"]
        elif not why and searched is None:
            searched = face
            continue
        unsearched.append({"FaceDetails": face.detail(), "Reasons": why or ["FACE_NOT_LARGEST"]})
    out: dict[str, Any] = {"UserMatches": [], "FaceModelVersion": coll.face_model_version}
    if searched is not None:
        out["UserMatches"] = coll.search_users_by_face(
            (searched.descriptor(), searched.refs, searched.index),  # vision work before locks
            params.get("UserMatchThreshold", MATCH_THRESHOLD),
            params.get("MaxUsers", DEFAULT_MAX_USERS),
            ctx.scripts,
        )
        out["SearchedFace"] = {"FaceDetail": {"BoundingBox": searched.bounding_box(),
                                              "Confidence": searched.confidence()}}
    out["UnsearchedFaces"] = unsearched
    return out
