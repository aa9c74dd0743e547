"""The README and docs/ stay true: every relative link resolves, and every code block marked
``<!-- runnable -->`` runs as written from the project root (each ``test_*`` function it
defines is called, with the plugin's fixtures by name: ``rek``/``rekognition_mock``,
``client``/``rekognition_client``, ``s3``/``s3_client``, under a fresh mock)."""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest

from rekmock import mock_rekognition

from .helpers import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         *sorted((ROOT / "examples").glob("*/README.md")), ROOT / "examples" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
RUNNABLE = re.compile(r"<!-- runnable -->\n```python\n(.*?)```", re.S)
HEADING = re.compile(r"^#+\s+(.*)$", re.M)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _relative_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # not inside code blocks
    return [link for link in LINK.findall(text) if not re.match(r"[a-z]+:", link)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for link in _relative_links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / unquote(path)).resolve() if path else page
        if not target.exists():
            broken.append(link)
        elif anchor and target.suffix == ".md":
            anchors = {_anchor(h) for h in HEADING.findall(target.read_text())}
            if anchor not in anchors:
                broken.append(link)
    assert broken == []


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for page in PAGES:
        for i, block in enumerate(RUNNABLE.findall(page.read_text())):
            found.append((str(page.relative_to(ROOT)), i, block))
    return found


def test_there_are_runnable_blocks() -> None:
    pages = {page for page, _, _ in _blocks()}
    assert "README.md" in pages and len(pages) >= 4


def _call(fn: Any) -> None:
    """Call a docs example's test function with the fixtures it names, under a fresh mock."""
    names = list(inspect.signature(fn).parameters)
    if not names:
        fn()
        return
    with mock_rekognition() as rek:
        fixtures = {"rek": rek, "rekognition_mock": rek,
                    "client": boto3.client("rekognition", region_name="us-east-1"),
                    "s3": boto3.client("s3", region_name="us-east-1")}
        fixtures["rekognition_client"], fixtures["s3_client"] = fixtures["client"], fixtures["s3"]
        fn(**{name: fixtures[name] for name in names})


@pytest.mark.parametrize(("page", "index", "code"), _blocks(),
                         ids=lambda v: v if isinstance(v, str) and v.endswith(".md") else "")
def test_runnable_blocks_run(page: str, index: int, code: str) -> None:
    namespace: dict[str, Any] = {"__name__": f"docs_{index}"}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, page, "exec"), namespace)
        tests = [fn for name, fn in namespace.items() if name.startswith("test_") and callable(fn)]
        assert tests, f"{page} block {index} defines no test_* function"
        for fn in tests:
            _call(fn)
    finally:
        os.chdir(cwd)
