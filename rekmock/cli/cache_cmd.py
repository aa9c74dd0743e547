"""``rekmock cache info|clear``: where the persistent vision cache is, how big, and emptying it."""

from __future__ import annotations

import argparse
from typing import Any

MB = 1024 * 1024


def cmd_cache(args: argparse.Namespace) -> int:
    from ..vision import disk_cache

    if args.action == "clear":
        print(f"removed {disk_cache.clear()} entries from {disk_cache.directory()}")
        return 0
    info = disk_cache.info()
    print(f"directory  {info['directory']}")
    print(f"enabled    {'yes' if info['enabled'] else 'no (REKMOCK_CACHE=off)'}")
    print(f"entries    {info['entries']}")
    print(f"size       {info['bytes'] / MB:.2f} MB of {info['max_bytes'] / MB:.0f} MB")
    print(f"version    {info['version']}")
    return 0


def add_parser(sub: Any) -> None:
    """Register the ``cache`` subcommand on the main parser's subparsers."""
    cache = sub.add_parser(
        "cache", help="show or empty the persistent cache of vision results",
        description="The cache holds what rekmock found in each photo it analysed (boxes, "
        "landmarks, attributes, face vectors: biometric data of the photos tested). "
        "REKMOCK_CACHE_DIR moves it, REKMOCK_CACHE=off disables it, REKMOCK_CACHE_MAX_MB caps it.",
    )
    cache.add_argument("action", choices=("info", "clear"), help="info: location and size; "
                       "clear: remove every entry")
    cache.set_defaults(func=cmd_cache)
