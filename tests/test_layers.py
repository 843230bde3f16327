"""The layout holds: the domain never imports Discord, the product never imports the tests, cogs stay apart.

Read from the source (AST), so a violation is caught even in a module no test imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Discord-free: the domain and services, persistence and the data files' loaders.
DOMAIN = ("coach", "db", "catalog")
# Everything that ships (or runs from the checkout, like the benchmark).
PRODUCT = ("bot.py", "bench", "catalog", "coach", "cogs", "db", "emulator", "runtime")
MAX_LINES = 600


def python_files(*roots: str) -> list[Path]:
    """The Python files under the given folders (or the files themselves)."""
    files: list[Path] = []
    for root in roots:
        path = ROOT / root
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, absolute or relative, at any depth (functions included)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("path", python_files(*DOMAIN), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_imports_no_discord_and_no_runtime(path: Path) -> None:
    bad = {m for m in imported_modules(path) if _top(m) in {"discord", "runtime", "cogs", "emulator", "bench"}}
    assert not bad, f"{path.relative_to(ROOT)} is discord-free by design but imports {sorted(bad)}"


@pytest.mark.parametrize("path", python_files(*PRODUCT), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_product_never_imports_the_tests(path: Path) -> None:
    bad = {m for m in imported_modules(path) if _top(m) == "tests"}
    assert not bad, f"{path.relative_to(ROOT)} imports the test tree: {sorted(bad)}"


@pytest.mark.parametrize("path", python_files("cogs"), ids=lambda p: str(p.relative_to(ROOT)))
def test_cogs_do_not_import_each_other(path: Path) -> None:
    bad = {m for m in imported_modules(path) if _top(m) == "cogs"}
    assert not bad, f"{path.relative_to(ROOT)} imports another cog {sorted(bad)}: shared Discord helpers go to runtime/"


def test_no_product_file_is_over_600_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in python_files(*PRODUCT)
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these by responsibility: {long}"


def test_the_checks_see_the_files() -> None:
    """A guard that reads nothing passes everything: make sure the walk finds the product."""
    assert len(python_files(*DOMAIN)) > 20
    assert len(python_files("cogs")) >= 5
    assert "discord" in {_top(m) for m in imported_modules(ROOT / "cogs" / "logbook.py")}
