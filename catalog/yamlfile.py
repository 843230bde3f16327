"""Strict YAML for the project's data files (catalog, day templates, evidence base).

One loader for all of them: safe types only, duplicate mapping keys rejected (PyYAML silently keeps
the last one, which would quietly drop half of an edited entry), and every error names the file and,
where YAML knows it, the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it (several times faster at start-up); the pure-Python
# one otherwise. Both construct through the same SafeConstructor, so the results are identical.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class DataFileError(ValueError):
    """A YAML data file is missing, malformed, or has an invalid entry; says file, line, entry and field."""

    def __init__(
        self,
        path: Path,
        entry: str | None,
        field_name: str | None,
        problem: str,
        *,
        line: int | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if entry is not None:
            where += f", entry {entry}"
        if field_name is not None:
            where += f", field '{field_name}'"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.entry = entry
        self.field = field_name
        self.line = line


class StrictLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """A safe loader that rejects duplicate mapping keys instead of keeping the last one."""


def _construct_unique_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue  # `<<: *anchor` overrides are YAML semantics, not accidents
        key = loader.construct_object(key_node, deep=deep)
        try:
            seen_at = first_line.get(key)
        except TypeError:
            continue  # unhashable key: construct_mapping below reports it properly
        if seen_at is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen_at})", key_node.start_mark
            )
        first_line[key] = key_node.start_mark.line + 1
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def parse_yaml(text: str) -> Any:
    """Parse YAML text strictly (safe types, unique keys); raises yaml.YAMLError."""
    # StrictLoader derives from SafeLoader: tags that build arbitrary Python objects are refused.
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader


def load_yaml_mapping(path: Path, error: type[DataFileError] = DataFileError) -> dict[str, Any]:
    """Read a YAML file whose top level is a mapping; raise ``error`` (a DataFileError) naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(path, None, None, f"cannot read file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise error(path, None, None, f"not UTF-8 text (byte {exc.start})") from exc
    try:
        data = parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "unreadable"
        if exc.context and exc.context_mark is not None and exc.problem:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        line = mark.line + 1 if mark is not None else None
        raise error(path, None, None, f"invalid YAML: {problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise error(path, None, None, f"invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(path, None, None, "expected a mapping at the top level")
    return data
