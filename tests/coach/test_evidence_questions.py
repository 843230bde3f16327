"""Issue #13: the concept matcher on six labelled sets, and the named cases.

Sets 1-6 (data/evidence_questions.yaml, _2.yaml, ..., _6.yaml) scored rounds 1-6: each round was tuned on its set's
dev half (and every earlier set), and its held_out half was scored once, after the last change of its round. Sets
1-5, both halves, and set 6 dev are development data. Set 6 held_out was written by someone who saw neither the
matcher nor the earlier sets and was kept outside the repository until round 6 was scored. Run with ``-s`` to see
every figure; held-out texts are never printed, even on failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from catalog import load_catalog
from coach.evidence import EvidenceMatcher, QuestionKind, is_evidence_question

DATA = Path(__file__).parent / "data"
SET_1 = DATA / "evidence_questions.yaml"
SET_2 = DATA / "evidence_questions_2.yaml"
SET_3 = DATA / "evidence_questions_3.yaml"
SET_4 = DATA / "evidence_questions_4.yaml"
SET_5 = DATA / "evidence_questions_5.yaml"
SET_6 = DATA / "evidence_questions_6.yaml"
GOAL_PRECISION = 0.95
GOAL_RECALL = 0.90
# Set 6 held_out, scored once after the last change of round 6 (docs/evidence-matcher.md): precision 0.961
# (74/77), recall 0.987 (74/75), STUDIES-vs-others accuracy 0.994 (159/160). The goal is asserted, and the
# studies floor is the measured figure, so a regression fails.
HELD_OUT_FLOOR_STUDIES = 0.99


@dataclass(frozen=True)
class Score:
    """SUMMARY precision/recall, and accuracy of STUDIES against everything else."""

    n: int
    precision: float
    recall: float
    studies_accuracy: float
    misses: tuple[str, ...] = field(repr=False)  # printed for development data only

    def line(self, name: str) -> str:
        """The figures on one line."""
        return (
            f"{name}: n={self.n} summary precision {self.precision:.3f} recall {self.recall:.3f}; "
            f"studies-vs-others accuracy {self.studies_accuracy:.3f}"
        )


@pytest.fixture(scope="module")
def matcher() -> EvidenceMatcher:
    return EvidenceMatcher(load_catalog())


def _entries(path: Path, halves: tuple[str, ...]) -> list[dict[str, str]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [e for e in entries if e["half"] in halves]


def score(matcher: EvidenceMatcher, rows: list[dict[str, str]]) -> Score:
    """Score some rows; the misses name texts, and are only shown for development data."""
    tp = fp = fn = studies_ok = 0
    misses: list[str] = []
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


@pytest.mark.parametrize(
    "path", [SET_1, SET_2, SET_3, SET_4, SET_5, SET_6], ids=["set1", "set2", "set3", "set4", "set5", "set6"]
)
def test_the_labelled_sets_are_split_as_documented(path: Path) -> None:
    dev, held_out = _entries(path, ("dev",)), _entries(path, ("held_out",))
    assert len(dev) + len(held_out) == len(yaml.safe_load(path.read_text(encoding="utf-8")))
    for answer in ("summary", "studies", "none"):
        assert abs(sum(e["answer"] == answer for e in dev) - sum(e["answer"] == answer for e in held_out)) <= 1


def test_development_data_meets_the_goal(matcher: EvidenceMatcher) -> None:
    for name, rows in (
        ("set 1 (both halves)", _entries(SET_1, ("dev", "held_out"))),
        ("set 2 (both halves)", _entries(SET_2, ("dev", "held_out"))),
        ("set 3 (both halves)", _entries(SET_3, ("dev", "held_out"))),
        ("set 4 dev", _entries(SET_4, ("dev",))),
        ("set 4 held_out (development since round 5)", _entries(SET_4, ("held_out",))),
        ("set 5 dev", _entries(SET_5, ("dev",))),
        ("set 5 held_out (development since round 6)", _entries(SET_5, ("held_out",))),
        ("set 6 dev", _entries(SET_6, ("dev",))),
    ):
        result = score(matcher, rows)
        print("\n" + result.line(name))
        for miss in result.misses:
            print("  " + miss)
        assert result.precision >= GOAL_PRECISION, result.misses
        assert result.recall >= GOAL_RECALL, result.misses


def test_held_out_half_meets_the_goal(matcher: EvidenceMatcher) -> None:
    result = score(matcher, _entries(SET_6, ("held_out",)))
    print("\n" + result.line("set 6 held_out (out of sample in round 6)"))  # figures only, never its texts
    assert result.precision >= GOAL_PRECISION, f"precision {result.precision:.3f}"
    assert result.recall >= GOAL_RECALL, f"recall {result.recall:.3f}"
    assert result.studies_accuracy >= HELD_OUT_FLOOR_STUDIES, f"studies accuracy {result.studies_accuracy:.3f}"


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


# Round 2 concepts, one example each: arrows as order, the mechanism, a lift opening the session, an inverted
# subject, a coordinated verb, verdict words, "change my mind", a follow-up sentence, orders compared.
ROUND_2 = [
    "iso -> compound, better for growth?",
    "would fatiguing my chest with flyes before bench help growth?",
    "does starting with leg extensions instead of squats make a difference for quads?",
    "how good is pre-fatigue really",
    "pre-exhaust sounds smart but does it work in practice?",
    "has pre-exhaust been debunked?",
    "not convinced pre-exhaust does anything. change my mind",
    "does the order matter? like flyes then bench vs bench then flyes",
    "curls then chinups or chinups then curls, which grows biceps more",
]
ROUND_2_NOT = [
    "pre-exhaust is cool but does creatine work?",
    "i'm pre-exhausted from work, does caffeine help?",
    "should i start with leg extensions or squats on pre-exhaust day",
    "is the bot's pre-exhaust plan real or a template?",
    "what is the real name of pre-exhaust?",
    "should i pre-exhaust legs twice a week?",
    "not sure if i'll do pre-exhaust or straight sets tomorrow",
    "tiring out my quads before squats, should i do 3 sets or 4?",
    "who wrote the pre-exhaust plan in the pins?",
]


# Round 3 concepts, one example each: verdict adjectives, "a thing" / "made up", downsides, "makes sense",
# wasting time, the weak-link outcome, "why would anyone" / "any reason to", the short "pre-ex", kinds of lift
# told by size, a fronted topic then its verdict, options compared by "which", a claim then "does that include".
ROUND_3 = [
    "is it stupid to do flyes before bench?",
    "is pre-exhaust even a thing or did someone make it up",
    "any disadvantages to pre-fatigue?",
    "does it make sense to do leg curls before deadlifts",
    "i do pushdowns before dips, am i wasting my time?",
    "do the triceps take over on bench if you pre-exhaust the chest?",
    "why would you do laterals before overhead press",
    "pre-exhaust looks weird. is there any reason to do it?",
    "is pre-ex legit",
    "does the small exercise first make the big lift grow your chest more?",
    "flyes before bench, good idea or not",
    "pre-fatigue vs normal order, which one wins?",
    "someone said volume is all that matters for growth. does that apply to pre-exhaust too?",
]
ROUND_3_NOT = [
    "dumb question: pre-exhaust today, does creatine work?",
    "should the pre-exhaust sets go to failure?",
    "how many weeks should i run a pre-exhaust block",
    "why do i feel so exhausted after pre-exhaust day",
    "pre existing injury, should i do squats?",
    "@mike thanks for the pre-exhaust plan",
]


# Round 4 concepts, one example each: an inverted question after a lead-in ("but does", "or did"), a fronted
# topic as the next clause's subject, evidence with the technique as its object, "hold up", "help with" only with
# the technique as subject, the muscle hit harder, verdict adjectives, opinions asked of someone, "y/n", ">>>",
# the small-muscle exercise, effects on a load, "make X worse", verbs of knowing + if, kinds of workout, loan words.
ROUND_4 = [
    "dumb question but does pre-fatigue work for calves",
    "is pre-exhaust still popular or did science move on from it",
    "pre-exhaust: genius idea or total myth?",
    "do the studies back pre-exhaust up?",
    "does pre-exhaust hold up in trained lifters?",
    "would pre-exhaust help with a lagging chest",
    "does tiring the quads with leg extensions first make squats hit the quads harder?",
    "is pre-exhaust a reasonable approach for busy people?",
    "what do you think of pre-exhaust?",
    "leg curls then deadlifts, y/n for hamstring size?",
    "pre exhaust >>> normal order? or cope",
    "is single muscle exercise first, big lift after, better for size?",
    "does pre-exhaust lower the weight you can use on the compound?",
    "pre-exhaust seems like it would make the compound worse, no?",
    "if i do leg extensions before squats will my quads grow more",
    "help me understand if pre-exhaust actually works",
    "do isolation-first workouts build more muscle?",
    "pre exhaust bueno o no?",
]
# Definitions and mechanisms, an opinion on something else, equipment, an effect inside "is it normal to ...",
# a dated diary entry, help with a plan, raising a load, a statement with "think about", a link to a plan.
ROUND_4_NOT = [
    "what's the difference between pre-exhaust and a superset?",
    "how does pre-exhaust work?",
    "thoughts on the rep ranges in my pre-exhaust plan?",
    "what do you think of my pre-exhaust routine?",
    "does pre-exhaust work with machines only?",
    "does it matter if i use cables or dumbbells for the pre-exhaust move?",
    "is it normal to feel weaker after pre-exhaust?",
    "did flyes before bench today, chest pump was insane",
    "can you help with my pre-exhaust plan?",
    "should i increase weight on the pre-exhaust flyes?",
    "i think about pre-exhaust a lot, anyway does creatine work?",
    "link me the pre-exhaust plan",
]
# The list as a thing, where the papers are, asking to see them, a wish to read them.
ROUND_4_STUDIES = [
    "is there a list of the pre-exhaust studies?",
    "where can i find the pre-exhaust papers",
    "can i see the actual studies on pre-exhaust?",
    "i'd like to read the pre-exhaust papers myself",
]


# Round 5 concepts, one example each: "PE" for pre-exhaust, a fronted topic for someone ("… for beginners,"), a
# verbless either-or, "be honest", a quoted slogan as one phrase, German order words, joints and soreness, the
# member's general training frequency as background, and an elliptical "does it?" after a reported question.
ROUND_5 = [
    "@Coach is PE better than the normal order for growth?",
    "pre exhaust for beginners, good idea or pointless",
    "yo @Coach pre-exhaust = gains or pains",
    "coach be honest is pre exhaust a waste of time",
    "is 'small muscle first, big lift second' actually better for growth or just a trend?",
    "Isolationsübungen zuerst, dann Grundübungen — is this better for growth?",
    "is pre-exhaust easier on the joints?",
    "what's the verdict on pre-exhaust for someone training 3x a week who wants max size",
    "a guy at my gym asked if pre-exhaust works. does it?",
]
# Mechanism, post-exhaust, a program check, execution to failure, a reported question or claim, tiredness, a
# choice of variation, a choice of day, the bot as subject, "PE" at school.
ROUND_5_NOT = [
    "how is pre-exhaust meant to work physiologically? just want to understand the idea",
    "does post-exhaust work? like bench then flyes right after",
    "pre-exhaust for quads: leg ext 3x15 then squat 4x6. does that look right?",
    "should the pec deck be to failure before bench in pre-exhaust or leave reps in reserve?",
    "my coach asked me 'does pre-exhaust work?' and i had no idea lol",
    "someone said pre-exhaust is a myth lol",
    "i'm pre-exhausted from a 12h shift, still worth training?",
    "does it matter which fly variation i use for pre-exhaust?",
    "is it better to do the pre-exhaust on leg day or push day?",
    "can the bot make my pre-exhaust plan better?",
    "is it normal to be sore after pre-exhaust?",
    "my PE teacher made us run laps, was that worth it?",
]
# Slang for the sources, the study's own details, wanting the papers, a study of a pre-exhaust pairing.
ROUND_5_STUDIES = [
    "gimme the receipts on pre exhaust, like the actual studies",
    "what journal was the leg extension before leg press EMG study in",
    "you keep saying 'research shows' about pre exhaust — which research exactly? want the papers",
    "what was that brazilian study with pec deck and chest press? need the reference",
]


@pytest.mark.parametrize("text", DESCRIBED + SLANG + OUTCOMES + ROUND_2 + ROUND_3 + ROUND_4 + ROUND_5)
def test_questions_from_the_issue_get_the_summary(matcher: EvidenceMatcher, text: str) -> None:
    assert matcher.classify(text) is QuestionKind.SUMMARY


@pytest.mark.parametrize("text", STUDIES + ROUND_4_STUDIES + ROUND_5_STUDIES)
def test_requests_for_the_sources_get_the_studies_list(matcher: EvidenceMatcher, text: str) -> None:
    assert matcher.classify(text) is QuestionKind.STUDIES


@pytest.mark.parametrize("text", NOT_QUESTIONS + ROUND_2_NOT + ROUND_3_NOT + ROUND_4_NOT + ROUND_5_NOT)
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
