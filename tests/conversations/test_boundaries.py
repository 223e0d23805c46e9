"""The engine stays pure: it imports nothing from platforms, SQLAlchemy, storage or bot."""

from __future__ import annotations

import ast
from pathlib import Path

import conversations

FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "telegram",
    "sqlalchemy",
    "alembic",
    "aiohttp",
    "bot",
    "storage",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_engine_has_no_relative_imports_that_leave_it() -> None:
    package = Path(conversations.__file__).parent
    escaping = [
        str(path)
        for path in package.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 1
    ]
    assert escaping == []


def test_engine_imports_no_outer_layer() -> None:
    package = Path(conversations.__file__).parent
    files = sorted(package.rglob("*.py"))
    assert len(files) >= 8
    offenders = {
        f"{path.relative_to(package)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_storage_does_not_import_bot() -> None:
    import storage

    package = Path(storage.__file__).parent
    offenders = {
        str(path)
        for path in package.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] == "bot"
    }
    assert offenders == set()
