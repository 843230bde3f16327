"""The chat matcher: the previous author's labelled phrasings with precision and recall, plus property tests.

`is_evidence_question` is the catalog-free form (technique named, or "isolation before compounds");
the fresh labelled sets and the issue #13 cases of rounds 1-5 are in test_evidence_questions.py, and round 6's
named cases, one per concept with a counterpart, are at the end of this file.
"""

from __future__ import annotations

import unicodedata

import pytest
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


# --- round 6: whose question it is, and a few narrow additions ---------------------------------------------------
# Each concept once, with a case that must keep its old answer beside it. A "> " quote line, a quoted question
# ("the question 'does pre-exhaust work?' is pinned"), a question others ask ("people always ask …"), the member's
# own past question ("i asked the bot whether …"), a refused or mocked question ("not asking if …", "stop asking the
# bot if …", "imagine asking if …"), advice on how to ask ("just ask the bot whether …"), a pronoun after a made thing
# ("the pre-exhaust video, is it legit") and a statement before a "?" that asks about something else ("…, but does
# creatine work?") are not the member's question about the technique. A load, a count or a percentage the member
# sets ("how much should i drop the bench weight", "heavy or light", "1 set or 2") is logistics; "bad knees" is an
# injury, not a verdict; the verb said of a wallet is a joke; "did" with only the technique after it tells what was
# done; a verb with "not" after a break ("…, does not result in …") continues a statement; the bot's answer or
# summary is a made thing, not the technique or its sources; "is pre-exhaust when you …" asks for a definition.
ROUND_6_NOT = [
    "> does pre-exhaust work?\nthat's the pinned question lol scroll up",
    "> is pre-exhaust worth it?",
    "stop asking the bot if pre-exhaust works, it says the same thing every time",
    "not asking if pre-exhaust works, just how the weak link logic goes",
    "imagine asking if pre-exhaust works in 2026 lol",
    "the pre-exhaust video in the pins, is it legit?",
    "my pre-exhaust plan, is it any good?",
    "how much should i drop the bench weight after pec deck?",
    "should i drop the squat weight after leg extensions?",
    "which order should i do curls and chins in?",
    "pre-exhaust today, pump was unreal. does it?",  # a dated diary line is no claim to re-ask
    "give me a pre-exhaust workout that works",
    "what do the guys in the pins think of my pre-exhaust plan?",
    "did pre-exhaust today 👍",
    "me pre exhausting my savings on protein, worth it? lol",
    "links for the pre-exhaust plan",
    "> source for pre-exhaust?\nit's in the pins",
    "pre-exhaust works for me, but does creatine work?",
    "pre-exhaust is legit imo, what do you think about drop sets?",
    "pre-exhaust works great, anyone tried myo reps?",
    "any new data on my pre-exhaust plan?",
    "the question 'does pre-exhaust work?' is pinned",
    "people always ask 'is pre-exhaust worth it?' and the answer is always it depends",
    "i asked the bot whether pre-exhaust is worth it yesterday, great answer",
    "just ask @Coach whether pre-exhaust works",
    "if you want to know whether pre-exhaust works, type /evidence",
    "should the flyes be heavy or light before bench?",
    "should i pre-exhaust with 1 set or 2 sets of flyes?",
    "what % should i drop bench after flyes?",
    "is it safe to do leg extensions before squats with bad knees?",
    "did flyes before bench, pump was crazy",
    "a new study shows that pre-exhaustion, just like drop sets, does not result in extra muscle growth",
    "can the bot link me to the pre-exhaust summary?",
    "does the bot's pre-exhaust answer include the 2024 study?",
    "is pre-exhaust when you do the isolation first or the compound first?",
]
# A quoted claim or one the member has seen, then re-asked ("does it though?"); a refusal that ends before the
# member's own question; a tag question after a claim ("…, am i wrong?", "…, any new research?"); the evidence *on*
# the technique; hedges ("basically"); orders compared by "which order is better"; an order for a verdict; opinions
# of a named group; a verdict asked with emoji; Polish and German verdict words.
ROUND_6 = [
    "> pre-exhaust breaks plateaus\nis it tho?",
    "i keep seeing 'pre-exhaust breaks plateaus' on tiktok. does it though?",
    "not asking how to set it up, is pre-exhaust actually worth it?",
    "the pre-exhaust method, does it work?",
    "is pre-exhausting my upper chest with flyes worth it?",
    "pre-exhaust seems pointless, am i wrong?",
    "pre-exhaust seems overrated, any new research?",
    "whats the current evidence on prefatigue",
    "'pre-exhaust worth it?' asking for a friend",
    "i asked my coach whether pre-exhaust works and he didnt know, so does it?",
    "can i ask if pre-exhaust works?",
    "is pre-exhaust bad for your knees?",
    "does pre-exhaust give 20% more growth?",
    "did pre-exhaust work for you guys",
    "did flyes before bench help anyone grow",
    "is pre-exhaust the answer for a lagging chest?",
    "so pre-exhaust is basically a meme now?",
    "curls then chins vs chins then curls, which order is better for arms?",
    "@Coach give me the verdict on pre-fatigue",
    "what do Menno and the Stronger by Science guys think of pre-exhaust?",
    "pre exhaust 👍 or 👎?",
    "czy pre-exhaust działa?",
    "Vorermüdung – sinnvoll oder quatsch?",
]
# The sources as a list, opening a verbless request, by their title or authors, with a loan word or a bare please.
ROUND_6_STUDIES = [
    "paper list for PE plz",
    "paper links for pre exhaust or it didnt happen",
    "what's the title of that pre-exhaust paper?",
    "who are the authors of the pre-exhaust review?",
    "necesito las fuentes sobre pre-exhaust",
    "the pre-exhaust studies pls",
]


@pytest.fixture(scope="module")
def catalog_matcher() -> EvidenceMatcher:
    return EvidenceMatcher(load_catalog())


@pytest.mark.parametrize("text", ROUND_6)
def test_round_6_questions_get_the_summary(catalog_matcher: EvidenceMatcher, text: str) -> None:
    assert catalog_matcher.classify(text) is QuestionKind.SUMMARY


@pytest.mark.parametrize("text", ROUND_6_NOT)
def test_round_6_quotes_refusals_and_logistics_get_nothing(catalog_matcher: EvidenceMatcher, text: str) -> None:
    assert catalog_matcher.classify(text) is None


@pytest.mark.parametrize("text", ROUND_6_STUDIES)
def test_round_6_requests_for_the_sources_get_the_studies(catalog_matcher: EvidenceMatcher, text: str) -> None:
    assert catalog_matcher.classify(text) is QuestionKind.STUDIES
