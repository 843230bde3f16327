"""Child process of the regex-budget test: time every regex in the product on adversarial text.

Run as ``python -m tests.reliability.regex_budget_probe``. Prints one JSON line per pattern *before*
timing it (``{"start": ...}``) and one after (``{"done": ..., "worst_s": ..., "input": ...}``), so the
parent can name the pattern even when a catastrophic one never returns and has to be killed.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Every folder (or module) that ships in the product; a new product package belongs here.
PRODUCT_SOURCES = ("bot.py", "catalog", "coach", "cogs", "db", "emulator")
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
LONG = 50_000
# A comment with this mark on the line above a pattern built at call time says why no member text reaches it.
TRUSTED_MARK = "# regex-budget:"
# Budgets are generous for a linear scan (a few ms here) and far below a backtracking blow-up.
LONG_BUDGET_S = 0.25
SHORT_BUDGET_S = 0.05


def product_files() -> list[Path]:
    """The product's Python files."""
    files: list[Path] = []
    for name in PRODUCT_SOURCES:
        path = ROOT / name
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return [f for f in files if "migrations" not in f.parts or f.name != "env.py"]


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _flags(node: ast.Call) -> int:
    """The flags of an inline re call, when written as re.X | re.Y."""
    flag_nodes = [kw.value for kw in node.keywords if kw.arg == "flags"]
    if node.func.attr == "compile" and len(node.args) > 1:  # type: ignore[attr-defined]
        flag_nodes.append(node.args[1])
    value = 0
    for flag in flag_nodes:
        for sub in ast.walk(flag):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "re":
                value |= getattr(re, sub.attr)
    return value


def _parse(source: str) -> ast.Module:
    """``ast.parse``, retried on a fresh thread when CPython 3.11's recursion bookkeeping was disturbed by
    greenlet switches earlier in the same thread (gh-106905: "AST constructor recursion depth mismatch")."""
    try:
        return ast.parse(source)
    except SystemError:
        with ThreadPoolExecutor(1) as fresh:
            return fresh.submit(ast.parse, source).result()


def inline_patterns(path: Path) -> Iterator[tuple[str, re.Pattern[str] | None, int]]:
    """Patterns written as literals in re.* calls, and (as None) non-literal ones found inside functions."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = _parse(source)
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            in_function.update(id(sub) for sub in ast.walk(node))
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in RE_FUNCTIONS
            and node.args
        ):
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield f"{path.relative_to(ROOT)}:{node.lineno}", re.compile(first.value, _flags(node)), node.lineno
        elif id(node) in in_function and TRUSTED_MARK not in lines[node.lineno - 2]:
            # A pattern built at call time can't be reached from here; module level it can.
            yield f"{path.relative_to(ROOT)}:{node.lineno}", None, node.lineno


def _walk(value: Any, seen: set[int]) -> Iterator[re.Pattern[Any]]:
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, re.Pattern):
        yield value
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _walk(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item, seen)
    elif isinstance(value, type):
        for item in vars(value).values():
            yield from _walk(item, seen)


def module_patterns(path: Path) -> Iterator[tuple[str, re.Pattern[Any]]]:
    """Compiled patterns held by a module (globals, containers, class attributes)."""
    module = importlib.import_module(_module_name(path))
    seen: set[int] = set()
    for name, value in vars(module).items():
        if isinstance(value, type) and value.__module__ != module.__name__:
            continue  # imported classes belong to their own module (or to a library)
        for index, pattern in enumerate(_walk(value, seen)):
            yield f"{module.__name__}.{name}[{index}]", pattern


def adversarial_inputs(pattern: re.Pattern[Any]) -> Iterator[str]:
    """Texts that make ambiguous patterns backtrack: runs of the pattern's own words, and 50 KB strings."""
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    words = sorted(set(re.findall(r"[a-z]{1,15}", source.lower())) - {"s", "d", "w", "b", "n", "t", "u"})
    short = sorted(words, key=len)[:8]
    tails = ("", "\x00", " x", "?", "\ue000 x", "1", ":")
    for tail in tails:
        for word in words:
            yield (word + " ") * 40 + tail
            for other in short:
                yield (f"{word} {other} ") * 25 + tail
        yield " ".join(words) * 3 + tail
    for unit in ("a", " ", "1", "-", "a ", "1 ", "\ue000 ", "<@1>", "1:", "**", "__", "`", "a-", ". ", "\n", "x@"):
        yield unit * (LONG // len(unit))
        yield unit * (LONG // len(unit)) + "\x00!"
    yield " ".join(words) * (LONG // max(1, len(" ".join(words))))


class _OverBudget(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise _OverBudget


def budget_for(text: str) -> float:
    """Seconds one search or match may take: linear patterns need a few ms even on 50 KB."""
    return LONG_BUDGET_S if len(text) > 2_000 else SHORT_BUDGET_S


def time_pattern(pattern: re.Pattern[Any]) -> tuple[float, str, bool]:
    """The slowest search/match over the adversarial inputs, which input it was, and whether it blew its budget.

    The regex engine checks for signals while matching (Python 3.11+), so an alarm stops a
    catastrophic match at its budget instead of letting it run for hours.
    """
    worst, worst_input = 0.0, ""
    is_bytes = isinstance(pattern.pattern, bytes)
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for text in adversarial_inputs(pattern):
            subject: Any = text.encode("utf-8", "replace") if is_bytes else text
            budget = budget_for(text)
            for op in (pattern.search, pattern.match):
                start = time.perf_counter()
                signal.setitimer(signal.ITIMER_REAL, budget)
                try:
                    op(subject)
                except _OverBudget:
                    return time.perf_counter() - start, _show(text), True
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                elapsed = time.perf_counter() - start
                if elapsed > worst:
                    worst, worst_input = elapsed, _show(text)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return worst, worst_input, False


def _show(text: str) -> str:
    return repr(text[:60]) + (f"… ({len(text)} chars)" if len(text) > 60 else "")


def main() -> int:
    """Time every pattern; one JSON line per event on stdout."""
    sys.path.insert(0, str(ROOT))
    patterns: dict[str, re.Pattern[Any]] = {}
    for path in product_files():
        for where, pattern, _line in inline_patterns(path):
            if pattern is None:
                print(json.dumps({"unreachable": where}), flush=True)
            else:
                patterns.setdefault(where, pattern)
        for where, pattern in module_patterns(path):
            if pattern not in patterns.values():
                patterns[where] = pattern
    print(json.dumps({"count": len(patterns)}), flush=True)
    for where, pattern in patterns.items():
        print(json.dumps({"start": where}), flush=True)
        worst, text, over = time_pattern(pattern)
        print(json.dumps({"done": where, "worst_s": worst, "input": text, "over_budget": over}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
