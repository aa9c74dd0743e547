"""The package layout's rules, checked on the source: imports run one way, and only the backend
takes locks on state (handlers translate)."""

from __future__ import annotations

import ast
from pathlib import Path

from .helpers import ROOT

PACKAGE = ROOT / "rekmock"
BASE = {"errors", "botocore_model", "defaults"}  # below everything; import nothing of rekmock
# A layer imports only layers ranked below it: cli -> server -> the public entry points
# (__init__, pytest_plugin, mock, scripting) -> service -> recording -> faces -> backend ->
# vision. (recording: the record and replay modes the service's dispatch asks first.)
RANK = {"vision": 0, "backend": 1, "faces": 2, "recording": 3, "service": 4, "scripting": 5,
        "mock": 6, "pytest_plugin": 7, "__init__": 8, "server": 9, "cli": 10}
PUBLIC_DOORS = {("control", "server"), ("__main__", "cli")}  # re-exports of what lies above


def _part(path: Path) -> str:
    """The layer a module belongs to: its sub-package, or its own name at the top."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imported_parts(path: Path) -> set[str]:
    """Layers this module imports (relative and absolute ``rekmock`` imports, lazy ones too)."""
    here = list(path.relative_to(ROOT).with_suffix("").parts)
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[list[str]] = []
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            targets = [module + [alias.name] for alias in node.names] if not node.module else [
                module]
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        for target in targets:
            if len(target) >= 2 and target[0] == "rekmock" and target[1] != "__version__":
                name = target[1]
                found.add(name if (PACKAGE / name).is_dir() or name in RANK or name in BASE
                          or (PACKAGE / f"{name}.py").exists() else "__init__")
    return found


def test_imports_run_one_way() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = _part(path)
        for other in _imported_parts(path) - {part}:
            if part in BASE:
                upward.append(f"{path.relative_to(ROOT)} imports {other} (base modules import "
                              "nothing of rekmock)")
            elif other in BASE or (part, other) in PUBLIC_DOORS:
                continue
            elif RANK.get(other, 99) >= RANK.get(part, -1):
                upward.append(f"{path.relative_to(ROOT)} ({part}) imports {other}")
    assert upward == []


def test_only_the_backend_locks_state() -> None:
    """Handlers and the service translate; locks on state live in rekmock/backend."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((PACKAGE / "service").rglob("*.py"))
        if any(isinstance(node, ast.With) and "lock" in ast.unparse(node.items[0].context_expr)
               for node in ast.walk(ast.parse(path.read_text())))
    ]
    assert offenders == []
