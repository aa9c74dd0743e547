"""Pagination of listings: NextTokens in botocore's own encoding, pages of sorted keys.

A token is ``botocore.paginate.TokenEncoder``'s encoding (as moto's paginator uses) of the kind
of listing and the last key returned; anything else is InvalidPaginationTokenException.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from botocore.paginate import TokenDecoder, TokenEncoder

from ..errors import InvalidPaginationTokenException

DEFAULT_PAGE = 1000  # ListFaces / ListCollections without MaxResults (the service's is larger)


def encode_token(kind: str, after: str) -> str:
    """An opaque NextToken: the kind of listing and the last key returned."""
    return str(TokenEncoder().encode({"kind": kind, "after": after}))


def decode_token(kind: str, token: str | None) -> str | None:
    """The last key of the previous page; InvalidPaginationTokenException for anything else."""
    if token is None:
        return None
    try:
        doc = TokenDecoder().decode(token)
        if doc["kind"] == kind and isinstance(doc["after"], str):
            return str(doc["after"])
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
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
