"""Collections: CreateCollection, DescribeCollection, ListCollections, DeleteCollection."""

from __future__ import annotations

from typing import Any

from ...backend.collection import Collection, page
from ...botocore_model import FACE_MODEL_VERSION
from ...errors import ResourceAlreadyExistsException, ResourceNotFoundException
from . import operation

DEFAULT_PAGE = 1000


def collection_arn(ctx: Any, collection_id: str) -> str:
    """The ARN as CreateCollection writes it (no ``arn:`` prefix; DescribeCollection adds it,
    as the developer guide's examples of each show)."""
    return f"aws:rekognition:{ctx.region}:{ctx.account_id}:collection/{collection_id}"


def not_found(collection_id: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"The collection id: {collection_id} does not exist")


def collection_of(ctx: Any, collection_id: str) -> Collection:
    """The caller's collection, or ResourceNotFoundException as the service words it."""
    backend = ctx.backend
    with backend.lock:
        found = backend.collections.get(collection_id)
    if found is None or found.deleted:
        raise not_found(collection_id)
    return found


@operation("CreateCollection")
def create_collection(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    collection_id = params["CollectionId"]
    backend = ctx.backend
    arn = collection_arn(ctx, collection_id)
    with backend.lock:
        if collection_id in backend.collections:
            raise ResourceAlreadyExistsException(
                f"The collection id: {collection_id} already exists."
            )
        backend.collections[collection_id] = Collection(
            collection_id, arn, backend.ids, params.get("Tags")
        )
    return {"StatusCode": 200, "CollectionArn": arn, "FaceModelVersion": FACE_MODEL_VERSION}


@operation("DescribeCollection")
def describe_collection(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = collection_of(ctx, params["CollectionId"])
    with coll.lock:
        return {
            "FaceCount": coll.face_count,
            "FaceModelVersion": coll.face_model_version,
            "CollectionARN": f"arn:{coll.arn}",
            "CreationTimestamp": coll.created,
            "UserCount": len(coll.users),
        }


@operation("ListCollections")
def list_collections(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    backend = ctx.backend
    size = params.get("MaxResults") or DEFAULT_PAGE
    with backend.lock:
        ids = sorted(backend.collections)
        chunk, token = page(ids, "collections", params.get("NextToken"), size)
        versions = [backend.collections[c].face_model_version for c in chunk]
    out: dict[str, Any] = {"CollectionIds": chunk}
    if token:
        out["NextToken"] = token
    out["FaceModelVersions"] = versions
    return out


@operation("DeleteCollection")
def delete_collection(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    collection_id = params["CollectionId"]
    backend = ctx.backend
    with backend.lock:
        coll = backend.collections.pop(collection_id, None)
        if coll is None:
            raise not_found(collection_id)
        with coll.lock:
            coll.deleted = True
    return {"StatusCode": 200}
