"""Load-time rules the evidence base is held to, beyond field types: how strong a summary sentence may be
given the verdicts it cites, and what a study's link must be. ``coach.evidence.base`` applies them."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from coach.evidence.base import Claim, EvidenceEntry

# What a claim of each stance may cite, by the cited entries' verdicts: "no difference" (neutral) can't rest on
# a study that found an effect either way, and a claim for or against can't cite a study that found the opposite.
_STANCE_FORBIDS: dict[str, set[str]] = {
    "supports": {"against"},
    "against": {"supports"},
    "neutral": {"supports", "against"},
    "mixed": set(),
    "description": set(),
}
_STANCE_NEEDS = {"supports": {"supports", "mixed"}}


def stance_problems(claim: Claim, cited: list[EvidenceEntry]) -> list[str]:
    """Why a claim's strength (supports / no difference / against) disagrees with the verdicts it cites."""
    verdicts = {e.id: e.verdict for e in cited}
    problems = [
        f"a '{claim.stance}' sentence cites {entry_id}, whose verdict is '{verdict}'"
        for entry_id, verdict in verdicts.items()
        if verdict in _STANCE_FORBIDS[claim.stance]
    ]
    needs = _STANCE_NEEDS.get(claim.stance)
    if needs and not needs & set(verdicts.values()):
        problems.append(f"a '{claim.stance}' sentence must cite at least one entry whose verdict is {sorted(needs)}")
    return problems


def link_problem(
    url: str | None, *, doi: str | None, pmid: str | None, study: bool, pmcid: str | None = None
) -> str | None:
    """Why an entry's link is wrong, or None: a study links to its DOI, else its PubMed record (or PubMed
    Central's), else nothing; an expert position may link to its article. Every link is well-formed https."""
    if url is None:
        return "a study with a DOI or PMID must link to it" if study and (doi or pmid or pmcid) else None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or "%3e" in url.casefold() or any(c in url for c in " <>\"'"):
        return f"expected a well-formed https link, got {url!r}"
    if not study:
        return None
    expected = (
        f"https://doi.org/{doi}"
        if doi
        else f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        if pmid
        else f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"
        if pmcid
        else None
    )
    if expected is None:
        return "a study without a verified DOI or PMID has no link (url: null); say where it is in citation_notes"
    if url != expected:
        return f"expected {expected} (its {'DOI' if doi else 'PubMed record'}), got {url!r}"
    return None
