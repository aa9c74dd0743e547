"""Ids the service hands out (FaceId, ImageId, ...): UUIDs, deterministic per test."""

from __future__ import annotations

import threading
import uuid

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
