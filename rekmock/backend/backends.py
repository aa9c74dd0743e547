"""The backend: all of rekmock's state, per account and region, reset with moto's.

Collections (with their faces, users and search index), their tags and the idempotency records
of ClientRequestTokens live in each regional backend. Scripted answers and the celebrity gallery
are account-wide, like the service's celebrity catalogue, and live in the account's ``global``
backend. Locking: see :mod:`rekmock.backend.collection`.

Stream processors (:mod:`.stream_processors`) live in the regional backend too; tags follow
:data:`TAGGABLE`.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, ClassVar, Protocol

from moto.core.base_backend import BackendDict, BaseBackend, backend_lock

from ..errors import (
    IdempotentParameterMismatchException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from .analysis import AnalysisState
from .collection import Collection, collection_not_found
from .custom_labels import CustomLabels
from .ids import IdFactory
from .jobs import VideoState
from .pagination import page
from .scripts import Scripts
from .stream_processors import StreamProcessors

GLOBAL = "global"  # moto files the "global" slot under the partition name, "aws"
MAX_TAGS = 200  # tags on one collection, in all
TOKEN_PARAMETER = "ClientRequestToken"


class Tagged(Protocol):
    """A resource that carries tags: a collection, a stream processor, a Custom Labels project,
    dataset or model version (guarded by its owner's lock)."""

    tags: dict[str, str]


class RekognitionBackend(BaseBackend):
    """State of one account in one region (or the account-wide ``global`` slot)."""

    # moto finds a backend's URL module by renaming ``models`` to ``urls`` in its module path; the
    # service layer sits above this one, so ``rekmock.mock.install`` wires it in instead.
    urls_module: ClassVar[ModuleType | None] = None

    @property
    def _url_module(self) -> ModuleType:
        if self.urls_module is None:
            raise RuntimeError("rekmock.mock.install() has not wired the service's URLs")
        return self.urls_module

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.ids = IdFactory(f"{account_id}/{region_name}")
        self.collections: dict[str, Collection] = {}
        self.scripts = Scripts()  # meaningful in the GLOBAL slot only
        self.idempotency: dict[tuple[str, str], tuple[Any, Any]] = {}
        self.video = VideoState()  # stored-video jobs and Face Liveness sessions
        self.streams = StreamProcessors(region_name, account_id)
        self.custom_labels = CustomLabels(account_id, region_name, self.ids)
        self.analysis = AnalysisState()  # scripted labels, moderation, text, PPE; media jobs

    # -- collections ---------------------------------------------------------------------------

    def collection_arn(self, collection_id: str) -> str:
        """The ARN as the service writes it (no ``arn:`` prefix)."""
        return f"aws:rekognition:{self.region_name}:{self.account_id}:collection/{collection_id}"

    def create_collection(self, collection_id: str, tags: dict[str, str] | None) -> str:
        """A new, empty collection; its ARN."""
        arn = self.collection_arn(collection_id)
        with self.lock:
            if collection_id in self.collections:
                raise ResourceAlreadyExistsException(
                    f"The collection id: {collection_id} already exists."
                )
            self.collections[collection_id] = Collection(collection_id, arn, self.ids, tags)
        return arn

    def live_collection(self, collection_id: str) -> Collection | None:
        """The collection, or None when there is none (or it is being deleted)."""
        with self.lock:
            found = self.collections.get(collection_id)
        return None if found is None or found.deleted else found

    def collection(self, collection_id: str) -> Collection:
        """The collection, or ResourceNotFoundException as the service words it."""
        found = self.live_collection(collection_id)
        if found is None:
            raise collection_not_found(collection_id)
        return found

    def list_collections(
        self, token: str | None, size: int
    ) -> tuple[list[str], list[str], str | None]:
        """One page: CollectionIds, their FaceModelVersions, and the NextToken."""
        with self.lock:
            chunk, next_token = page(sorted(self.collections), "collections", token, size)
            versions = [self.collections[c].face_model_version for c in chunk]
        return chunk, versions, next_token

    def delete_collection(self, collection_id: str) -> None:
        with self.lock:
            coll = self.collections.pop(collection_id, None)
            if coll is None:
                raise collection_not_found(collection_id)
            with coll.lock:
                coll.deleted = True

    # -- tags ----------------------------------------------------------------------------------

    def _resource(self, arn: str, partition: str) -> Tagged:
        """The taggable resource an ARN names (``arn:aws:...`` or the service's own ``aws:...``
        form) in this account and region; its kind is looked up in :data:`TAGGABLE`."""
        body = arn[4:] if arn.startswith("arn:") else arn
        parts = body.split(":", 4)
        if (
            len(parts) == 5
            and parts[0] == partition
            and parts[1] == "rekognition"
            and parts[2] == self.region_name
            and parts[3] == self.account_id
        ):
            kind, _, resource_id = parts[4].partition("/")
            lookup = TAGGABLE.get(kind)
            found = lookup(self, resource_id) if lookup is not None and resource_id else None
            if found is not None:
                return found
        raise ResourceNotFoundException(f"The resource {arn} does not exist")

    def tag_resource(self, arn: str, partition: str, tags: dict[str, str]) -> None:
        with self.lock:
            resource = self._resource(arn, partition)
            merged = {**resource.tags, **tags}
            if len(merged) > MAX_TAGS:
                raise ServiceQuotaExceededException(
                    f"A resource can have at most {MAX_TAGS} tags; this request would make "
                    f"{len(merged)}."
                )
            resource.tags = merged

    def untag_resource(self, arn: str, partition: str, keys: list[str]) -> None:
        with self.lock:
            resource = self._resource(arn, partition)
            resource.tags = {k: v for k, v in resource.tags.items() if k not in set(keys)}

    def tags_of(self, arn: str, partition: str) -> dict[str, str]:
        with self.lock:
            return dict(sorted(self._resource(arn, partition).tags.items()))

    # -- idempotency ---------------------------------------------------------------------------

    def idempotent(
        self, operation: str, params: dict[str, Any], run: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Run ``run`` once per ClientRequestToken: the same token with the same request repeats
        the first answer; with a different request it is IdempotentParameterMismatchException."""
        token = params.get(TOKEN_PARAMETER)
        if token is None:
            return run()
        request = {k: v for k, v in params.items() if k != TOKEN_PARAMETER}
        key = (operation, token)
        with self.lock:
            seen = self.idempotency.get(key)
            if seen is not None:
                if seen[0] != request:
                    raise IdempotentParameterMismatchException()
                return copy.deepcopy(seen[1])
            result = run()
            self.idempotency[key] = (copy.deepcopy(request), copy.deepcopy(result))
            return result


# The resources TagResource, UntagResource and ListTagsForResource know, by the ARN's resource
# type (``collection/<id>``, ``streamprocessor/<name>``): the resource of that id in a regional
# backend, or None. A new taggable kind is one more entry.
TAGGABLE: dict[str, Callable[[RekognitionBackend, str], Tagged | None]] = {
    "collection": lambda backend, collection_id: backend.live_collection(collection_id),
    "streamprocessor": lambda backend, name: backend.streams.get(name),
    # Custom Labels: project/<name>/<ms>, and its datasets and model versions below it.
    "project": lambda backend, rest: backend.custom_labels.tagged(f"project/{rest}"),
}

rekognition_backends: BackendDict[RekognitionBackend] = BackendDict(
    RekognitionBackend, "rekognition", additional_regions=["aws"]
)


def scripts_for(account_id: str) -> Scripts:
    """The account's scripted answers and celebrity gallery."""
    return rekognition_backends[account_id][GLOBAL].scripts


def reset_all() -> None:
    """Forget every account's Rekognition state (collections, scripts, celebrities, jobs), as
    moto's reset does, leaving the other services' state alone."""
    with backend_lock:
        for account in rekognition_backends.values():
            account.reset()
        rekognition_backends.clear()
