"""Pagination of listings: opaque NextTokens and pages of sorted keys."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Sequence

from ..errors import InvalidPaginationTokenException


def encode_token(kind: str, after: str) -> str:
    """An opaque NextToken: the kind of listing and the last key returned."""
    raw = json.dumps({"k": kind, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_token(kind: str, token: str | None) -> str | None:
    """The last key of the previous page; InvalidPaginationTokenException for anything else."""
    if token is None:
        return None
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode()))
        if doc["k"] == kind and isinstance(doc["a"], str):
            return doc["a"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        pass
    raise InvalidPaginationTokenException()


def page(
    keys: Sequence[str], kind: str, token: str | None, size: int
) -> tuple[list[str], str | None]:
    """One page of sorted ``keys`` after the token's key, and the next token (None: last page)."""
    after = decode_token(kind, token)
    start = 0 if after is None else bisect.bisect_right(keys, after)
    chunk = list(keys[start : start + size])
    more = start + size < len(keys)
    return chunk, (encode_token(kind, chunk[-1]) if more and chunk else None)
