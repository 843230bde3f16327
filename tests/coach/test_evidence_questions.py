"""Issue #13: the concept matcher on the fresh labelled set (dev and held-out halves) and the named cases.

The set (data/evidence_questions.yaml) was written before the matcher was rebuilt and split by a seeded,
stratified shuffle; the matcher was tuned on `dev` only and `held_out` was scored once, at the end.
Run with ``-s`` to see both halves' figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from catalog import load_catalog
from coach.evidence import EvidenceMatcher, QuestionKind, is_evidence_question

DATA = Path(__file__).parent / "data" / "evidence_questions.yaml"
GOAL_PRECISION = 0.95
GOAL_RECALL = 0.90
# held_out was scored once, after the last change to the matcher: precision 0.977 (42/43) meets the goal,
# recall 0.824 (42/51) does NOT reach 0.90, and STUDIES-vs-others accuracy was 0.989 (92/93). The recall
# and studies floors below are those measured figures, so the test fails on a regression, not on the goal.
HELD_OUT_FLOOR_PRECISION = GOAL_PRECISION
HELD_OUT_FLOOR_RECALL = 0.82
HELD_OUT_FLOOR_STUDIES = 0.98


@dataclass(frozen=True)
class Score:
    """SUMMARY precision/recall, and accuracy of STUDIES against everything else."""

    n: int
    precision: float
    recall: float
    studies_accuracy: float
    misses: tuple[str, ...] = field(repr=False)  # never in a failure message: held-out texts stay unread

    def line(self, half: str) -> str:
        """The figures on one line."""
        return (
            f"{half}: n={self.n} summary precision {self.precision:.3f} recall {self.recall:.3f}; "
            f"studies-vs-others accuracy {self.studies_accuracy:.3f}"
        )


@pytest.fixture(scope="module")
def matcher() -> EvidenceMatcher:
    return EvidenceMatcher(load_catalog())


def _entries(half: str) -> list[dict[str, str]]:
    entries = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return [e for e in entries if e["half"] == half]


def score(matcher: EvidenceMatcher, half: str) -> Score:
    """Score one half; the misses name texts, and are only shown for dev."""
    tp = fp = fn = studies_ok = 0
    misses: list[str] = []
    rows = _entries(half)
    for row in rows:
        kind = matcher.classify(row["text"])
        got = "none" if kind is None else str(kind)
        want = row["answer"]
        tp += got == "summary" and want == "summary"
        fp += got == "summary" and want != "summary"
        fn += got != "summary" and want == "summary"
        studies_ok += (got == "studies") == (want == "studies")
        if got != want:
            misses.append(f"{want} -> {got}: {row['text']!r}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return Score(len(rows), precision, recall, studies_ok / len(rows), tuple(misses))


def test_the_labelled_set_is_split_as_documented() -> None:
    dev, held_out = _entries("dev"), _entries("held_out")
    assert len(dev) + len(held_out) == len(yaml.safe_load(DATA.read_text(encoding="utf-8")))
    for answer in ("summary", "studies", "none"):
        assert abs(sum(e["answer"] == answer for e in dev) - sum(e["answer"] == answer for e in held_out)) <= 1


def test_both_halves(matcher: EvidenceMatcher) -> None:
    dev, held_out = score(matcher, "dev"), score(matcher, "held_out")
    print("\n" + dev.line("dev"))
    for miss in dev.misses:
        print("  " + miss)
    print(held_out.line("held_out"))  # figures only: held-out texts are not for reading while tuning
    assert dev.precision >= GOAL_PRECISION, dev.misses
    assert dev.recall >= GOAL_RECALL, dev.misses
    assert held_out.precision >= HELD_OUT_FLOOR_PRECISION, held_out.line("held_out")
    assert held_out.recall >= HELD_OUT_FLOOR_RECALL, held_out.line("held_out")
    assert held_out.studies_accuracy >= HELD_OUT_FLOOR_STUDIES, held_out.line("held_out")


# --- the cases named in the issue ------------------------------------------------------------

DESCRIBED = [
    "does doing flyes before bench actually help chest growth?",
    "is doing isolation before compounds actually better for growth?",
    "pushdowns before dips, does that make my triceps grow more?",
    "pullovers then rows for lats, worth it?",
    "leg extensions first then squats, any evidence it works?",
]
SLANG = ["pre exhaust worth the time or nah", "prexhaust good or nah", "pre-exhaust worth it lol"]
OUTCOMES = [
    "does pre-exhaust make my chest grow faster?",
    "does pre-exhaust even matter if you train to failure anyway?",
    "will pre-fatigue give me more size?",
]
STUDIES = [
    "can someone link that pre-exhaust study the bot posted yesterday?",
    "list the pre-exhaust studies pls",
    "got a DOI for the pre exhaust paper?",
    "pubmed link for the pre-fatigue research?",
]
NOT_QUESTIONS = [
    "should I do pre-exhaust on monday or wednesday?",
    "how many sets of leg extensions before squats?",
    "what weight should i use for squats after leg extensions",
    "how long should I rest between flyes and bench?",
    "I posted the pre-exhaust study link in general",
    "doing flyes before bench today, chest is fried",
    "is it fine to do bench then flyes?",  # the usual order, not pre-exhaust
    "squats before leg press, better?",  # compound before compound
    "does the pre-workout work?",
    "lol i'm so exhausted after leg day",
    "is rest-pause worth it?",
    "is leg press or hack squat better after leg extensions?",  # choosing an exercise
]


@pytest.mark.parametrize("text", DESCRIBED + SLANG + OUTCOMES)
def test_questions_from_the_issue_get_the_summary(matcher: EvidenceMatcher, text: str) -> None:
    assert matcher.classify(text) is QuestionKind.SUMMARY


@pytest.mark.parametrize("text", STUDIES)
def test_requests_for_the_sources_get_the_studies_list(matcher: EvidenceMatcher, text: str) -> None:
    assert matcher.classify(text) is QuestionKind.STUDIES


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_logistics_statements_and_other_orders_get_nothing(matcher: EvidenceMatcher, text: str) -> None:
    assert matcher.classify(text) is None


def test_catalog_free_form_knows_generic_words_but_not_exercises() -> None:
    assert is_evidence_question("is doing isolation before compounds actually better for growth?")
    assert is_evidence_question("pre-exhaust worth it lol")
    assert not is_evidence_question("does doing flyes before bench actually help chest growth?")  # needs the catalog
    assert not is_evidence_question("can someone link that pre-exhaust study the bot posted yesterday?")  # STUDIES


def test_commands_and_late_text_are_not_read(matcher: EvidenceMatcher) -> None:
    assert matcher.classify("/evidence does pre-exhaust work?") is None
    assert matcher.classify("!ask is pre-exhaust worth it?") is None
    assert matcher.classify("x " * 300 + "does pre-exhaust work?") is None
    assert matcher.classify("does pre-exhaust work? " + "x " * 300) is QuestionKind.SUMMARY


def test_non_text_is_not_a_question(matcher: EvidenceMatcher) -> None:
    assert matcher.classify(None) is None  # type: ignore[arg-type]
    assert matcher.classify("") is None
