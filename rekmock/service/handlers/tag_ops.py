"""Tags on collections: TagResource, UntagResource, ListTagsForResource.

Tag keys and values (patterns, sizes, at most 200 per request) are checked by the model-driven
validator; here: the ARN must name an existing collection of the caller's account and region,
and a collection holds at most 200 tags in all.
"""

from __future__ import annotations

from typing import Any

from ...backend.collection import Collection
from ...errors import ResourceNotFoundException, ServiceQuotaExceededException
from . import operation

MAX_TAGS = 200


def resource_of(ctx: Any, arn: str) -> Collection:
    """The collection an ARN names (``arn:aws:...`` or the service's own ``aws:...`` form)."""
    body = arn[4:] if arn.startswith("arn:") else arn
    parts = body.split(":", 4)
    backend = ctx.backend
    if (
        len(parts) == 5
        and parts[0] == ctx.partition
        and parts[1] == "rekognition"
        and parts[2] == ctx.region
        and parts[3] == ctx.account_id
        and parts[4].startswith("collection/")
    ):
        with backend.lock:
            found = backend.collections.get(parts[4][len("collection/"):])
        if found is not None and not found.deleted:
            return found
    raise ResourceNotFoundException(f"The resource {arn} does not exist")


@operation("TagResource")
def tag_resource(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = resource_of(ctx, params["ResourceArn"])
    with ctx.backend.lock:
        merged = {**coll.tags, **params["Tags"]}
        if len(merged) > MAX_TAGS:
            raise ServiceQuotaExceededException(
                f"A resource can have at most {MAX_TAGS} tags; this request would make "
                f"{len(merged)}."
            )
        coll.tags = merged
    return {}


@operation("UntagResource")
def untag_resource(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = resource_of(ctx, params["ResourceArn"])
    with ctx.backend.lock:
        coll.tags = {k: v for k, v in coll.tags.items() if k not in set(params["TagKeys"])}
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    coll = resource_of(ctx, params["ResourceArn"])
    with ctx.backend.lock:
        return {"Tags": dict(sorted(coll.tags.items()))}
