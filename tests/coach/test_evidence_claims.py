"""Every summary sentence exactly as strong as its sources; links, labels and attributions as the sources have them.

The table below states, per sentence, which entries it cites and how strong it is. A change to the summary
must change this table too, deliberately; and the load-time rules (``coach.evidence.rules``) reject a sentence
whose strength disagrees with its sources' verdicts, whatever the table says.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog.loader import STUDIES_FILE
from coach.evidence import EvidenceBase, EvidenceError, load_evidence
from coach.evidence.base import ATTRIBUTION_MARKERS
from coach.evidence.render import chat_embed, picker_line, render_finding, study_embed, summary_embed, verdict_label
from coach.evidence.rules import link_problem

# (start of the sentence, cited entries, strength). Strength: supports / neutral ("no difference") / against /
# mixed / description (judges nothing).
SENTENCES: list[tuple[str, tuple[str, ...], str]] = [
    # the chat answer
    ("No study has shown that pre-exhaust builds more muscle", ("trindade2022", "nunes2021"), "neutral"),
    ("Strength in a compound lift tends to grow more", ("nunes2021",), "against"),
    ("Its clearest perk is time", ("hermann2025",), "supports"),
    ("Fine for variety or a plateau; not a growth hack", ("krzysztofik2019", "trindade2022"), "neutral"),
    # the verdict
    ("Short answer: pre-exhaust has not been shown to build more muscle", ("trindade2022", "nunes2021"), "neutral"),
    ("For strength in a compound lift such as the bench press", ("nunes2021",), "against"),
    ("Growth was roughly similar in the few training studies", ("fisher2014", "keskin2024", "hermann2025"), "neutral"),
    ("Its clearest perk may be time", ("hermann2025",), "supports"),
    # what it is
    ("Pre-exhaust means tiring a muscle", ("brennecke2009",), "description"),
    ("Expect to handle less weight on the compound lift", ("research_summary",), "against"),
    ("Or alternate, as the research summary suggests", ("research_summary",), "description"),
    # EMG
    (
        "Tiring the chest, thighs or lats first",
        ("gentil2007", "augustsson2003", "brennecke2009", "golas2017", "fujita2022"),
        "against",
    ),
    ("In the leg press, the pre-tired quads", ("augustsson2003",), "against"),
    ("Helpers took over instead", ("gentil2007", "brennecke2009"), "against"),
    ("The compound lift went differently by study", ("augustsson2003", "brennecke2009", "gentil2007"), "mixed"),
    ("These were single-session studies", ("gentil2007", "augustsson2003"), "description"),
    # training studies
    ("Over 12 weeks, trained adults", ("fisher2014",), "neutral"),
    ("In a light variant with volume matched", ("keskin2024",), "neutral"),
    ("Reviews find no proven advantage", ("trindade2022", "nunes2021"), "neutral"),
    ("A review adds that it generally leaves", ("ribeiro2019",), "neutral"),
    ("The newest trial, a preprint that had not been peer reviewed", ("hermann2025",), "mixed"),
    ("The research summary cites that result as a journal article", ("hermann2025",), "description"),
    ("Reported costs:", ("sbs_intensity", "keskin2024", "hermann2025"), "against"),
    # order
    ("Strength grows most in the lift you do first", ("nunes2021", "simao2010"), "mixed"),
    ("So if a bigger bench press or squat is your goal", ("nunes2021", "simao2010"), "against"),
    ("For muscle growth, the order made no clear difference", ("nunes2021",), "neutral"),
    # the contrary view
    ("According to the research summary, some of Henselmans' colleagues", ("research_summary",), "supports"),
    ("Greg Merritt of Muscle & Fitness, as quoted there", ("merritt_mf",), "supports"),
    ("So far, the training studies have not shown extra growth", ("trindade2022", "nunes2021"), "against"),
    # practical advice
    ("Fine for variety or to shake up a plateau", ("krzysztofik2019",), "neutral"),
    ("Handy when time is short", ("hermann2025",), "supports"),
    ("It is not a growth hack", ("trindade2022", "nunes2021"), "against"),
    ("Most lifters are well served by plain straight sets", ("henselmans", "sbs_intensity"), "against"),
]


@pytest.fixture(scope="module")
def base() -> EvidenceBase:
    return load_evidence()


@pytest.fixture
def raw() -> dict[str, Any]:
    data = yaml.safe_load(STUDIES_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _load_changed(tmp_path: Path, raw: dict[str, Any], change: Any) -> EvidenceBase:
    data = copy.deepcopy(raw)
    change(data)
    path = tmp_path / "studies.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_evidence(path)


def test_every_sentence_cites_what_the_table_says_with_the_strength_it_says(base: EvidenceBase) -> None:
    claims = base.summary.all_claims()
    assert len(claims) == len(SENTENCES), "a sentence was added or removed: state it in SENTENCES"
    for claim in claims:
        matches = [row for row in SENTENCES if claim.text.startswith(row[0])]
        assert len(matches) == 1, claim.text
        _, cites, stance = matches[0]
        assert claim.cites == cites, claim.text
        assert claim.stance == stance, claim.text


def test_a_sentences_strength_agrees_with_its_sources(base: EvidenceBase) -> None:
    for claim in base.summary.all_claims():
        verdicts = {base[c].verdict for c in claim.cites}
        if claim.stance == "neutral":
            assert not verdicts & {"supports", "against"}, claim.text
        elif claim.stance == "against":
            assert "supports" not in verdicts, claim.text
        elif claim.stance == "supports":
            assert "against" not in verdicts, claim.text
            assert verdicts & {"supports", "mixed"}, claim.text
            assert all(base[c].technique != "variant" for c in claim.cites), claim.text


def test_an_unverified_source_is_always_labelled(base: EvidenceBase) -> None:
    for claim in base.summary.all_claims():
        if any(not base[c].verified_findings for c in claim.cites):
            assert claim.basis == "secondary", claim.text
        if claim.basis == "secondary":
            assert any(marker in claim.text.casefold() for marker in ATTRIBUTION_MARKERS), claim.text
        if any(base[c].technique == "variant" for c in claim.cites):
            assert "variant" in claim.text, claim.text


@pytest.mark.parametrize(
    ("stance", "cites", "problem"),
    [
        ("supports", ["fisher2014"], "must cite at least one entry whose verdict"),
        ("neutral", ["augustsson2003"], "a 'neutral' sentence cites augustsson2003, whose verdict is 'against'"),
        ("against", ["merritt_mf"], "a 'against' sentence cites merritt_mf, whose verdict is 'supports'"),
    ],
)
def test_the_loader_rejects_a_sentence_stronger_than_its_sources(
    tmp_path: Path, raw: dict[str, Any], stance: str, cites: list[str], problem: str
) -> None:
    claim = {"text": "Pre-exhaust is what this says about it, as quoted.", "cites": cites, "stance": stance}
    claim["basis"] = "secondary" if cites == ["merritt_mf"] else "verified"
    with pytest.raises(EvidenceError, match=re.escape(problem)):
        _load_changed(tmp_path, raw, lambda d: d["summary"]["sections"][0]["claims"].append(claim))


def test_the_loader_rejects_a_variant_cited_without_saying_so(tmp_path: Path, raw: dict[str, Any]) -> None:
    claim = {"text": "Gains were the same with pre-exhaust.", "cites": ["keskin2024"], "stance": "neutral"}
    with pytest.raises(EvidenceError, match="keskin2024 tests a variant"):
        _load_changed(tmp_path, raw, lambda d: d["summary"]["sections"][0]["claims"].append(claim))


# --- the headline and named fixes ------------------------------------------------------------------


def test_the_headline_no_longer_says_as_well_as_the_usual_order(base: EvidenceBase) -> None:
    text = " ".join(c.text for c in base.summary.verdict).casefold()
    assert "about as well" not in text
    assert "not been shown to build more muscle" in text
    assert "0.32" in text  # compound-lift strength favours compound-first (Nunes)
    assert "not statistically significant" in text  # the newest trial's slightly less growth
    assert "variant" in text
    assert "body composition" in text


def test_the_preprint_status_is_dated_and_the_match_is_by_description(base: EvidenceBase) -> None:
    texts = [c.text for c in base.summary.all_claims() if "hermann2025" in c.cites]
    assert not any("not yet peer reviewed" in t for t in texts), "status as current fact"
    assert any("had not been peer reviewed when secondary reports described it" in t for t in texts)
    assert any("match by description" in t and "could not be found" in t for t in texts)


def test_brennecke_and_gentil_are_cited_for_what_they_found(base: EvidenceBase) -> None:
    texts = " ".join(c.text for c in base.summary.all_claims())
    assert "lighter loads or fewer reps" not in texts
    line = next(c for c in base.summary.all_claims() if c.text.startswith("The compound lift went differently"))
    assert "slower bench press at the same load" in line.text
    assert "no difference in total reps or work" in line.text
    assert "gentil2007" in line.cites


def test_hermann_is_cited_as_one_of_several_authors(base: EvidenceBase) -> None:
    spec = study_embed(base["hermann2025"])
    citation = next(f.value for f in spec.fields if f.name == "Citation")
    assert citation.startswith("Tom Hermann et al. (2025)")


def test_a_findings_source_note_is_shown_verified_or_not(base: EvidenceBase) -> None:
    fisher = base["fisher2014"]
    press_release = next(f for f in fisher.findings if "23 minutes" in f.text)
    assert press_release.verified
    assert "publisher's press release" in render_finding(press_release)
    values = "\n".join(f.value for f in study_embed(fisher).fields)
    assert "press release" in values


def test_keskin_and_hermann_say_no_significant_difference(base: EvidenceBase) -> None:
    keskin = " ".join(c.text for c in base.summary.all_claims() if "keskin2024" in c.cites)
    assert "no significant differences" in keskin
    assert "same" not in keskin.replace("the same", "")
    assert "No significant differences" in (base["keskin2024"].verdict_note or "")
    for claim in base.summary.all_claims():
        if "hermann2025" in claim.cites and "less growth" in claim.text:
            assert "not statistically significant" in claim.text, claim.text


def test_quotes_and_paraphrases_are_attributed_faithfully(base: EvidenceBase) -> None:
    merritt = base["merritt_mf"]
    assert any("The weakest link fails first. In the case of pre-exhaustion, that's a good thing." in f.text
               for f in merritt.findings)  # fmt: skip
    assert not any("whole point" in f.text for f in merritt.findings), "the seed credits that to others"
    colleagues = next(c for c in base.summary.all_claims() if "Henselmans' colleagues" in c.text)
    assert colleagues.cites == ("research_summary",)
    henselmans = base["henselmans"].findings[0].text
    assert "generally" in henselmans
    assert "if you do both in the same session" in henselmans
    advice = next(c for c in base.summary.all_claims() if c.text.startswith("Most lifters"))
    assert "generally" in advice.text
    assert "in one session" in advice.text


def test_the_costs_the_alternate_protocol_and_the_ego_lifting_line_are_in(base: EvidenceBase) -> None:
    texts = " ".join(c.text for c in base.summary.all_claims())
    assert "soreness" in texts
    assert "less total weight lifted" in texts
    assert "can allow more training volume" in texts  # Ribeiro 2019, verified
    assert "/plan protocol:alternate" in texts
    assert "not one for ego lifters" in texts
    assert "allows a greater training volume" not in texts or "ribeiro2019" in texts


# --- labels ------------------------------------------------------------------------------------------


def test_a_variants_support_is_never_shown_unqualified(base: EvidenceBase) -> None:
    for entry in base.entries:
        line = picker_line(entry)
        if entry.technique == "variant":
            assert "its own variant — not classic pre-exhaust" in line, line
            assert "its own variant" in verdict_label(entry)
        assert len(line) <= 100
    assert picker_line(base["aguiar2015"]) == "Training study · Supports its own variant — not classic pre-exhaust"
    assert picker_line(base["keskin2024"]) == "Training study · Neutral for its own variant — not classic pre-exhaust"


def test_a_provisional_verdict_says_so_first(base: EvidenceBase) -> None:
    trindade = base["trindade2019"]
    assert verdict_label(trindade).startswith("Provisional")
    verdict = next(f.value for f in study_embed(trindade).fields if f.name == "Verdict")
    assert verdict.startswith("**Provisional")
    assert picker_line(trindade).startswith("Training study · Provisional")


# --- links ---------------------------------------------------------------------------------------------


def test_every_study_links_to_its_doi_or_pubmed(base: EvidenceBase) -> None:
    for entry in base.entries:
        problem = link_problem(entry.url, doi=entry.doi, pmid=entry.pmid, pmcid=entry.pmcid, study=not entry.is_expert)
        assert problem is None, entry.id
        if entry.is_expert or entry.url is None:
            continue
        if entry.doi:
            assert entry.url == f"https://doi.org/{entry.doi}", entry.id
            assert entry.url.removeprefix("https://doi.org/") == entry.doi
        elif entry.pmid:
            assert entry.url == f"https://pubmed.ncbi.nlm.nih.gov/{entry.pmid}/", entry.id
        else:
            assert entry.url == f"https://pmc.ncbi.nlm.nih.gov/articles/{entry.pmcid}/", entry.id
    for entry in base.entries:
        if not entry.is_expert and entry.url is None:
            assert entry.doi is None, entry.id
            assert entry.pmid is None, entry.id
            assert entry.pmcid is None, entry.id
            assert entry.citation_notes, f"{entry.id}: say where the study is, without a link"


@pytest.mark.parametrize(
    ("url", "doi", "pmid", "problem"),
    [
        ("https://jssm.org/jssm-15-111.xml%3EFulltext", None, None, "well-formed"),
        ("http://www.biomedsearch.com/nih/x/12741886.html", "10.1519/00124278-200305000-00032", None, "well-formed"),
        ("https://www.biomedsearch.com/nih/x/12741886.html", None, "12741886", "its PubMed record"),
        ("https://doi.org/10.1519/OTHER", "10.1519/R-21216.1", None, "its DOI"),
        (None, "10.1519/R-21216.1", None, "must link to it"),
        ("https://example.org/study", None, None, "has no link"),
    ],
)
def test_the_link_rule_catches_bad_links(url: str | None, doi: str | None, pmid: str | None, problem: str) -> None:
    found = link_problem(url, doi=doi, pmid=pmid, study=True)
    assert found is not None
    assert problem in found


# --- the chat answer ---------------------------------------------------------------------------------


def test_the_chat_answer_is_short_cited_and_within_limits(base: EvidenceBase) -> None:
    spec = chat_embed(base)
    assert not spec.limit_problems()
    lines = [spec.title, *spec.description.splitlines(), spec.footer or ""]
    assert len(lines) <= 8, lines
    assert all(re.search(r"\([^()]+\)[.!?]$", line) for line in spec.description.splitlines())
    text = spec.description.casefold()
    for topic in ("muscle", "compound", "time"):
        assert topic in text, topic
    assert len(spec.description) < len(summary_embed(base).description) * 2
