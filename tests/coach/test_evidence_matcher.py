"""The chat matcher: the previous author's labelled phrasings with precision and recall, plus property tests.

`is_evidence_question` is the catalog-free form (technique named, or "isolation before compounds");
the fresh labelled set and the issue #13 cases are in test_evidence_questions.py.
"""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given
from hypothesis import strategies as st

from catalog import load_catalog
from coach.evidence import EvidenceMatcher, QuestionKind, is_evidence_question, mentions_pre_exhaust

# Messages that ask whether pre-exhaust works / is worth it / is backed by evidence.
POSITIVES = [
    "does pre-exhaust work?",
    "Does pre exhaust actually work for chest?",
    "is pre exhaustion worth it",
    "@Coach pre-fatigue any good?",
    "<@1234567890> does preexhaust work",
    "<@!1234567890> is pre-exhaust worth it?",
    "Pre-exhaust: any good?",
    "pre exhaust worth it",
    "Is pre-exaust effective for hypertrophy?",
    "PRE EXHUAST BACKED BY SCIENCE??",
    "any research on pre-exhaustion",
    "will pre-fatigue build more muscle than normal sets?",
    "Should I do pre-exhaust or straight sets?",
    "what does the research say about prefatigue",
    "pre-exhaust vs traditional order, which is better?",
    "I keep hearing about pre-exhaust. Is it worth it?",
    "thoughts on pre-exhaust?",
    "is pre-exhausting legit or bro science",
    "does pre-exhaust help break a plateau?",
    "Is preexhaustion supported by any studies?",
    "hey coach, is pre-exhaust training effective?",
    "does pre exhaustion build more size than doing compounds first?",
    "Pre-fatigue — does it even work??",
    "is there any evidence that pre-exhaust works",
    "PrE-ExHaUsT wOrKs?",
    "Is the pre-exhaust method backed by research",
    "can pre-exhaust help me grow bigger pecs?",
    "is pre exhuast better than traditional sets?",
    "do pre-fatigue supersets give better gains?",
    "Is pre-exhaust a waste of time?",
    "is pre-exhaust overrated?",
    "any studies on pre exhaust?",
    "pre-exhaust: science or bro science?",
    "is pre-exhaustion scientifically proven?",
    "wondering if pre-exhaust is worth trying",
    "Would pre-exhaust work for a beginner?",
    "does pre-exhaust really build more muscle or is it hype",
    "pre-exhaust any good for hypertrophy",
    "Is pre-exhaust worth it for natties?",
    "pre-exaustion effective?",
    "Does prefatigue work or is it a myth?",
    "is pre-exhaust better than straight sets for size?",
    "yo does pre exhaust even do anything",
    "Is pre-exhaustion actually effective or just more fatigue?",
    "Does pre-exhaustion increase hypertrophy?",
    "pre-exhaust evidence?",
    "Is pre-fatigue training worth the extra fatigue?",
    "does pre exhausting your chest with flyes before bench work better?",
    "pre-exhaust - does it work or not",
    "pre-exhaust... is it backed by science or nah",
    "I wonder whether pre-exhaust is effective",
    "Is pre-exhaust worth doing if I'm short on time?",
    "**does pre-exhaust work?**",
    "is pre\u2011exhaust worth it?",
    "can someone tell me if pre-exhaust actually works",
    "pre fatigue or no pre fatigue, which builds more muscle?",
    "would you recommend pre-exhaust for a plateau?",
    "Does pre-exhaust save time?",
    "is pre-exhaust good for growth?",
    "What's the point of pre-exhaust?",
    "how effective is pre-exhaustion really",
    "pre exhaust does it work",
    "pre-exhaust or compounds first for hypertrophy?",
    "honestly is pre exhaust even worth the hassle",
    "pre-exhaust: yay or nay?",
    "Does pre-exhaust make you weaker on bench?",
    "is pre-exhaust bad for strength?",
    "pre-exhaust worth it for back?",
    "Is there a benefit to pre exhausting?",
    "pre-exhaust good?",
    "Are pre-exhaust supersets effective",
    "do you guys think pre-exhaust works",
    "pre-exhaust is it legit",
    "so does pre fatigue work or what",
    "Does the science support pre-exhaust training?",
    "pre-exhaust > traditional?",
    "my bro swears pre-exhaust builds more muscle, true?",
    "Any data on pre-exhaust?",
    "pre-exhaust vs compound first which builds more muscle",
    "are there studies showing pre-exhaust works",
    "Is pre-exhaust any better than regular sets?",
    # loan words and other languages
    "¿el preagotamiento funciona?",
    "pré-exaustão funciona?",
    "pré-exaustão vale a pena?",
    "funktioniert Vorermüdung?",
    "werkt voorvermoeiing eigenlijk?",
    "la pré-fatigue, ça marche ?",
]

# Mere mentions, how-to questions, other topics, commands and statements.
NEGATIVES = [
    "doing pre-exhaust today",
    "here's my pre-exhaust plan",
    "pre-exhaust day done",
    "/plan push pre-exhaust",
    "/evidence study:fisher2014",
    "I love pre-exhaust",
    "does creatine work?",
    "is the bench press worth it?",
    "doing pre-exhaust today, does creatine work?",
    "how do I set up pre-exhaust for chest?",
    "pre-exhaust works great for me",
    "can you add pre-exhaust to my plan?",
    "how much weight should i use after pre-exhaust?",
    "anyone doing pre-exhaust work today?",
    "Pre-exhaust chest session was brutal lol",
    "is drop-setting worth it?",
    "does the pre-workout work?",
    "are supersets effective for hypertrophy?",
    "just finished pre-exhaust legs, quads are toast",
    "What time is the pre-exhaust class tomorrow?",
    "switching my plan to pre-exhaust this week",
    "pre-exhaust flyes then bench, 3x10",
    "I think pre-exhaust is worth it",
    "pre-exhaust worked well for me last block",
    "Is it leg day or pre-exhaust day?",
    "which exercises go first in pre-exhaust?",
    "is a pre-existing injury a problem for squats?",
    "should I take creatine before my workout?",
    "Did you log your pre-exhaust sets?",
    "pre-exhaust is my favorite way to train chest",
    "does the Smith machine count as a compound for pre-exhaust?",
    "how many sets of pre-exhaust should I do?",
    "does pre-exhaust need a spotter?",
    "does periodization work?",
    "is prefatigue the same as pre-exhaust?",
    "what's the best isolation for pre-exhaust on back day?",
    "pre-exhaust vs traditional today: went with pre-exhaust",
    "Vorermüdung heute gemacht, Beine sind tot",
    "hoy hago preagotamiento de pecho",
    "fiz pré-exaustão hoje",
    "My coach says pre-exhaust is backed by science",
    "I read some research on pre-exhaust yesterday",
    "Pre-exhaust is evidence-based, fight me",
    "is the research channel open? I posted my pre-exhaust log",
    "does this gym have a pec deck for pre-exhaust?",
    "anyone want to do pre-exhaust with me tomorrow?",
    "pre-exhaust works the pecs hard",
    "does it work? (asking about my new belt)",
    "Is pre-exhaust on the schedule for Thursday?",
    "Pre-exhaust seems pointless to me tbh",
    "Can pre-exhaust be done with dumbbells only?",
    "I did pre-exhaust and it worked, my chest is sore",
    "pre-exhaust really works if you go to failure",
    "Why does pre-exhaust feel so hard?",
    "Is pre-exhaust for chest or for legs in the plan?",
    "is pre-exhaust safe for shoulders?",
    "pre-exhaust helps me feel my chest more",
    "can pre-exhaust replace drop sets?",
    "Ran pre-exhaust for 8 weeks, gained 2kg",
    "pre-exhaust tomorrow?",
    "Pre exhaust is hard",
    "pre-exhaust for the win",
    "I'm trying pre-exhaust next week",
    "who else is doing pre-exhaust",
    "pre-exhaust before bench today, felt weak",
    "does anyone have a good pre-exhaust routine?",
    "what muscles does pre-exhaust target?",
    "Can I do pre-exhaust with cables?",
]


def _score() -> tuple[float, float, list[str]]:
    tp = sum(is_evidence_question(t) for t in POSITIVES)
    fn = [t for t in POSITIVES if not is_evidence_question(t)]
    fp = [t for t in NEGATIVES if is_evidence_question(t)]
    precision = tp / (tp + len(fp)) if tp + len(fp) else 0.0
    recall = tp / len(POSITIVES)
    misses = [f"missed: {t!r}" for t in fn] + [f"false alarm: {t!r}" for t in fp]
    return precision, recall, misses


def test_labelled_set_is_big_enough_and_disjoint() -> None:
    assert len(POSITIVES) + len(NEGATIVES) >= 70
    assert len(NEGATIVES) >= 30
    assert not set(POSITIVES) & set(NEGATIVES)
    assert len(set(POSITIVES)) == len(POSITIVES)
    assert len(set(NEGATIVES)) == len(NEGATIVES)


def test_precision_and_recall() -> None:
    precision, recall, misses = _score()
    print(
        f"\nevidence matcher: {len(POSITIVES)} positives, {len(NEGATIVES)} negatives; "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for line in misses:
        print("  " + line)
    assert precision >= 0.95, misses
    assert recall >= 0.95, misses


def test_the_catalog_matcher_agrees_on_the_labelled_set() -> None:
    matcher = EvidenceMatcher(load_catalog())
    missed = [t for t in POSITIVES if matcher.classify(t) is not QuestionKind.SUMMARY]
    false_alarms = [t for t in NEGATIVES if matcher.classify(t) is not None]
    assert len(missed) <= len(POSITIVES) * 0.05, missed
    assert not false_alarms


def test_examples_from_the_issue() -> None:
    assert is_evidence_question("does pre-exhaust work?")
    assert is_evidence_question("is pre exhaustion worth it")
    assert is_evidence_question("@Coach pre-fatigue any good?")
    for text in ("doing pre-exhaust today", "here's my pre-exhaust plan", "does creatine work?"):
        assert not is_evidence_question(text)


def test_mentions_pre_exhaust_spellings() -> None:
    spellings = [
        "pre-exhaust", "pre exhaust", "preexhaust", "pre-exhaustion", "pre exhaustion", "pre-fatigue",
        "pre fatigue", "prefatigue", "pre-exhausting", "pre-exaust", "pre exhuast", "preexhaustion",
        "Pré-Exaustão", "PRE_EXHAUST", "pre\u2013exhaust", "pre-fatigued", "Vorermüdung",
    ]  # fmt: skip
    for spelling in spellings:
        assert mentions_pre_exhaust(f"about {spelling} today"), spelling
    for other in ("pre-workout", "pre-existing", "preacher curls", "exhausted", "fatigue", "prep"):
        assert not mentions_pre_exhaust(other), other


# --- properties ----------------------------------------------------------------------------


def _letters(text: str) -> str:
    """Letters only, folded the way the matcher folds them (so no spelling can hide)."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return "".join(ch for ch in folded if ch.isalpha())


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    assert isinstance(is_evidence_question(text), bool)


@given(st.text())
def test_text_without_a_pre_exhaust_spelling_is_never_matched(text: str) -> None:
    letters = _letters(text)
    assume("pre" not in letters and "vor" not in letters and "voor" not in letters)
    # Since issue #13 the technique may also be described ("isolation before compounds", "single-joint
    # first") or named by its rationale ("the weak link thing"), so those words are excluded too.
    assume("iso" not in letters and "single" not in letters and "link" not in letters)
    # Since round 2 the mechanism also describes it ("tiring my quads first"), so those verbs are excluded too.
    assume("tir" not in letters and "fatig" not in letters and "exhaust" not in letters)
    assert not is_evidence_question(text)


_OTHER_TOPICS = ["creatine", "drop sets", "supersets", "the bench press", "rest-pause", "periodization", "cardio"]
_TEMPLATES = [
    "does {} work?", "is {} worth it", "{} any good?", "is {} backed by science?", "should I do {}?",
    "is {} better than traditional sets?", "does {} build more muscle?", "any research on {}",
    "{}: legit or bro science?", "thoughts on {}?",
]  # fmt: skip


@given(st.sampled_from(_TEMPLATES), st.sampled_from(_OTHER_TOPICS), st.booleans())
def test_efficacy_questions_about_other_topics_are_not_matched(template: str, topic: str, upper: bool) -> None:
    text = template.format(topic)
    assert not is_evidence_question(text.upper() if upper else text)


@given(
    st.sampled_from(POSITIVES[:60]),
    st.lists(st.booleans(), min_size=80, max_size=80),
    st.sampled_from(["", "<@123456789012345678> ", "<@!42> ", "hey coach, "]),
)
def test_positives_survive_case_changes_and_mentions(text: str, flips: list[bool], prefix: str) -> None:
    mixed = "".join(ch.swapcase() if flip else ch for ch, flip in zip(text, flips, strict=False)) + text[80:]
    assert is_evidence_question(prefix + mixed)
