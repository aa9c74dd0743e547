"""Tags on collections and Custom Labels projects, datasets and model versions: TagResource,
UntagResource, ListTagsForResource.

Tag keys and values (patterns, sizes, at most 200 per request) are checked by the model-driven
validator; the backend checks that the ARN names an existing resource of the caller's account
and region, and that a resource holds at most 200 tags in all.
"""

from __future__ import annotations

from typing import Any

from ..context import Context
from . import operation


@operation("TagResource")
def tag_resource(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.tag_resource(params["ResourceArn"], ctx.partition, params["Tags"])
    return {}


@operation("UntagResource")
def untag_resource(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    ctx.backend.untag_resource(params["ResourceArn"], ctx.partition, params["TagKeys"])
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": ctx.backend.tags_of(params["ResourceArn"], ctx.partition)}
