"""Users in a collection: CreateUser, DeleteUser, ListUsers, AssociateFaces, DisassociateFaces,
SearchUsers, SearchUsersByImage.

Mutating user operations honour ``ClientRequestToken``: the same token with the same request
repeats the first answer; with a different request it is IdempotentParameterMismatchException.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ...backend.collection import MAX_FACES_PER_USER, Collection, User, page
from ...errors import (
    ConflictException,
    IdempotentParameterMismatchException,
    InvalidParameterException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from ...faces.analysis import faces_of
from ...faces.quality_filter import reasons
from . import operation
from .collection_ops import collection_of
from .face_ops import no_face
from .search_ops import face_not_found

ASSOCIATE_THRESHOLD = 75.0
SEARCH_THRESHOLD = 80.0
DEFAULT_MAX_USERS = 500
MAX_SEARCHED = 100


def idempotent(
    ctx: Any, operation_name: str, params: dict[str, Any], run: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``run`` once per ClientRequestToken; replay its answer for the same request."""
    token = params.get("ClientRequestToken")
    if token is None:
        return run()
    request = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    backend = ctx.backend
    key = (operation_name, token)
    with backend.lock:
        seen = backend.idempotency.get(key)
        if seen is not None:
            if seen[0] != request:
                raise IdempotentParameterMismatchException()
            return copy.deepcopy(seen[1])
        result = run()
        backend.idempotency[key] = (copy.deepcopy(request), copy.deepcopy(result))
        return result


def user_of(coll: Collection, user_id: str) -> User:
    user = coll.users.get(user_id)
    if user is None:
        raise ResourceNotFoundException(f"The user id: {user_id} does not exist")
    return user


@operation("CreateUser")
def create_user(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    user_id = params["UserId"]

    def run() -> dict[str, Any]:
        with coll.lock:
            if user_id in coll.users:
                raise ConflictException()
            coll.users[user_id] = User(user_id)
        return {}

    return idempotent(ctx, "CreateUser", params, run)


@operation("DeleteUser")
def delete_user(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])

    def run() -> dict[str, Any]:
        with coll.lock:
            user = user_of(coll, params["UserId"])
            for face_id in user.faces:
                coll.face_user.pop(face_id, None)
            del coll.users[user.user_id]
        return {}

    return idempotent(ctx, "DeleteUser", params, run)


@operation("ListUsers")
def list_users(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    with coll.lock:
        chunk, token = page(sorted(coll.users), "users", params.get("NextToken"),
                            params.get("MaxResults") or DEFAULT_MAX_USERS)
        users = [{"UserId": u, "UserStatus": coll.users[u].status} for u in chunk]
    out: dict[str, Any] = {"Users": users}
    if token:
        out["NextToken"] = token
    return out


def _associate(ctx: Any, coll: Collection, params: dict[str, Any]) -> dict[str, Any]:
    threshold = params.get("UserMatchThreshold", ASSOCIATE_THRESHOLD)
    with coll.lock:
        user = user_of(coll, params["UserId"])
        if len(user.faces) >= MAX_FACES_PER_USER:
            raise ServiceQuotaExceededException()
        failed: list[dict[str, Any]] = []
        accepted: list[str] = []
        for face_id in dict.fromkeys(params["FaceIds"]):
            owner = coll.face_user.get(face_id)
            if coll.row(face_id) is None:
                failed.append({"FaceId": face_id, "UserId": user.user_id,
                               "Reasons": ["FACE_NOT_FOUND"]})
            elif owner == user.user_id:
                continue  # already this user's: ignored, as the service does
            elif owner is not None:
                failed.append({"FaceId": face_id, "UserId": owner,
                               "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"]})
            elif user.faces:
                vector, refs, index = coll.probe_of(coll.row(face_id))
                sims = coll.user_similarities([(vector, refs, index, None)], ctx.scripts,
                                              only_user=user.user_id)
                confidence = sims.get(user.user_id, 0.0)
                if confidence < threshold:
                    failed.append({"FaceId": face_id, "Confidence": confidence,  # no UserId,
                                   "Reasons": ["LOW_MATCH_CONFIDENCE"]})  # as the service
                else:
                    accepted.append(face_id)
            else:
                accepted.append(face_id)
        if len(user.faces) + len(accepted) > MAX_FACES_PER_USER:
            raise ServiceQuotaExceededException()
        for face_id in accepted:
            user.faces[face_id] = None
            coll.face_user[face_id] = user.user_id
        return {
            "AssociatedFaces": [{"FaceId": f} for f in accepted],
            "UnsuccessfulFaceAssociations": failed,
            # The service answers UPDATING while it adds faces to the user (real 2023-2024
            # answers); with nothing added, the user's status as it stands.
            "UserStatus": "UPDATING" if accepted else user.status,
        }


@operation("AssociateFaces")
def associate_faces(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    return idempotent(ctx, "AssociateFaces", params, lambda: _associate(ctx, coll, params))


def _disassociate(coll: Collection, params: dict[str, Any]) -> dict[str, Any]:
    with coll.lock:
        user = user_of(coll, params["UserId"])
        done: list[dict[str, str]] = []
        failed: list[dict[str, Any]] = []
        for face_id in dict.fromkeys(params["FaceIds"]):
            owner = coll.face_user.get(face_id)
            if coll.row(face_id) is None:
                failed.append({"FaceId": face_id, "UserId": user.user_id,
                               "Reasons": ["FACE_NOT_FOUND"]})
            elif owner is None:
                continue  # not associated: ignored
            elif owner != user.user_id:
                failed.append({"FaceId": face_id, "UserId": owner,
                               "Reasons": ["ASSOCIATED_TO_A_DIFFERENT_USER"]})
            else:
                del coll.face_user[face_id]
                del user.faces[face_id]
                done.append({"FaceId": face_id})
        return {
            "DisassociatedFaces": done,
            "UnsuccessfulFaceDisassociations": failed,
            "UserStatus": user.status,
        }


@operation("DisassociateFaces")
def disassociate_faces(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    return idempotent(ctx, "DisassociateFaces", params, lambda: _disassociate(coll, params))


def user_matches(coll: Collection, sims: dict[str, float], threshold: float,
                 limit: int) -> list[dict[str, Any]]:
    """UserMatches at or above ``threshold``, best first (ties by UserId)."""
    hits = sorted(
        ((s, u) for u, s in sims.items() if s >= threshold), key=lambda su: (-su[0], su[1])
    )
    return [
        {"Similarity": s, "User": {"UserId": u, "UserStatus": coll.users[u].status}}
        for s, u in hits[:limit]
    ]


@operation("SearchUsers")
def search_users(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    user_id, face_id = params.get("UserId"), params.get("FaceId")
    if (user_id is None) == (face_id is None):
        raise InvalidParameterException("Exactly one of UserId or FaceId must be provided.")
    coll = collection_of(ctx, params["CollectionId"])
    threshold = params.get("UserMatchThreshold", SEARCH_THRESHOLD)
    with coll.lock:
        out: dict[str, Any] = {}
        if user_id is not None:
            user_of(coll, user_id)
            sims = coll.user_similarities(coll.user_probes(user_id), ctx.scripts)
            sims.pop(user_id, None)
        else:
            row = coll.row(face_id)
            if row is None:
                raise face_not_found()
            vector, refs, index = coll.probe_of(row)
            # The face itself counts: a face's own user comes back (real: Similarity 99.9999).
            sims = coll.user_similarities([(vector, refs, index, None)], ctx.scripts)
        matches = user_matches(coll, sims, threshold,
                               params.get("MaxUsers", DEFAULT_MAX_USERS))
    out["UserMatches"] = matches
    out["FaceModelVersion"] = coll.face_model_version
    if face_id is not None:
        out["SearchedFace"] = {"FaceId": face_id}
    else:
        out["SearchedUser"] = {"UserId": user_id}
    return out


@operation("SearchUsersByImage")
def search_users_by_image(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
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
        vector = searched.descriptor()  # vision work, outside the collection's lock
        with coll.lock:
            sims = coll.user_similarities([(vector, searched.refs, searched.index, None)],
                                          ctx.scripts)
            out["UserMatches"] = user_matches(
                coll, sims, params.get("UserMatchThreshold", SEARCH_THRESHOLD),
                params.get("MaxUsers", DEFAULT_MAX_USERS),
            )
        out["SearchedFace"] = {"FaceDetail": {"BoundingBox": searched.bounding_box(),
                                              "Confidence": searched.confidence()}}
    out["UnsearchedFaces"] = unsearched
    return out
