"""The backend: all of rekmock's state, per account and region, reset with moto's.

Collections (with their faces, users and search index) live in each regional backend. Scripted
answers and the celebrity gallery are account-wide, like the service's celebrity catalogue, and
live in the account's ``global`` backend. moto's own canned Rekognition operations (DetectLabels,
DetectText, ...) are inherited unchanged.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from moto.core.base_backend import BackendDict
from moto.rekognition.models import RekognitionBackend as MotoRekognitionBackend

from .scripts import Scripts

GLOBAL = "global"  # moto files the "global" slot under the partition name, "aws"
_ID_NAMESPACE = uuid.UUID("8f1d2c0e-6a55-4c1f-9a43-2b8f5d1e7c11")


class IdFactory:
    """UUIDs that are the same on every run of the same test, and never repeat within a state."""

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._count = 0
        self._lock = threading.Lock()

    def new(self, kind: str) -> str:
        with self._lock:
            self._count += 1
            n = self._count
        return str(uuid.uuid5(_ID_NAMESPACE, f"{self._seed}/{kind}/{n}"))


class RekognitionBackend(MotoRekognitionBackend):
    """State of one account in one region (or the account-wide ``global`` slot)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.lock = threading.RLock()
        self.ids = IdFactory(f"{account_id}/{region_name}")
        self.collections: dict[str, Any] = {}
        self.scripts = Scripts()  # meaningful in the GLOBAL slot only
        self.idempotency: dict[tuple[str, str], tuple[Any, Any]] = {}


rekognition_backends: BackendDict[RekognitionBackend] = BackendDict(
    RekognitionBackend, "rekognition", additional_regions=["aws"]
)


def scripts_for(account_id: str) -> Scripts:
    """The account's scripted answers and celebrity gallery."""
    return rekognition_backends[account_id][GLOBAL].scripts
