"""The evidence base: typed study entries and summary claims, loaded strictly from catalog/studies.yaml.

Validation is loud: a bad entry raises EvidenceError naming the file, the entry and the field,
so a typo or an untraceable claim stops start-up instead of reaching a member as fact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.loader import STUDIES_FILE
from catalog.yamlfile import DataFileError, load_yaml_mapping
from coach.evidence.rules import link_problem, stance_problems

KINDS = ("trial", "acute", "review", "meta_analysis", "expert_opinion")
TECHNIQUES = ("classic", "variant", "exercise_order", "general")
VERDICTS = ("supports", "against", "neutral", "mixed")
VERIFICATION = ("true", "partial", "false")
# A summary sentence's strength: for pre-exhaust, no difference ("neutral"), against, mixed, or a description
# that judges nothing (what the technique is, how a study was run). Every sentence states one.
STANCES = (*VERDICTS, "description")
BASES = ("verified", "secondary")

# A claim of basis "secondary" must say where it comes from, with one of these words or phrases.
ATTRIBUTION_MARKERS = (
    "preprint", "reported", "reportedly", "secondary", "per ", "according to", "quoted", "quotes",
    "in his view", "argues", "not verified", "unverified", "summary",
)  # fmt: skip

_ENTRY_REQUIRED = (
    "id", "kind", "technique", "short_cite", "authors", "year", "title", "journal", "volume_pages",
    "doi", "pmid", "url", "population", "design", "exercises", "measured", "findings", "verdict",
    "limitations", "verification", "verification_note",
)  # fmt: skip
_ENTRY_OPTIONAL = (
    "pmcid", "verdict_note", "relevance_note", "citation_notes", "authors_complete", "verdict_provisional",
)  # fmt: skip
_POPULATION_KEYS = ("n", "training_status", "sex")
_CLAIM_KEYS = ("text", "cites", "stance", "basis")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID_RE = re.compile(r"^\d{1,9}$")
_PMCID_RE = re.compile(r"^PMC\d+$")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


class EvidenceError(DataFileError):
    """The evidence file is missing, malformed, or has an invalid or untraceable entry or claim."""


@dataclass(frozen=True)
class Population:
    """Who took part; None means not reported or not checked."""

    n: int | None
    training_status: str | None
    sex: str | None
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    """One result in our own words; unverified ones must say where they come from."""

    text: str
    verified: bool
    source_note: str | None = None


@dataclass(frozen=True)
class EvidenceEntry:
    """One citable study, review or expert position."""

    id: str
    kind: str
    technique: str
    short_cite: str
    authors: tuple[str, ...]
    year: int | None
    title: str | None
    journal: str | None
    volume_pages: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    url: str | None
    population: Population | None
    design: str
    exercises: str | None
    measured: tuple[str, ...]
    findings: tuple[Finding, ...]
    verdict: str | None
    verdict_note: str | None
    limitations: tuple[str, ...]
    relevance_note: str | None
    citation_notes: tuple[str, ...]
    verification: str
    verification_note: str
    # False when only the first author(s) are known: citations then add "et al.".
    authors_complete: bool = True
    # True when the verdict rests on a result not checked yet: shown as provisional before anything else.
    verdict_provisional: bool = False

    @property
    def verified_findings(self) -> tuple[Finding, ...]:
        """The findings that were read in a primary source."""
        return tuple(f for f in self.findings if f.verified)

    @property
    def is_expert(self) -> bool:
        """True for an expert position rather than a study or review."""
        return self.kind == "expert_opinion"

    def choice_label(self, max_len: int = 100) -> str:
        """A one-line label for an autocomplete choice, at most max_len characters."""
        label = f"{self.short_cite} — {self.title}" if self.title else self.short_cite
        return label if len(label) <= max_len else label[: max_len - 1].rstrip() + "…"


@dataclass(frozen=True)
class Claim:
    """One factual sentence of the summary and the entries that back it."""

    text: str
    cites: tuple[str, ...]
    stance: str = "neutral"
    basis: str = "verified"


@dataclass(frozen=True)
class Section:
    """A titled group of claims in the summary."""

    title: str
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class Summary:
    """The cited answer to "does pre-exhaust work?": verdict first, then sections."""

    title: str
    verdict: tuple[Claim, ...]
    sections: tuple[Section, ...]
    footer: str
    # The short chat answer: a few claims held to the same rules as the rest.
    chat: tuple[Claim, ...] = ()

    def all_claims(self) -> tuple[Claim, ...]:
        """Every claim in display order (the chat answer's last)."""
        return self.verdict + tuple(c for s in self.sections for c in s.claims) + self.chat


@dataclass(frozen=True)
class EvidenceBase:
    """The validated entries and summary, indexed by id."""

    entries: tuple[EvidenceEntry, ...]
    summary: Summary
    path: Path
    _by_id: Mapping[str, EvidenceEntry] = field(repr=False, compare=False)

    def get(self, entry_id: str) -> EvidenceEntry | None:
        """Return the entry with this id, or None."""
        return self._by_id.get(entry_id)

    def __getitem__(self, entry_id: str) -> EvidenceEntry:
        return self._by_id[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def __iter__(self) -> Iterator[EvidenceEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, query: str, limit: int = 25) -> tuple[EvidenceEntry, ...]:
        """Entries matching every word of query (id, author surname, year, title), best first."""
        limit = max(0, min(limit, 25))
        return tuple(entry for _, entry in self._ranked(query)[:limit])

    def _ranked(self, query: str) -> list[tuple[int, EvidenceEntry]]:
        # Discord caps option values at 100 characters: a forged longer one is cut before it is scored.
        words = _fold(query[:100]).split()
        if not words:
            return [(0, entry) for entry in self.entries]
        scored: list[tuple[int, int, EvidenceEntry]] = []
        for index, entry in enumerate(self.entries):
            score = _search_score(entry, words)
            if score is not None:
                scored.append((score, index, entry))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [(score, entry) for score, _, entry in scored]

    def resolve(self, text: str) -> EvidenceEntry | None:
        """The entry a member meant by an id, a short citation or a search; None if unclear."""
        text = text.strip()[:100]
        if text in self._by_id:
            return self._by_id[text]
        folded = _fold(text)
        for entry in self.entries:
            if folded in (entry.id, _fold(entry.short_cite), _fold(entry.choice_label())):
                return entry
        if not folded:
            return None
        ranked = self._ranked(text)
        if len(ranked) == 1 or (len(ranked) > 1 and ranked[0][0] < ranked[1][0]):
            return ranked[0][1]
        return None


def claim_numbers(text: str) -> tuple[str, ...]:
    """The numbers written in a sentence, as strings ("36", "0.004"), in order."""
    return tuple(_NUMBER_RE.findall(text))


def traceability_problems(
    entries: EvidenceBase | Mapping[str, EvidenceEntry], summary: Summary | None = None
) -> list[str]:
    """Why any summary claim is not traceable to the entries it cites; empty when all are."""
    if isinstance(entries, EvidenceBase):
        summary = summary or entries.summary
        entries = {e.id: e for e in entries.entries}
    if summary is None:
        raise TypeError("a summary is needed when entries is a plain mapping")
    return [
        f"{where}, field '{field_name}': {problem}"
        for where, claim in _claims_with_location(summary)
        for field_name, problem in _claim_problems(claim, entries)
    ]


def load_evidence(path: Path | str | None = None) -> EvidenceBase:
    """Load, validate and index the evidence file; raise EvidenceError on any problem."""
    path = Path(path) if path is not None else STUDIES_FILE
    raw = load_yaml_mapping(path, EvidenceError)
    unknown = set(raw) - {"version", "entries", "summary"}
    if unknown:
        raise EvidenceError(path, None, sorted(unknown)[0], "unknown top-level key")
    if raw.get("version") != 1:
        raise EvidenceError(path, None, "version", f"expected 1, got {raw.get('version')!r}")
    items = raw.get("entries")
    if not isinstance(items, list) or not items:
        raise EvidenceError(path, None, "entries", "expected a non-empty list")
    entries = tuple(_parse_entry(path, i, item) for i, item in enumerate(items))
    by_id: dict[str, EvidenceEntry] = {}
    cites_seen: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if entry.id in by_id:
            raise EvidenceError(path, f"#{i} ({entry.id})", "id", "duplicate id")
        if entry.short_cite in cites_seen:
            raise EvidenceError(path, f"#{i} ({entry.id})", "short_cite", f"same as {cites_seen[entry.short_cite]}")
        by_id[entry.id] = entry
        cites_seen[entry.short_cite] = entry.id
    summary = _parse_summary(path, raw.get("summary"))
    for where, claim in _claims_with_location(summary):
        for field_name, problem in _claim_problems(claim, by_id):
            raise EvidenceError(path, where, field_name, problem)
    return EvidenceBase(entries=entries, summary=summary, path=path, _by_id=by_id)


# --- claim rules ---------------------------------------------------------------------------


def _claims_with_location(summary: Summary) -> Iterator[tuple[str, Claim]]:
    for i, claim in enumerate(summary.verdict):
        yield f"summary.verdict[{i}]", claim
    for i, claim in enumerate(summary.chat):
        yield f"summary.chat[{i}]", claim
    for s, section in enumerate(summary.sections):
        for i, claim in enumerate(section.claims):
            yield f"summary.sections[{s}] ({section.title}).claims[{i}]", claim


def _claim_problems(claim: Claim, entries: Mapping[str, EvidenceEntry]) -> list[tuple[str, str]]:
    """Problems as (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    if not claim.cites:
        return [("cites", "a factual sentence must cite at least one entry")]
    unknown = [c for c in claim.cites if c not in entries]
    if unknown:
        return [("cites", f"unknown entry id(s) {unknown}")]
    cited = [entries[c] for c in claim.cites]
    problems.extend(("stance", p) for p in stance_problems(claim, cited))
    for entry in cited:
        if not entry.findings:
            problems.append(("cites", f"{entry.id} has no findings to cite (its results were not checked)"))
        if claim.stance == "supports" and entry.technique == "variant":
            problems.append(
                ("cites", f"{entry.id} tests a different technique and cannot be cited in support of pre-exhaust")
            )
        if entry.technique == "variant" and "variant" not in claim.text.casefold():
            problems.append(("text", f"{entry.id} tests a variant: a sentence citing it must say so ('variant')"))
        if claim.basis == "verified" and not entry.verified_findings:
            problems.append(("basis", f"{entry.id} has no verified findings; mark the claim basis: secondary"))
    if claim.basis == "secondary":
        lowered = claim.text.casefold()
        if not any(marker in lowered for marker in ATTRIBUTION_MARKERS):
            problems.append(("text", "a secondary claim must say where it comes from (e.g. 'per secondary reports')"))
    pool = [f.text for e in cited for f in e.findings if f.verified or claim.basis == "secondary"]
    available = {n for text in pool for n in claim_numbers(text)}
    for number in claim_numbers(claim.text):
        if number not in available:
            kind = "findings" if claim.basis == "secondary" else "verified findings"
            problems.append(("text", f"the number {number} is not in the {kind} of {list(claim.cites)}"))
    return problems


# --- parsing -------------------------------------------------------------------------------


class _Fields:
    """Typed access to one mapping, raising EvidenceError that names the entry and field."""

    def __init__(self, path: Path, entry: str, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path, self.entry, self.data, self.prefix = path, entry, data, prefix

    def fail(self, key: str, problem: str) -> EvidenceError:
        return EvidenceError(self.path, self.entry, self.prefix + key, problem)

    def text(self, key: str, *, nullable: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value.strip():
            expected = "a non-empty string or null" if nullable else "a non-empty string"
            raise self.fail(key, f"expected {expected}, got {value!r}")
        return " ".join(value.split())

    def choice(self, key: str, allowed: tuple[str, ...], *, nullable: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and nullable:
            return None
        if value not in allowed:
            raise self.fail(key, f"expected one of {list(allowed)}{' or null' if nullable else ''}, got {value!r}")
        return str(value)

    def texts(self, key: str, *, allow_empty: bool = True) -> tuple[str, ...]:
        value = self.data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "expected a list of non-empty strings")
        if not value and not allow_empty:
            raise self.fail(key, "must not be empty")
        return tuple(" ".join(v.split()) for v in value)

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def pattern(self, key: str, regex: re.Pattern[str]) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"expected a quoted string or null, got {value!r}")
        if not regex.match(value):
            raise self.fail(key, f"malformed value {value!r}")
        return value


def _check_keys(fields: _Fields, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    unknown = set(fields.data) - set(required) - set(optional)
    if unknown:
        raise fields.fail(sorted(unknown)[0], "unknown field")
    for key in required:
        if key not in fields.data:
            raise fields.fail(key, "is missing (write null if it is not known)")


def _parse_entry(path: Path, index: int, item: Any) -> EvidenceEntry:
    if not isinstance(item, dict):
        raise EvidenceError(path, f"#{index}", None, "expected a mapping")
    raw_id = item.get("id")
    label = f"#{index} ({raw_id})" if isinstance(raw_id, str) else f"#{index}"
    f = _Fields(path, label, item)
    _check_keys(f, _ENTRY_REQUIRED, _ENTRY_OPTIONAL)
    entry_id = f.text("id")
    if entry_id is None:
        raise f.fail("id", "must not be null")
    if not _ID_RE.match(entry_id):
        raise f.fail("id", f"expected a lower-case id like 'gentil2007', got {entry_id!r}")
    kind = f.choice("kind", KINDS)
    expert = kind == "expert_opinion"
    short_cite = str(f.text("short_cite"))
    year = item.get("year")
    if year is None:
        if not expert:
            raise f.fail("year", "only an expert_opinion may have no year")
    elif not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2100:
        raise f.fail("year", f"expected a year like 2007, got {year!r}")
    elif str(year) not in short_cite:
        raise f.fail("short_cite", f"should contain the year {year}")
    authors = f.texts("authors", allow_empty=False)
    population = _parse_population(path, label, item.get("population"), kind)
    findings = _parse_findings(path, label, item.get("findings"))
    verdict = f.choice("verdict", VERDICTS, nullable=True)
    if verdict is None and any(x.verified for x in findings):
        raise f.fail("verdict", "only an entry without verified findings may have no verdict")
    if verdict is not None and not findings:
        raise f.fail("verdict", "an entry without findings must have verdict null")
    technique = f.choice("technique", TECHNIQUES)
    relevance_note = f.text("relevance_note", nullable=True)
    if technique == "variant" and relevance_note is None:
        raise f.fail("relevance_note", "a 'variant' entry must explain how its technique differs")
    verification = item.get("verification")
    if isinstance(verification, bool):
        verification = "true" if verification else "false"
    if verification not in VERIFICATION:
        raise f.fail("verification", f"expected true, partial or false, got {verification!r}")
    title = f.text("title", nullable=expert)
    doi, pmid, pmcid = f.pattern("doi", _DOI_RE), f.pattern("pmid", _PMID_RE), f.pattern("pmcid", _PMCID_RE)
    url = f.text("url", nullable=True)
    problem = link_problem(url, doi=doi, pmid=pmid, pmcid=pmcid, study=not expert)
    if problem:
        raise f.fail("url", problem)
    citation_notes = f.texts("citation_notes") if "citation_notes" in item else ()
    return EvidenceEntry(
        id=entry_id,
        kind=str(kind),
        technique=str(technique),
        short_cite=short_cite,
        authors=authors,
        year=year,
        title=title,
        journal=f.text("journal", nullable=True),
        volume_pages=f.text("volume_pages", nullable=True),
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        url=url,
        population=population,
        design=str(f.text("design")),
        exercises=f.text("exercises", nullable=True),
        measured=f.texts("measured"),
        findings=findings,
        verdict=verdict,
        verdict_note=f.text("verdict_note", nullable=True),
        limitations=f.texts("limitations", allow_empty=False),
        relevance_note=relevance_note,
        citation_notes=citation_notes,
        verification=str(verification),
        verification_note=str(f.text("verification_note")),
        authors_complete=f.flag("authors_complete", default=True),
        verdict_provisional=f.flag("verdict_provisional", default=False),
    )


def _parse_population(path: Path, label: str, value: Any, kind: str | None) -> Population | None:
    if value is None:
        if kind in ("trial", "acute"):
            raise EvidenceError(path, label, "population", "a trial or acute study must describe its population")
        return None
    if not isinstance(value, dict):
        raise EvidenceError(path, label, "population", "expected a mapping {n, training_status, sex} or null")
    f = _Fields(path, label, value, prefix="population.")
    _check_keys(f, _POPULATION_KEYS, ("note",))
    n = value.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise f.fail("n", f"expected a positive integer or null, got {n!r}")
    return Population(
        n=n,
        training_status=f.text("training_status", nullable=True),
        sex=f.text("sex", nullable=True),
        note=f.text("note", nullable=True),
    )


def _parse_findings(path: Path, label: str, value: Any) -> tuple[Finding, ...]:
    if not isinstance(value, list):
        raise EvidenceError(path, label, "findings", "expected a list (empty if no result was checked)")
    findings = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise EvidenceError(path, label, f"findings[{i}]", "expected a mapping {text, verified, source_note}")
        f = _Fields(path, label, item, prefix=f"findings[{i}].")
        _check_keys(f, ("text", "verified"), ("source_note",))
        verified = item.get("verified")
        if not isinstance(verified, bool):
            raise f.fail("verified", f"expected true or false, got {verified!r}")
        source_note = f.text("source_note", nullable=True)
        if not verified and source_note is None:
            raise f.fail("source_note", "an unverified finding must say where it comes from")
        findings.append(Finding(text=str(f.text("text")), verified=verified, source_note=source_note))
    return tuple(findings)


def _parse_summary(path: Path, value: Any) -> Summary:
    if not isinstance(value, dict):
        raise EvidenceError(path, "summary", None, "expected a mapping {title, verdict, sections, footer}")
    f = _Fields(path, "summary", value)
    _check_keys(f, ("title", "verdict", "sections", "footer"), ("chat",))
    verdict = _parse_claims(path, "summary.verdict", value.get("verdict"))
    chat = _parse_claims(path, "summary.chat", value.get("chat")) if "chat" in value else ()
    sections_raw = value.get("sections")
    if not isinstance(sections_raw, list) or not sections_raw:
        raise f.fail("sections", "expected a non-empty list")
    sections = []
    for s, raw in enumerate(sections_raw):
        where = f"summary.sections[{s}]"
        if not isinstance(raw, dict):
            raise EvidenceError(path, where, None, "expected a mapping {title, claims}")
        sf = _Fields(path, where, raw)
        _check_keys(sf, ("title", "claims"), ())
        sections.append(
            Section(title=str(sf.text("title")), claims=_parse_claims(path, f"{where}.claims", raw.get("claims")))
        )
    return Summary(
        title=str(f.text("title")), verdict=verdict, sections=tuple(sections), footer=str(f.text("footer")), chat=chat
    )


def _parse_claims(path: Path, where: str, value: Any) -> tuple[Claim, ...]:
    if not isinstance(value, list) or not value:
        raise EvidenceError(path, where, None, "expected a non-empty list of claims")
    claims = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise EvidenceError(path, f"{where}[{i}]", None, "expected a mapping {text, cites}")
        f = _Fields(path, f"{where}[{i}]", item)
        _check_keys(f, ("text", "cites", "stance"), ("basis",))
        text = str(f.text("text"))
        if "(" in text or ")" in text:
            raise f.fail("text", "no parentheses: citations are added when rendering")
        claims.append(
            Claim(
                text=text,
                cites=f.texts("cites"),
                stance=str(f.choice("stance", STANCES)),
                basis=str(f.choice("basis", BASES)) if "basis" in item else "verified",
            )
        )
    return tuple(claims)


# --- search --------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("ł", "l").replace("ø", "o").replace("đ", "d")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in stripped).split())


def _search_score(entry: EvidenceEntry, words: list[str]) -> int | None:
    """Lower is better; None when some word matches nothing."""
    surnames = [_fold(a).split()[-1] for a in entry.authors if _fold(a)]
    first_surname = surnames[0] if surnames else ""
    haystack = set(_fold(" ".join(filter(None, [entry.title, entry.short_cite, entry.journal]))).split())
    haystack.update(surnames)
    haystack.add(entry.id)
    if entry.year is not None:
        haystack.add(str(entry.year))
    joined = " ".join(words)
    if joined == entry.id or joined == _fold(entry.short_cite):
        return 0
    score = 0
    for word in words:
        if entry.id.startswith(word) or first_surname.startswith(word):
            continue
        if word in haystack:
            score += 1
        elif any(token.startswith(word) for token in haystack):
            score += 2
        else:
            return None
    return score + (0 if entry.id.startswith(words[0]) else 1)
