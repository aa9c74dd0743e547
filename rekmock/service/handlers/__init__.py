"""One function per Rekognition operation, registered by name.

A handler takes the request context and the validated parameters, calls the backend (which owns
the rules about state, and its locks) and returns the response dict. Handlers never touch HTTP,
locks or OpenCV: the context gives them images and state, the analysis module gives them faces.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from ..context import Context

Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of the Rekognition operation ``name``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def paged(member: str, items: list[Any], token: str | None) -> dict[str, Any]:
    """A listing's answer: ``member``'s items, then a ``NextToken`` when there are more."""
    out: dict[str, Any] = {member: items}
    if token is not None:
        out["NextToken"] = token
    return out


def load_all() -> dict[str, Handler]:
    """Import every handler module in this package so their operations register."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return HANDLERS
