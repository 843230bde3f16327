"""Discord-agnostic rendering of the evidence base into embed specs that respect Discord's limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from coach.evidence.base import Claim, EvidenceBase, EvidenceEntry, Finding

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000

ELLIPSIS = "…"
UNVERIFIED_LABEL = "secondary report, not verified"

SUMMARY_COLOR = 0x5865F2
VERDICT_COLORS = {"supports": 0x2ECC71, "against": 0xE74C3C, "neutral": 0x95A5A6, "mixed": 0xF1C40F}
NO_VERDICT_COLOR = 0x607D8B

VERDICT_LABELS = {
    "supports": "Supports pre-exhaust",
    "against": "Against pre-exhaust",
    "neutral": "Neutral: no advantage either way",
    "mixed": "Mixed",
}
KIND_LABELS = {
    "trial": "Training study",
    "acute": "Single-session study",
    "review": "Review",
    "meta_analysis": "Meta-analysis",
    "expert_opinion": "Expert opinion (not a study)",
}
VERIFICATION_LABELS = {
    "true": "citation and abstract checked",
    "partial": "partly checked",
    "false": "not verified: known only from secondary reports",
}


class EmbedField(NamedTuple):
    """One embed field: (name, value, inline)."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class EmbedSpec:
    """A neutral description of a Discord embed; a cog turns it into discord.Embed."""

    title: str
    description: str
    fields: tuple[EmbedField, ...] = ()
    footer: str | None = None
    url: str | None = None
    color: int | None = None

    def total_length(self) -> int:
        """Characters Discord counts toward its 6000 limit (title, description, fields, footer)."""
        return (
            len(self.title)
            + len(self.description)
            + sum(len(f.name) + len(f.value) for f in self.fields)
            + len(self.footer or "")
        )

    def limit_problems(self) -> list[str]:
        """Every way this spec breaks a Discord embed limit; empty when it fits."""
        problems = []
        if len(self.title) > TITLE_LIMIT:
            problems.append(f"title is {len(self.title)} > {TITLE_LIMIT}")
        if len(self.description) > DESCRIPTION_LIMIT:
            problems.append(f"description is {len(self.description)} > {DESCRIPTION_LIMIT}")
        if len(self.fields) > FIELD_COUNT_LIMIT:
            problems.append(f"{len(self.fields)} fields > {FIELD_COUNT_LIMIT}")
        for i, f in enumerate(self.fields):
            if not f.name.strip() or not f.value.strip():
                problems.append(f"field {i} has an empty name or value")
            if len(f.name) > FIELD_NAME_LIMIT:
                problems.append(f"field {i} name is {len(f.name)} > {FIELD_NAME_LIMIT}")
            if len(f.value) > FIELD_VALUE_LIMIT:
                problems.append(f"field {i} value is {len(f.value)} > {FIELD_VALUE_LIMIT}")
        if self.footer is not None and len(self.footer) > FOOTER_LIMIT:
            problems.append(f"footer is {len(self.footer)} > {FOOTER_LIMIT}")
        if self.total_length() > TOTAL_LIMIT:
            problems.append(f"total is {self.total_length()} > {TOTAL_LIMIT}")
        return problems

    def to_dict(self) -> dict[str, Any]:
        """The Discord API embed payload (usable with discord.Embed.from_dict)."""
        data: dict[str, Any] = {
            "type": "rich",
            "title": self.title,
            "description": self.description,
            "fields": [{"name": f.name, "value": f.value, "inline": f.inline} for f in self.fields],
        }
        if self.footer:
            data["footer"] = {"text": self.footer}
        if self.url:
            data["url"] = self.url
        if self.color is not None:
            data["color"] = self.color
        return data


def format_cites(base: EvidenceBase, cites: Iterable[str]) -> str:
    """The parenthetical citation for entry ids, e.g. "(Gentil et al., 2007; Augustsson et al., 2003)"."""
    return "(" + "; ".join(base[c].short_cite for c in cites) + ")"


def render_claim(base: EvidenceBase, claim: Claim) -> str:
    """A claim as shown to members: its sentence with the citation before the final stop."""
    text = claim.text.rstrip()
    stop = text[-1] if text and text[-1] in ".!?" else "."
    body = text[:-1].rstrip() if text and text[-1] in ".!?" else text
    return f"{body} {format_cites(base, claim.cites)}{stop}"


def render_finding(finding: Finding) -> str:
    """A finding as a bullet line with its source whenever it has one; an unverified one is labelled too."""
    if finding.verified:
        return f"• {finding.text} _(source: {finding.source_note})_" if finding.source_note else f"• {finding.text}"
    return f"• {finding.text} _({UNVERIFIED_LABEL}: {finding.source_note})_"


def verdict_label(entry: EvidenceEntry) -> str:
    """What an entry's verdict says about classic pre-exhaust, qualified wherever it needs to be: a variant's
    support is only for its variant, and a provisional verdict says so first."""
    if entry.verdict is None:
        return "No verdict: results not checked"
    if entry.technique == "variant":
        if entry.verdict == "supports":
            return "Supports its own variant — not classic pre-exhaust"
        return f"{VERDICT_LABELS[entry.verdict].split(':')[0]} for its own variant — not classic pre-exhaust"
    label = VERDICT_LABELS[entry.verdict]
    return f"Provisional, not checked yet — {label[0].lower()}{label[1:]}" if entry.verdict_provisional else label


def picker_line(entry: EvidenceEntry) -> str:
    """The one-line description under a study in the study picker (at most 100 characters)."""
    return f"{KIND_LABELS[entry.kind]} · {verdict_label(entry)}"[:100]


def chat_embed(base: EvidenceBase) -> EmbedSpec:
    """The short chat answer to "does pre-exhaust work?": the bottom line in a few cited lines."""
    lines = [f"• {render_claim(base, c)}" for c in base.summary.chat or base.summary.verdict]
    return fit_embed(
        EmbedSpec(
            title=base.summary.title,
            description="\n".join(lines),
            footer="Full summary, the studies, or a plan to try: the buttons below.",
            color=SUMMARY_COLOR,
        )
    )


def studies_embed(base: EvidenceBase) -> EmbedSpec:
    """The list of studies, reviews and expert positions behind the summary, one line each."""
    lines = [f"• **{e.short_cite}** — {picker_line(e)}" for e in base.entries]
    return fit_embed(
        EmbedSpec(
            title="The studies behind the summary",
            description="\n".join(lines),
            footer="Open one: the menu below, or /evidence study:<name>. Links are DOIs or PubMed where verified.",
            color=SUMMARY_COLOR,
        )
    )


def summary_embed(base: EvidenceBase) -> EmbedSpec:
    """The public answer to "does pre-exhaust work?": verdict first, then each cited section."""
    summary = base.summary
    description = "\n".join(render_claim(base, c) for c in summary.verdict)
    fields = tuple(
        field
        for section in summary.sections
        for field in _line_fields(section.title, [f"• {render_claim(base, c)}" for c in section.claims])
    )
    spec = EmbedSpec(
        title=summary.title,
        description=description,
        fields=fields,
        footer=summary.footer,
        color=SUMMARY_COLOR,
    )
    return fit_embed(spec)


def study_embed(entry: EvidenceEntry) -> EmbedSpec:
    """One study, review or expert position in detail, with labelled unverified findings."""
    fields: list[EmbedField] = []
    if entry.is_expert:
        who = ", ".join(entry.authors) + ("" if entry.authors_complete else " et al.")
        fields.append(EmbedField("Who", who + (f" ({entry.journal})" if entry.journal else "")))
    fields.append(EmbedField("Design", entry.design))
    who = _population_line(entry)
    if who:
        fields.append(EmbedField("Who took part", who))
    if entry.exercises:
        fields.append(EmbedField("What they did", entry.exercises))
    if entry.measured:
        fields.append(EmbedField("What was measured", "; ".join(entry.measured)))
    findings_name = "Position" if entry.is_expert else "Findings"
    if entry.findings:
        fields.extend(_line_fields(findings_name, [render_finding(f) for f in entry.findings]))
    else:
        fields.append(EmbedField(findings_name, "No results shown: they have not been checked yet."))
    fields.append(EmbedField("Verdict", _verdict_line(entry)))
    fields.extend(_line_fields("Limitations", [f"• {x}" for x in entry.limitations]))
    fields.extend(_line_fields("Citation", _citation_lines(entry)))
    if entry.url:
        fields.append(EmbedField("Link", entry.url))
    spec = EmbedSpec(
        title=f"{entry.short_cite}: {entry.title}" if entry.title else entry.short_cite,
        description=_study_description(entry),
        fields=tuple(fields),
        footer=f"Checked: {VERIFICATION_LABELS[entry.verification]}. /evidence for the overview.",
        url=entry.url,
        color=_color(entry),
    )
    return fit_embed(spec)


def fit_embed(spec: EmbedSpec) -> EmbedSpec:
    """Trim a spec to Discord's limits; designed content should pass through unchanged."""
    fields = tuple(
        EmbedField(_cut(f.name, FIELD_NAME_LIMIT) or "—", _cut(f.value, FIELD_VALUE_LIMIT) or "—", f.inline)
        for f in spec.fields[:FIELD_COUNT_LIMIT]
    )
    spec = replace(
        spec,
        title=_cut(spec.title, TITLE_LIMIT),
        description=_cut(spec.description, DESCRIPTION_LIMIT),
        fields=fields,
        footer=_cut(spec.footer, FOOTER_LIMIT) if spec.footer is not None else None,
    )
    while spec.total_length() > TOTAL_LIMIT and len(spec.fields) > 1:
        spec = replace(spec, fields=spec.fields[:-1])
    overflow = spec.total_length() - TOTAL_LIMIT
    if overflow > 0:
        spec = replace(spec, description=_cut(spec.description, max(1, len(spec.description) - overflow)))
    return spec


# --- helpers -------------------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _line_fields(name: str, lines: Sequence[str]) -> list[EmbedField]:
    """Pack lines into as few fields as fit the value limit; later ones are named "(cont.)"."""
    chunks: list[list[str]] = [[]]
    for line in lines:
        line = _cut(line, FIELD_VALUE_LIMIT)
        if chunks[-1] and len("\n".join([*chunks[-1], line])) > FIELD_VALUE_LIMIT:
            chunks.append([])
        chunks[-1].append(line)
    return [
        EmbedField(name if i == 0 else f"{name} (cont.)", "\n".join(chunk)) for i, chunk in enumerate(chunks) if chunk
    ]


def _population_line(entry: EvidenceEntry) -> str:
    population = entry.population
    if population is None:
        return ""
    parts = [
        f"n = {population.n}" if population.n is not None else "n not checked",
        population.training_status or "training status not reported",
        population.sex or "sex not reported",
    ]
    line = " · ".join(parts)
    return f"{line}. {population.note}" if population.note else line


def _verdict_line(entry: EvidenceEntry) -> str:
    label = verdict_label(entry)
    return f"**{label}.** {entry.verdict_note}" if entry.verdict_note else f"**{label}.**"


def _color(entry: EvidenceEntry) -> int:
    if entry.verdict is None or (entry.verdict == "supports" and entry.technique == "variant"):
        return NO_VERDICT_COLOR
    return VERDICT_COLORS[entry.verdict]


def _study_description(entry: EvidenceEntry) -> str:
    lines = [f"**{KIND_LABELS[entry.kind]}**"]
    if entry.journal:
        venue = f"*{entry.journal}*"
        if entry.volume_pages:
            venue += f" {entry.volume_pages}"
        lines.append(venue)
    if entry.relevance_note:
        lines.append(f"⚠️ {entry.relevance_note}")
    if entry.verification == "false":
        lines.append("⚠️ Known only from secondary reports; nothing here has been checked against the original.")
    return "\n".join(lines)


def _citation_lines(entry: EvidenceEntry) -> list[str]:
    authors = list(entry.authors)
    shown = ", ".join(authors[:6]) + (", et al." if len(authors) > 6 else "" if entry.authors_complete else " et al.")
    year = f" ({entry.year})" if entry.year is not None else ""
    parts = [f"{shown}{year}."]
    if entry.title:
        parts.append(entry.title if entry.title[-1] in ".?!" else f"{entry.title}.")
    if entry.journal:
        parts.append(f"{entry.journal}{' ' + entry.volume_pages if entry.volume_pages else ''}.")
    ids = []
    if entry.doi:
        ids.append(f"DOI: {entry.doi}")
    if entry.pmid:
        ids.append(f"PMID: {entry.pmid}")
    if entry.pmcid:
        ids.append(f"PMCID: {entry.pmcid}")
    lines = [" ".join(parts)]
    if ids:
        lines.append(" · ".join(ids))
    elif not entry.is_expert:
        lines.append("DOI/PMID: not verified")
    lines.extend(f"_{note}_" for note in entry.citation_notes)
    return lines
