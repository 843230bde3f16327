"""One strict YAML loader for every data file: duplicate keys rejected, file and line in the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import CatalogError, DataFileError, load_catalog, load_yaml_mapping
from catalog.loader import DAYS_FILE, EXERCISES_FILE, STUDIES_FILE
from coach.evidence import EvidenceError, load_evidence


def _with_duplicate(source: Path, target: Path, anchor: str, duplicate: str) -> tuple[Path, int]:
    """Copy source to target with `duplicate` inserted right after the first line equal to `anchor`."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    lines.insert(index + 1, duplicate + "\n")
    target.write_text("".join(lines), encoding="utf-8")
    return target, index + 2  # 1-based line of the inserted duplicate


def test_duplicate_key_in_the_catalog_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    anchor = next(
        ln for ln in EXERCISES_FILE.read_text(encoding="utf-8").splitlines() if ln.strip().startswith("name:")
    )
    path, line = _with_duplicate(EXERCISES_FILE, tmp_path / "exercises.yaml", anchor, anchor.replace(":", ": X", 1))
    with pytest.raises(CatalogError, match=r"duplicate key 'name' \(first at line \d+\)") as info:
        load_catalog(path, DAYS_FILE)
    assert str(info.value).startswith(f"{path}, line {line}: invalid YAML:")
    assert info.value.line == line


def test_duplicate_key_in_a_flow_mapping_of_the_day_templates_is_rejected(tmp_path: Path) -> None:
    days = tmp_path / "days.yaml"
    days.write_text(
        DAYS_FILE.read_text(encoding="utf-8").replace(
            "{exercise: tricep_extension}", "{exercise: tricep_extension, exercise: front_raise}", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="duplicate key 'exercise'") as info:
        load_catalog(EXERCISES_FILE, days)
    assert str(days) in str(info.value)
    assert info.value.line is not None


def test_duplicate_key_in_the_evidence_base_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    anchor = next(ln for ln in STUDIES_FILE.read_text(encoding="utf-8").splitlines() if ln.strip().startswith("year:"))
    path, line = _with_duplicate(STUDIES_FILE, tmp_path / "studies.yaml", anchor, anchor)
    with pytest.raises(EvidenceError, match="duplicate key 'year'") as info:
        load_evidence(path)
    assert str(info.value).startswith(f"{path}, line {line}: invalid YAML:")


def test_the_loader_is_safe_and_names_syntax_errors(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("a: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="invalid YAML") as info:
        load_yaml_mapping(unsafe)
    assert info.value.line == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"broken\.yaml, line \d+: invalid YAML: .*line 2"):
        load_yaml_mapping(broken)


def test_merge_keys_and_repeated_keys_in_different_mappings_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {sets: 3, reps: 8}\nday:\n  <<: *b\n  reps: 10\nother: {sets: 3}\n", encoding="utf-8")
    assert load_yaml_mapping(path) == {
        "base": {"sets": 3, "reps": 8},
        "day": {"sets": 3, "reps": 10},
        "other": {"sets": 3},
    }


@pytest.mark.parametrize(
    ("text", "problem"), [("- a\n- b\n", "expected a mapping at the top level"), ("", "expected a mapping")]
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=problem):
        load_yaml_mapping(path)


def test_missing_and_non_utf8_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="cannot read file"):
        load_yaml_mapping(tmp_path / "nope.yaml", EvidenceError)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: Café\n".encode("latin-1"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        load_yaml_mapping(latin1, CatalogError)
