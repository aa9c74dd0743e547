"""What a handler may use: the caller's state and image intake (a module of its own so that
handlers can name the type without importing the response class)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..backend.backends import RekognitionBackend, rekognition_backends, scripts_for
from ..backend.scripts import Scripts
from ..errors import UnknownRegion
from ..faces import intake


@dataclass
class Context:
    """The caller's account, region and partition, and what hangs off them."""

    account_id: str
    region: str
    partition: str

    @property
    def backend(self) -> RekognitionBackend:
        try:
            return rekognition_backends[self.account_id][self.region]
        except KeyError:
            raise UnknownRegion(self.region) from None

    @property
    def scripts(self) -> Scripts:
        return scripts_for(self.account_id)

    def image(self, image: dict[str, Any] | None, min_side: int = intake.MIN_SIDE,
              max_side: int | None = None) -> intake.LoadedImage:
        return intake.load_image(image, self.account_id, self.partition, min_side, max_side)
