"""The backend: all of rekmock's state, per account and region, reset with moto's.

Collections (with their faces, users and search index) live in each regional backend. Scripted
answers and the celebrity gallery are account-wide, like the service's celebrity catalogue, and
live in the account's ``global`` backend. moto's own canned Rekognition operations (DetectLabels,
DetectText, ...) are inherited unchanged.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any, ClassVar

from moto.core.base_backend import BackendDict
from moto.rekognition.models import RekognitionBackend as MotoRekognitionBackend

from .ids import IdFactory
from .scripts import Scripts

GLOBAL = "global"  # moto files the "global" slot under the partition name, "aws"


class RekognitionBackend(MotoRekognitionBackend):
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
        self.collections: dict[str, Any] = {}
        self.scripts = Scripts()  # meaningful in the GLOBAL slot only
        self.idempotency: dict[tuple[str, str], tuple[Any, Any]] = {}


rekognition_backends: BackendDict[RekognitionBackend] = BackendDict(
    RekognitionBackend, "rekognition", additional_regions=["aws"]
)


def scripts_for(account_id: str) -> Scripts:
    """The account's scripted answers and celebrity gallery."""
    return rekognition_backends[account_id][GLOBAL].scripts
