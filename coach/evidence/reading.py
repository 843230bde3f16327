"""Reading a chat message before matching: its normalized text, its lines and quotes, and whose words it holds.

Every pre-exhaust spelling becomes one marker; Discord markup, accents and case go. A question the member reports
("my coach asked me if pre-exhaust works"), quotes (a Discord "> " line, a quoted question) or refuses ("not asking
if it works", "stop asking the bot if …") names the question without asking it; a later elliptical "does it?" may
still ask it. A last clause with a topic of its own ("…, but does creatine work?") takes the question mark for
itself. Pure Python, no Discord import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

from coach.evidence.concepts import AUX, GREETINGS, MUSCLE_WORDS, NON_CONTENT, PRONOUNS

# Every pre-exhaust spelling is rewritten to this private-use character, which members cannot
# smuggle in: normalize() deletes it from the input first.
PE = "\ue000"

# --- normalization -------------------------------------------------------------------------

# A typed "@mike" addresses someone, like a real mention; neither is part of the question.
_DISCORD_MARKUP = re.compile(
    r"<(?:@[!&]?|#)\d+>|<a?:\w{1,32}:\d+>|<t:\d+(?::[a-zA-Z])?>|https?://\S+|@\w{1,32}(?![\w-])"
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]")
_APOSTROPHES = re.compile(r"(?<=[a-z])['\u2019\u02bc`](?=[a-z])")
_ARROWS = re.compile(r"->|=>|[\u2192\u21d2\u27f6\u2794\u279c\u27a1]")
_GREATER = re.compile(r"(?<=\w)\s*>+\s*(?=\w)")
_YES_NO = re.compile(r"\by ?/ ?n\b|\by or n\b")
# A verdict asked with emoji: "pre exhaust 👍 or 👎?" is "good or bad"; a lone thumb is only a reaction.
_VERDICT_EMOJI = re.compile(
    r"[\U0001f44d\u2705]\S{0,3} ?(?:or|/) ?[\U0001f44e\u274c]|[\U0001f44e\u274c]\S{0,3} ?(?:or|/) ?[\U0001f44d\u2705]"
)
# Letters that NFKD does not take apart: "działa" (pl) reads as "dziala".
_UNDECOMPOSED = str.maketrans(
    {"\u0142": "l", "\u0141": "L", "\u00f8": "o", "\u00d8": "O", "\u0111": "d", "\u0110": "D"}
)
# A quoted slogan is one phrase: "is 'small muscle first, big lift second' better" asks about all of it.
_QUOTED = re.compile(r"(?<!\w)['\"\u2018\u201c]([^'\"\u2018\u2019\u201c\u201d]{1,80})['\"\u2019\u201d](?!\w)")
_QUOTED_BREAKS = re.compile(r"[,;:]")
# A quoted question is mentioned, not asked: "the question 'does pre-exhaust work?' is pinned". It stays a clause of
# its own, led by a word that opens nothing, so only the member's words around it can ask it.
_QUOTED_QUESTION = re.compile(
    r"\?\s*$|^\s*(?:does|do|did|is|are|was|can|could|should|would|will|how|what|why|which|has|have)\b"
)


def _quote(match: re.Match[str], text: str) -> str:
    """A quoted phrase as one phrase; a quoted question, unless it is the whole message, as a mention."""
    inner = match.group(1)
    if _QUOTED_QUESTION.search(inner) and match.group(0).strip() != text.strip():
        return f" , quote {_QUOTED_BREAKS.sub(' ', inner.replace('?', ' '))} , "
    return _QUOTED_BREAKS.sub(" ", match.group(0))


_MARKDOWN = re.compile(r"[@*_~|>`\"\u201c\u201d\u2018\u2019\u00ab\u00bb]")

_SEP = r"[\s\-./]*"
# Members abbreviate pre-exhaust to a capital "PE" ("is PE worth it"); "P.E." and the "PE teacher" are school.
_PE_ABBREVIATION = re.compile(r"\bPE\b(?![./]|\s+(?:teacher|teachers|class|classes|lesson|lessons|kit|period))")
# The member's own tiredness, not the technique: "i'm so pre-exhausted", "pre-exhausted from a 12h shift".
_TIRED = re.compile(
    r"(\b(?:im|i am|i feel|feeling|felt)(?: so| already| totally| kinda| pretty| really)? )"
    r"pre[\s-]*(?=exhausted\b)|"
    r"\bpre[\s-]*(?=exhausted (?:from|after|by) (?:(?:a|my|the|this|long|\d+\s?h\w*) )*(?:shift|work|job|"
    r"school|class|commute|day|week|night|kids?|baby|newborn)\b)"
)
# The verb said of something that is no muscle or lift is a joke: "pre exhausting my wallet", "pre-exhausted my
# savings", "pre fatiguing myself"; "pre-exhausting my (upper) chest" is the technique.
_BODY_OR_LIFT = "|".join(
    sorted(MUSCLE_WORDS | {"body", "forearms", "abs", "core", "obliques", "neck", "bench", "squat", "squats", "press"})
)
_FIGURATIVE = re.compile(
    r"\bpre[\s-]*(?=(?:exhausting|exhausted|fatiguing|fatigued) (?:(?:my|your|his|her|our|their) "
    rf"(?!(?:\w+ )?(?:{_BODY_OR_LIFT})\b)|(?:myself|yourself|himself|herself|ourselves|themselves)\b))|"
    r"\bpre[\s-]*(?=(?:exhaust|fatigue) (?:myself|yourself|himself|herself|ourselves|themselves)\b)"
)
_PE_TERM = re.compile(
    r"\b(?:"
    # pre-exhaust and its typos: exhaust, exaust, exhuast, exahust, exhast, exhaus, exausted, exhaustion...
    rf"pre{_SEP}e?x+h?[aeu]{{1,3}}h?u?s+t?\w*"
    # pre-fatigue: fatigue, fatige, fatuge, fatigued, fatiguing
    rf"|pre{_SEP}fat[iyu]{{1,2}}g\w*"
    # the short form "pre-ex" / "preex", but not "pre existing" or a "pre ex" partner
    r"|pre[-.]?ex\b"
    # loan words: pre-agotamiento (es), pre-affaticamento (it), pre-epuisement (fr)
    rf"|pre{_SEP}(?:agotamiento|affaticamento|epuisement)\w*"
    # Vorermüdung / Vorermuedung (de), voorvermoeiing (nl)
    r"|vor[\s-]*ermu(?:e)?dung\w*|voor[\s-]*vermoei\w*"
    r")"
)
# A command for this or another bot ("/evidence", "!ask"), not a question.
_COMMAND = re.compile(r"^[/!$?]\w")
_COMMAND_NAME = re.compile(r"(?<!\S)[/!]\w+")


def normalize(text: str) -> str:
    """Lower-case, accent-free text without Discord markup, each pre-exhaust spelling replaced by PE."""
    text = _DISCORD_MARKUP.sub(" ", text.replace(PE, " "))
    text = _COMMAND_NAME.sub(" command ", text)  # "does the /evidence command work": a noun, not evidence
    text = _PE_ABBREVIATION.sub(" pre-exhaust ", text)  # before casefolding, which would lose the capitals
    text = _VERDICT_EMOJI.sub(" good or bad ", text)
    text = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _DASHES.sub("-", text)
    text = _APOSTROPHES.sub("", text)
    whole = text
    text = _QUOTED.sub(lambda m: _quote(m, whole), text)
    text = _ARROWS.sub(" then ", text)  # "iso -> compound": an order, read as "then"
    text = _GREATER.sub(" vs ", text)  # "pre-exhaust > traditional?", "pre-exhaust >>> normal order"
    text = _YES_NO.sub(" yes or no ", text)  # "does it work y/n"
    text = text.replace("%", " percent ")  # "what % should i drop bench": a quantity, as a word
    text = _MARKDOWN.sub(" ", text)
    text = _TIRED.sub(r"\1", text)  # keeps "i'm so", drops the "pre": plain tiredness
    text = _FIGURATIVE.sub("", text)
    text = _PE_TERM.sub(f" {PE} ", text)
    return " ".join(text.split())


def mentions_pre_exhaust(text: str) -> bool:
    """True when the text names pre-exhaust by any known spelling."""
    return PE in normalize(text)


def is_command(text: str) -> bool:
    """Whether the message is a command for a bot ("/evidence …", "!ask …"), after any mention."""
    return bool(_COMMAND.match(_DISCORD_MARKUP.sub(" ", text).strip()))


# --- whose words ---------------------------------------------------------------------------

# Who asks a reported question: "my coach asked me", "he keeps asking", "someone in the server asked", "people ask".
_REPORT_VERBS = frozenset({"ask", "asked", "asks", "asking", "wonder", "wondered", "wonders"})
# The member's own question, asked before: "i asked the bot whether …", "i used to wonder if …"
_PAST_ASKING = frozenset({"asked", "wondered"})
_ASKED = frozenset({"if", "whether"})
_SPEAKERS = frozenset({"i", "we", "im", "ive", "id", "iam", "us"})
_OTHERS = frozenset(
    {"he", "she", "they", "hes", "shes", "theyre", "someone", "somebody", "people", "everyone", "everybody", "my",
     "his", "her", "their", "a", "the", "some", "guy", "dude", "friend", "buddy", "coach", "trainer", "pt", "op",
     "member", "members", "client", "clients", "folks", "guys", "mate", "cousin", "gf", "bf", "nobody", "others"}
)  # fmt: skip


def reported_at(words: Sequence[str]) -> int | None:
    """Where a question not asked now is reported ("my coach asked me if …", "i asked the bot whether …")."""
    for k, word in enumerate(words):
        if word in _REPORT_VERBS and words[0] not in AUX | {"anyone", "anybody"}:  # "has anyone asked …" asks
            before = words[max(0, k - 4) : k]
            if not any(w in _SPEAKERS for w in before) and any(w in _OTHERS for w in before):
                return k
            # the member's own question, asked before: "i asked the bot if …", "i used to wonder whether …"
            past = word in _PAST_ASKING or (word in {"ask", "wonder"} and before[-2:] == ["used", "to"])
            if past and any(w in _SPEAKERS for w in before) and any(w in _ASKED for w in words[k + 1 : k + 4]):
                return k
    return None


# "not asking if it works", "stop asking the bot if …", "imagine asking if …": a question named only to refuse or
# mock it; "just ask the bot if …", "if you want to know whether …": advice on how someone else may ask it. The
# question runs to the end of its clause or to "but", after which the member may ask their own ("not asking how to
# do it, is it worth it"). A question word must follow: "dont wanna ask a dumb question but does …" still asks.
# (bounded, so a run of refusals costs linear time; a message is read to 500 characters anyway)
_QUESTION_WORD = r"(?:if|whether|how|what|why|which|about)\b[^,.;:?!]{0,150}?(?=\bbut\b|[,.;:?!]|$)"
_DISOWNED = re.compile(
    r"\b(?:not|never|stop|quit|stopped|dont|didnt|imagine) (?:\w+ )?(?:ask|asks|asking|asked|wonder|wondering) "
    rf"(?:\S+ ){{0,2}}?{_QUESTION_WORD}|"
    rf"(?:^|(?<=[,.;:!?] ))(?:just |try |go |simply |pls |please )?(?:ask|asking) (?:\S+ ){{0,2}}?{_QUESTION_WORD}|"
    rf"\bif (?:you|u|ya) (?:want|wanna|need) to (?:know|find out|see) {_QUESTION_WORD}"
)


def without_disowned(norm: str) -> str:
    """Normalized text without refused questions ("not asking if it works") or advice on asking, clauses kept."""
    asking = "ask" in norm or "wonder" in norm or "know" in norm  # a cheap test first: most messages have none
    return _DISOWNED.sub(" , ", norm) if asking else norm


def is_elliptical(words: Sequence[str]) -> bool:
    """ "does it?", "is it though": a question whose verb and subject stand for an earlier clause's."""
    rest = [w for w in words if w not in GREETINGS and w not in {"really", "even", "actually"}]
    return len(rest) == 2 and rest[0] in AUX and rest[1] in PRONOUNS


# A tag question asks about the clause before it: "…, am i wrong?", "…, or am i crazy?", "…, what do coaches say?".
_TAG_WORDS = frozenset({"wrong", "right", "crazy", "tripping", "mistaken", "agree", "disagree", "missing", "else"})
_COMPARING = frozenset({"better", "worse", "instead", "than", "vs", "versus", "compared", "rather", "alternative"})
_EVIDENCE = frozenset(
    {"research", "studies", "study", "science", "evidence", "data", "proof", "papers", "paper", "literature", "experts"}
)
_OPINION_VERBS = frozenset({"say", "says", "think", "thinks", "feel", "reckon", "recommend"})


def has_own_topic(words: Sequence[str]) -> bool:
    """Whether a question clause names a topic of its own ("does creatine work"), not a tag on the one before."""
    if not any(w.isalpha() and w not in NON_CONTENT and w not in _TAG_WORDS for w in words):
        return False  # "…, am i wrong?", "…, what do you think?"
    if any(w in _EVIDENCE or w in _COMPARING for w in words):
        return False  # "…, any new research?", "…, are straight sets better?": about what the clause before names
    opinion = next((i for i, w in enumerate(words) if w in _OPINION_VERBS), None)
    # "…, what do coaches say?" asks about what came before; "…, what do you think about rest pause?" does not
    return opinion is None or any(w in {"about", "of", "on", "regarding", "re"} for w in words[opinion + 1 :])


# A Discord quote: "> " quotes its line, ">>> " the rest of the message.
_QUOTE_LINE = re.compile(r"^[ \t]*(>>>|>)(?=[^>])")


def quoted_lines(text: str) -> Iterator[tuple[str, bool]]:
    """The message's lines without their quote marks, each with whether it quotes someone else's words."""
    quoting_rest = False
    for line in text.split("\n"):
        quote = _QUOTE_LINE.match(line)
        quoting_rest = quoting_rest or (quote is not None and quote.group(1) == ">>>")
        yield (line[quote.end() :] if quote else line), quoting_rest or quote is not None
