"""Collections: CreateCollection, DescribeCollection, ListCollections, DeleteCollection."""

from __future__ import annotations

from typing import Any

from ...backend.collection import Collection
from ...backend.pagination import DEFAULT_PAGE
from ...botocore_model import FACE_MODEL_VERSION
from ..context import Context
from . import operation


def collection_of(ctx: Context, collection_id: str) -> Collection:
    """The caller's collection, or ResourceNotFoundException as the service words it."""
    return ctx.backend.collection(collection_id)


@operation("CreateCollection")
def create_collection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    arn = ctx.backend.create_collection(params["CollectionId"], params.get("Tags"))
    return {"StatusCode": 200, "CollectionArn": arn, "FaceModelVersion": FACE_MODEL_VERSION}


@operation("DescribeCollection")
def describe_collection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return collection_of(ctx, params["CollectionId"]).describe()


@operation("ListCollections")
def list_collections(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ids, versions, token = ctx.backend.list_collections(
        params.get("NextToken"), params.get("MaxResults") or DEFAULT_PAGE
    )
    out: dict[str, Any] = {"CollectionIds": ids}
    if token:
        out["NextToken"] = token
    out["FaceModelVersions"] = versions
    return out


@operation("DeleteCollection")
def delete_collection(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.delete_collection(params["CollectionId"])
    return {"StatusCode": 200}
