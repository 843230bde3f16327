"""The evidence base: required fields, traceability of every rendered claim and number, and embed limits."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
import pytest
import yaml

from coach.evidence import (
    STUDIES_FILE,
    UNVERIFIED_LABEL,
    EmbedField,
    EmbedSpec,
    EvidenceBase,
    EvidenceError,
    claim_numbers,
    fit_embed,
    load_evidence,
    render_claim,
    render_finding,
    study_embed,
    summary_embed,
    traceability_problems,
)
from coach.evidence.base import ATTRIBUTION_MARKERS

REPO = Path(__file__).resolve().parents[2]
SHARED_STUDIES = REPO.parent / "shared" / "evidence" / "studies.yaml"
SEED_SUMMARY = REPO.parent / "shared" / "seeds" / "001_38615f3d30a6e981.txt"

STUDY_IDS = {
    "gentil2007", "augustsson2003", "brennecke2009", "fisher2014", "aguiar2015", "soares2016", "golas2017",
    "trindade2019", "fujita2022", "keskin2024", "hermann2025", "simao2010", "nunes2021", "ribeiro2019",
    "trindade2022", "krzysztofik2019",
}  # fmt: skip
EXPERT_IDS = {"research_summary", "merritt_mf", "henselmans", "sbs_intensity"}
REQUIRED_KEYS = {
    "id", "kind", "technique", "short_cite", "authors", "year", "title", "journal", "volume_pages", "doi",
    "pmid", "url", "population", "design", "exercises", "measured", "findings", "verdict", "limitations",
    "verification", "verification_note",
}  # fmt: skip


@pytest.fixture(scope="module")
def base() -> EvidenceBase:
    """The real evidence file."""
    return load_evidence()


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """The real evidence file as plain YAML data."""
    return yaml.safe_load(STUDIES_FILE.read_text(encoding="utf-8"))


def _numbers(value: Any) -> set[str]:
    """Every number written anywhere in a YAML value."""
    if isinstance(value, dict):
        return set().union(*(_numbers(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_numbers(v) for v in value)) if value else set()
    if isinstance(value, bool) or value is None:
        return set()
    return set(claim_numbers(str(value)))


def _write_variant(tmp_path: Path, raw: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> Path:
    data = copy.deepcopy(raw)
    change(data)
    path = tmp_path / "studies.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _entry(data: dict[str, Any], entry_id: str) -> dict[str, Any]:
    return next(e for e in data["entries"] if e["id"] == entry_id)


# --- the file itself -------------------------------------------------------------------------


def test_loads_every_study_and_expert_position(base: EvidenceBase) -> None:
    assert {e.id for e in base.entries} == STUDY_IDS | EXPERT_IDS
    assert all(base.get(i) is not None for i in STUDY_IDS)
    assert base.get("nope") is None


def test_every_entry_has_its_required_fields(base: EvidenceBase, raw: dict[str, Any]) -> None:
    for item in raw["entries"]:
        assert set(item) >= REQUIRED_KEYS, (item.get("id"), REQUIRED_KEYS - set(item))
    for entry in base.entries:
        assert entry.short_cite, entry.id
        assert entry.authors, entry.id
        assert entry.design, entry.id
        assert entry.limitations, entry.id
        assert entry.verification in ("true", "partial", "false"), entry.id
        assert entry.verification_note, entry.id
        if entry.is_expert:
            assert entry.technique == "classic"
            assert entry.kind == "expert_opinion"
            continue
        assert entry.year is not None, entry.id
        assert str(entry.year) in entry.short_cite, entry.id
        assert entry.title, entry.id
        assert entry.journal, entry.id
        # A study links to its DOI, else its PubMed record, else nothing (test_links_are_doi_or_pubmed).
        assert entry.url or not (entry.doi or entry.pmid), entry.id
        if entry.kind in ("trial", "acute"):
            assert entry.population is not None, entry.id
        if not (entry.doi or entry.pmid or entry.pmcid):
            assert entry.verification != "true", f"{entry.id}: fully verified but no DOI/PMID"
        for finding in entry.findings:
            assert finding.verified or finding.source_note, entry.id


def test_identifiers_were_not_invented(base: EvidenceBase) -> None:
    """DOIs and PMIDs are either null or exactly as written in the shared, checked file."""
    if not SHARED_STUDIES.exists():
        pytest.skip("shared evidence file not available")
    shared = SHARED_STUDIES.read_text(encoding="utf-8")
    for entry in base.entries:
        for value in (entry.doi, entry.pmid, entry.pmcid):
            if value is not None:
                assert value in shared, f"{entry.id}: {value} is not in the shared evidence file"


def test_every_number_in_an_entry_appears_in_its_shared_source(raw: dict[str, Any]) -> None:
    if not SHARED_STUDIES.exists():
        pytest.skip("shared evidence file not available")
    shared = yaml.safe_load(SHARED_STUDIES.read_text(encoding="utf-8"))
    shared_entries = {e["id"]: e for key in ("studies", "reviews_and_meta_analyses") for e in shared[key]}
    everything = _numbers(shared) | set(claim_numbers(SEED_SUMMARY.read_text(encoding="utf-8")))
    for item in raw["entries"]:
        source = _numbers(shared_entries[item["id"]]) if item["id"] in shared_entries else everything
        extra = _numbers(item) - source
        assert not extra, f"{item['id']}: numbers {sorted(extra)} are not in the shared source"
    summary_extra = _numbers(raw["summary"]) - everything
    assert not summary_extra, f"summary numbers {sorted(summary_extra)} are not in the shared sources"


def test_soares_has_no_results_and_no_verdict(base: EvidenceBase) -> None:
    soares = base["soares2016"]
    assert soares.findings == ()
    assert soares.verdict is None
    assert soares.doi is None
    assert soares.pmid is None


def test_aguiar_is_flagged_as_a_different_technique(base: EvidenceBase) -> None:
    aguiar = base["aguiar2015"]
    assert aguiar.technique == "variant"
    assert aguiar.relevance_note
    assert "different technique" in aguiar.relevance_note.casefold()


def test_hermann_is_a_preprint_known_only_from_secondary_reports(base: EvidenceBase) -> None:
    hermann = base["hermann2025"]
    assert hermann.verification == "false"
    assert hermann.findings
    assert not hermann.verified_findings
    assert "preprint" in hermann.short_cite
    assert "preprint" in (hermann.journal or "")
    assert any("36%" in f.text for f in hermann.findings)


# --- traceability of the summary -------------------------------------------------------------


def test_every_summary_claim_is_traceable(base: EvidenceBase) -> None:
    assert traceability_problems(base) == []
    for claim in base.summary.all_claims():
        assert claim.cites
        assert all(c in base for c in claim.cites)
        assert "soares2016" not in claim.cites
        if claim.stance == "supports":
            assert "aguiar2015" not in claim.cites
        if claim.basis == "secondary":
            assert any(m in claim.text.casefold() for m in ATTRIBUTION_MARKERS), claim.text


def test_every_rendered_summary_line_is_a_cited_claim(base: EvidenceBase) -> None:
    spec = summary_embed(base)
    rendered = {render_claim(base, c) for c in base.summary.all_claims() if c not in base.summary.chat}
    lines = spec.description.splitlines() + [
        line.removeprefix("• ") for f in spec.fields for line in f.value.splitlines()
    ]
    assert lines
    assert set(lines) == rendered
    short_cites = {e.short_cite: e for e in base.entries}
    for line in lines:
        match = re.search(r"\(([^()]+)\)[.!?]$", line)
        assert match, f"no citation at the end of: {line}"
        cited = [short_cites[c.strip()] for c in match.group(1).split(";")]
        body_numbers = set(claim_numbers(line[: match.start()]))
        for number in body_numbers:
            assert any(number in claim_numbers(f.text) for e in cited for f in e.findings), (
                f"{number} in {line!r} is not in the findings of {[e.id for e in cited]}"
            )


def test_summary_content_order_and_time_saving_attribution(base: EvidenceBase) -> None:
    spec = summary_embed(base)
    assert spec.title == "Does pre-exhaust work?"
    assert spec.description.startswith("Short answer:")
    names = [f.name for f in spec.fields]
    assert names == [
        "What it is, and how to use it",
        "Muscle activity in single sessions (EMG)",
        "Training studies (weeks to months)",
        "Training studies (weeks to months) (cont.)",
        "What order does to strength",
        "The contrary view",
        "Practical advice",
    ]
    text = spec.description + "\n" + "\n".join(f.value for f in spec.fields)
    for line in text.splitlines():
        if "36%" in line:
            assert "preprint" in line, line
            assert "secondary" in line or "reported" in line, line
    assert spec.footer
    assert "/evidence study:" in spec.footer
    example = re.search(r"/evidence study:([a-z0-9_]+)", spec.footer)
    assert example
    assert example.group(1) in base


# --- study details -----------------------------------------------------------------------------


def test_study_embeds_label_every_unverified_finding(base: EvidenceBase) -> None:
    for entry in base.entries:
        spec = study_embed(entry)
        values = "\n".join(f.value for f in spec.fields)
        for finding in entry.findings:
            line = render_finding(finding)
            assert line in values, (entry.id, line)
            assert (UNVERIFIED_LABEL in line) is (not finding.verified), (entry.id, line)
        if entry.verification == "false":
            assert "secondary reports" in spec.description


def test_soares_embed_states_no_results(base: EvidenceBase) -> None:
    spec = study_embed(base["soares2016"])
    findings = next(f for f in spec.fields if f.name == "Findings")
    assert "•" not in findings.value
    assert "not been checked" in findings.value
    verdict = next(f for f in spec.fields if f.name == "Verdict")
    assert "No verdict" in verdict.value


def test_aguiar_embed_warns_and_does_not_claim_support(base: EvidenceBase) -> None:
    spec = study_embed(base["aguiar2015"])
    assert "Different technique" in spec.description
    verdict = next(f for f in spec.fields if f.name == "Verdict")
    assert "not classic pre-exhaust" in verdict.value
    assert "Supports pre-exhaust" not in verdict.value


def test_study_embed_has_design_who_findings_limitations_citation_and_link(base: EvidenceBase) -> None:
    spec = study_embed(base["fisher2014"])
    names = [f.name for f in spec.fields]
    for name in ("Design", "Who took part", "What they did", "Findings", "Verdict", "Limitations", "Citation", "Link"):
        assert name in names
    citation = next(f for f in spec.fields if f.name == "Citation").value
    assert "DOI: 10.1139/apnm-2014-0162" in citation
    assert "PMID: 25092528" in citation
    assert spec.url == base["fisher2014"].url
    assert "1.15-1.62" in next(f for f in spec.fields if f.name == "Findings").value


# --- Discord limits ----------------------------------------------------------------------------


def _all_specs(base: EvidenceBase) -> list[tuple[str, EmbedSpec]]:
    return [("summary", summary_embed(base))] + [(e.id, study_embed(e)) for e in base.entries]


def test_every_embed_fits_discord_limits(base: EvidenceBase) -> None:
    for name, spec in _all_specs(base):
        assert spec.limit_problems() == [], name
        assert spec == fit_embed(spec), f"{name} needed trimming; shorten the content instead"
        embed = discord.Embed.from_dict(spec.to_dict())
        assert len(embed) <= 6000, name
        assert len(embed) == spec.total_length(), name
        assert len(embed.fields) <= 25, name
        assert len(embed.title or "") <= 256, name
        assert len(embed.description or "") <= 4096, name
        assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields), name
        assert len(embed.footer.text or "") <= 2048, name


def test_fit_embed_trims_oversized_content() -> None:
    spec = EmbedSpec(
        title="t" * 300,
        description="d" * 5000,
        fields=tuple(EmbedField(f"n{i}", "v" * 2000) for i in range(30)),
        footer="f" * 3000,
    )
    fitted = fit_embed(spec)
    assert fitted.limit_problems() == []
    assert fitted.title.endswith("…")
    assert len(fitted.title) == 256
    assert len(discord.Embed.from_dict(fitted.to_dict())) <= 6000


# --- search ------------------------------------------------------------------------------------


def test_search_for_autocomplete(base: EvidenceBase) -> None:
    assert base.search("gentil")[0].id == "gentil2007"
    assert base.search("GENTIL 2007")[0].id == "gentil2007"
    assert base.search("simao")[0].id == "simao2010"
    assert base.search("Simão")[0].id == "simao2010"
    assert base.search("golas")[0].id == "golas2017"
    assert {e.id for e in base.search("2019")} == {"trindade2019", "ribeiro2019", "krzysztofik2019"}
    assert {e.id for e in base.search("trindade")} == {"trindade2019", "trindade2022"}
    assert base.search("quadriceps hypertrophy")[0].id == "trindade2019"
    assert base.search("merritt")[0].id == "merritt_mf"
    assert base.search("zzzz") == ()
    assert len(base.search("")) == len(base.entries) <= 25
    assert len(base.search("", limit=3)) == 3
    assert len(base.search("e", limit=100)) <= 25
    assert all(len(e.choice_label()) <= 100 for e in base.entries)


def test_resolve_typed_names(base: EvidenceBase) -> None:
    assert base.resolve("fisher2014") is base["fisher2014"]
    assert base.resolve("Fisher et al., 2014") is base["fisher2014"]
    assert base.resolve("fujita") is base["fujita2022"]
    assert base.resolve("trindade") is None  # two entries; ambiguous
    assert base.resolve("") is None


# --- strict loading: bad files are rejected with a precise message -----------------------------


def test_unknown_cite_is_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    path = _write_variant(tmp_path, raw, lambda d: d["summary"]["verdict"][0]["cites"].append("smith1999"))
    with pytest.raises(EvidenceError, match=r"summary\.verdict\[0\], field 'cites'.*smith1999") as info:
        load_evidence(path)
    assert str(path) in str(info.value)


def test_citing_aguiar_as_support_is_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    claim = {"text": "Pre-exhaust builds more muscle.", "cites": ["aguiar2015"], "stance": "supports"}
    path = _write_variant(tmp_path, raw, lambda d: d["summary"]["sections"][0]["claims"].append(claim))
    with pytest.raises(EvidenceError, match=r"field 'cites'.*aguiar2015.*different technique"):
        load_evidence(path)


def test_citing_soares_for_a_finding_is_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    claim = {"text": "Chest activity fell in trained men.", "cites": ["soares2016"], "stance": "against"}
    path = _write_variant(tmp_path, raw, lambda d: d["summary"]["sections"][0]["claims"].append(claim))
    with pytest.raises(EvidenceError, match=r"field 'cites'.*soares2016"):
        load_evidence(path)


def test_a_number_not_in_the_cited_findings_is_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    claim = {"text": "Sessions were 50% shorter.", "cites": ["fisher2014"], "stance": "neutral"}
    path = _write_variant(tmp_path, raw, lambda d: d["summary"]["sections"][2]["claims"].append(claim))
    with pytest.raises(EvidenceError, match=r"field 'text'.*number 50"):
        load_evidence(path)


def test_an_unverified_number_stated_as_verified_fact_is_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    def change(d: dict[str, Any]) -> None:
        del d["summary"]["verdict"][3]["basis"]

    with pytest.raises(EvidenceError, match=r"summary\.verdict\[3\], field 'basis'.*hermann2025"):
        load_evidence(_write_variant(tmp_path, raw, change))


def test_a_secondary_claim_must_say_where_it_comes_from(tmp_path: Path, raw: dict[str, Any]) -> None:
    claim = {
        "text": "Sessions were about 36% shorter.",
        "cites": ["hermann2025"],
        "basis": "secondary",
        "stance": "supports",
    }
    path = _write_variant(tmp_path, raw, lambda d: d["summary"]["sections"][2]["claims"].append(claim))
    with pytest.raises(EvidenceError, match=r"field 'text'.*say where it comes from"):
        load_evidence(path)


def test_a_missing_field_names_file_entry_and_field(tmp_path: Path, raw: dict[str, Any]) -> None:
    path = _write_variant(tmp_path, raw, lambda d: _entry(d, "golas2017").pop("limitations"))
    with pytest.raises(EvidenceError, match=r"entry #\d+ \(golas2017\), field 'limitations': is missing") as info:
        load_evidence(path)
    assert info.value.path == path
    assert info.value.field == "limitations"


@pytest.mark.parametrize(
    ("entry_id", "field", "value", "message"),
    [
        ("fisher2014", "verdict", "great", "expected one of"),
        ("fisher2014", "kind", "blog", "expected one of"),
        ("fisher2014", "doi", "not-a-doi", "malformed"),
        ("fisher2014", "pmid", 25092528, "quoted string"),
        ("fisher2014", "year", "2014", "expected a year"),
        ("fisher2014", "authors", [], "must not be empty"),
        ("keskin2024", "relevance_note", None, "must explain"),
        ("soares2016", "verdict", "against", "without findings"),
        ("gentil2007", "verdict", None, "without verified findings"),
        ("gentil2007", "colour", "red", "unknown field"),
    ],
)
def test_bad_values_are_rejected(
    tmp_path: Path, raw: dict[str, Any], entry_id: str, field: str, value: Any, message: str
) -> None:
    path = _write_variant(tmp_path, raw, lambda d: _entry(d, entry_id).__setitem__(field, value))
    with pytest.raises(EvidenceError, match=rf"\({entry_id}\), field '{field}': .*{message}"):
        load_evidence(path)


def test_an_unverified_finding_needs_a_source(tmp_path: Path, raw: dict[str, Any]) -> None:
    path = _write_variant(tmp_path, raw, lambda d: _entry(d, "hermann2025")["findings"][0].pop("source_note"))
    with pytest.raises(EvidenceError, match=r"\(hermann2025\), field 'findings\[0\]\.source_note'"):
        load_evidence(path)


def test_duplicate_ids_and_keys_are_rejected(tmp_path: Path, raw: dict[str, Any]) -> None:
    path = _write_variant(tmp_path, raw, lambda d: d["entries"].append(copy.deepcopy(d["entries"][0])))
    with pytest.raises(EvidenceError, match="duplicate id"):
        load_evidence(path)
    text = STUDIES_FILE.read_text(encoding="utf-8").replace("    year: 2007\n", "    year: 2007\n    year: 2008\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError, match="duplicate key 'year'"):
        load_evidence(path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="cannot read file"):
        load_evidence(tmp_path / "nope.yaml")


def test_core_has_no_discord_import() -> None:
    package = REPO / "coach" / "evidence"
    for source in package.glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+discord\b", source.read_text(encoding="utf-8"), re.M), source
