"""Spot chat messages that ask whether pre-exhaust works, without firing on mere mentions.

A message matches when some sentence refers to pre-exhaust (by any common spelling, typo or
loan word, or by "it"/"this" right after a sentence that named it), asks something (a question
mark, a question opener such as "does"/"is"/"should", or "I wonder if"), and asks about
efficacy: works, worth it, effective, any good, builds more muscle, backed by science, legit,
helps, should I, better than traditional. Pure Python, no Discord import.
"""

from __future__ import annotations

import re
import unicodedata

# Every pre-exhaust spelling is rewritten to this private-use character, which members cannot
# smuggle in: normalize() deletes it from the input first.
PE = "\ue000"

# Only the start of a message is read: enough for any real question, and a hard bound on matching time.
MAX_MATCHED_CHARS = 500

# --- normalization -------------------------------------------------------------------------

_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w{1,32}:\d+>|<t:\d+(?::[a-zA-Z])?>|https?://\S+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]")
_APOSTROPHES = re.compile(r"(?<=[a-z])['\u2019\u02bc`](?=[a-z])")
_GREATER = re.compile(r"(?<=\w)\s*>\s*(?=\w)")
_MARKDOWN = re.compile(r"[@*_~|>`\"\u201c\u201d\u2018\u2019\u00ab\u00bb]")

_SEP = r"[\s\-./]*"
_PE_TERM = re.compile(
    r"\b(?:"
    # pre-exhaust and its typos: exhaust, exaust, exhuast, exahust, exhast, exhaus, exausted, exhaustion...
    rf"pre{_SEP}e?x+h?[aeu]{{1,3}}h?u?s+t?\w*"
    # pre-fatigue: fatigue, fatige, fatuge, fatigued, fatiguing
    rf"|pre{_SEP}fat[iyu]{{1,2}}g\w*"
    # loan words: pre-agotamiento (es), pre-affaticamento (it), pre-epuisement (fr)
    rf"|pre{_SEP}(?:agotamiento|affaticamento|epuisement)\w*"
    # Vorermüdung / Vorermuedung (de), voorvermoeiing (nl)
    r"|vor[\s-]*ermu(?:e)?dung\w*|voor[\s-]*vermoei\w*"
    r")"
)


def normalize(text: str) -> str:
    """Lower-case, accent-free text without Discord markup, each pre-exhaust spelling replaced by PE."""
    text = _DISCORD_MARKUP.sub(" ", text.replace(PE, " "))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _DASHES.sub("-", text)
    text = _APOSTROPHES.sub("", text)
    text = _GREATER.sub(" vs ", text)  # "pre-exhaust > traditional?"
    text = _MARKDOWN.sub(" ", text)
    text = _PE_TERM.sub(f" {PE} ", text)
    return " ".join(text.split())


def mentions_pre_exhaust(text: str) -> bool:
    """True when the text names pre-exhaust by any known spelling."""
    return PE in normalize(text)


# --- question form -------------------------------------------------------------------------

# One word per alternative, each ending at a word boundary, so a run of greetings ("hey q hey q")
# splits into words exactly one way ("quick question" is "quick" then "question"); "real talk"
# stands before "real" because the lead below never backtracks into an earlier choice.
_GREETING = (
    r"(?:real\s+talk|hey|hi|hello|yo|okay|ok|so|but|and|um|uh|hmm|quick|serious|genuine|honest|dumb|stupid|"
    r"noob|newbie|honestly|seriously|genuinely|real|random|question|q|coach|bot|guys|folks|all|everyone|bro|"
    r"pls|please|lol)\b"
)
_OPENERS = (
    r"does|do|did|doesnt|dont|didnt|is|isnt|are|arent|was|were|will|wont|would|wouldnt|can|cant|could|"
    r"couldnt|should|shouldnt|shall|has|have|any|anyone|anybody|someone|somebody|what|whats|how|hows|why|"
    r"which|thoughts|opinions?|verdict|explain|tell|is\s+there|are\s+there"
)
# Possessive: the greetings are taken greedily once and never re-split, which keeps a failing
# match linear in the text (an ambiguous, backtracking lead took seconds on "hey q " * 20).
_LEAD = rf"^(?:@?{_GREETING}[\s,:!.-]*)*+"
# "pre-exhaust, does it work" and "pre exhaust does it work": a fronted topic before the opener is fine.
_QUESTION_START = re.compile(
    rf"{_LEAD}(?:{PE}\s+(?:{_OPENERS})\s+(?:it|this|that|they|there|you|u|anyone|anybody)\b|(?:{_OPENERS})\b)"
)
_EMBEDDED_QUESTION = re.compile(
    r"\b(?:wonder(?:ing)?|curious|idk|dunno|not\s+sure|unsure|whether|is\s+it\s+true|tell\s+me|"
    r"(?:any(?:one|body)|some(?:one|body))\s+know|asking|i\s+want\s+to\s+know|question\s+about|"
    r"which\s+(?:one|is|are|builds?|works?|gives?|gets?))\b"
)

# --- efficacy intent -----------------------------------------------------------------------
# Subject-bound intents ("X works", "X is worth it") must be about pre-exhaust, not another noun.
_AUX = re.compile(
    r"\b(?:does|do|did|doesnt|dont|didnt|is|isnt|are|arent|was|were|will|wont|would|wouldnt|can|cant|could|"
    r"couldnt|should|shouldnt|might|may|has|have)\b"
)
# English pronouns plus "it/that" in the loan languages (fr ca/cela, pt isso/isto, es eso/esto, de es/das, nl het/dat).
_REFERS = re.compile(
    rf"{PE}|\b(?:it|its|this|that|thats|they|these|those|them|theyre|ca|cela|isso|isto|eso|esto|es|das|het|dat)\b"
)
_FILLER = {
    "really", "actually", "even", "truly", "still", "honestly", "seriously", "genuinely", "just", "so",
    "you", "u", "i", "we", "yall", "guys", "people", "anyone", "anybody", "think", "reckon", "feel", "say",
    "there", "the", "a", "an", "ever", "all", "at", "in", "your", "ur", "my", "experience", "opinion", "hey",
    "coach", "bot", "lol", "tbh", "imo", "ngl", "doing", "using", "training", "with", "method", "technique",
    "protocol", "style", "stuff", "sets", "set", "supersets", "superset", "approach", "thing", "whole",
    "idea", "of", "for", "as", "like", "kind", "type", "way", "order", "also", "then", "too", "bro", "which",
    "one", "better", "more",
}  # fmt: skip

_SUBJECT_BOUND = [
    re.compile(p)
    for p in (
        r"\bwork(?:s|ing|ed)?\b(?!\s+(?:out|outs|on|today|tonight|tomorrow|session|day|sheet|split))",
        r"\bworth\b",
        r"\b(?:effective|efective|effectve|efficient|efficacious|ineffective|productive)\b",
        r"\b(?:any|much)\s+good\b(?!\s+(?:tips|ideas|exercises|videos|programs?|plans?|links|resources))",
        r"\b(?:good|bad|legit|effective|worth)\s*$",
        r"\bgood\s+(?:for\s+(?:growth|size|gains|mass|muscle|hypertrophy|building|strength)|idea|or\s+bad)\b",
        r"\b(?:legit|legitimate|overrated|underrated|a\s+myth|myth|bro\s*science|a\s+scam|scam|a\s+meme|"
        r"hype|overhyped|placebo|bs|bullshit|nonsense|pointless|useless|a\s+waste|waste\s+of\s+time|"
        r"necessary|needed|optimal|superior|inferior|bad\s+for\s+gains)\b",
        r"\b(?:help|helps|helpful|useful|beneficial|benefit)\b",
        r"\b(?:build|builds|building|grow|grows|growing|give|gives|get|gets|mean|means|make|makes)\b"
        r"(?:\s+\w+){0,3}?\s+(?:more|extra|better|bigger|faster)\b(?:\s+\w+){0,2}?\s+"
        r"(?:muscle|muscles|size|growth|gains|mass|hypertrophy|results|strength)\b",
        r"\b(?:more|extra|better|faster)\s+(?:muscle|size|growth|gains|mass|hypertrophy)\b",
        r"\b(?:increase|increases|boost|boosts|improve|improves|maximi[sz]e|maximi[sz]es)\s+(?:\w+\s+)?"
        r"(?:muscle|growth|gains|size|mass|hypertrophy|strength|results|activation|activity)\b",
        r"\bdo(?:es)?\s+(?:anything|much|something)\b|\bmake\s+(?:a|any)\s+difference\b",
        r"\bbad\s+(?:for|idea)\b|\b(?:hurt|hurts|kill|kills|ruin|ruins)\s+(?:\w+\s+)?"
        r"(?:gains|strength|growth|progress|performance)\b",
        r"\b(?:make|makes|get|gets)\s+(?:\w+\s+)?(?:weaker|stronger|bigger|smaller)\b",
        r"\b(?:better|worse|superior|inferior)\s+(?:than|vs|versus|compared)\b",
        r"\bsave\w*\s+(?:\w+\s+)?time\b|\btime[\s-]*(?:efficient|saver|saving)\b",
        # loan-language efficacy verbs (pt, es, it, de, nl, fr)
        r"\b(?:funciona|funcionam|funcione|vale\s+a\s+pena|vale\s+la\s+pena|sirve|funziona|"
        r"funktioniert|bringt|lohnt\s+sich|werkt|helpt|marche|fonctionne|efficace|eficaz|efectivo|eficiente)\b",
    )
]
# Topic-level intents may follow "pre-exhaust, ..." without naming it again.
_TOPIC = [
    re.compile(p)
    for p in (
        r"\b(?:science|scientific|scientifically|evidence[\s-]based|research|researched|studies|study|evidence|proof|proven|data|literature|"
        r"papers?|meta[\s-]?analys[ie]s|peer[\s-]?reviewed|ciencia|estudos|estudios|evidencia|studien|"
        r"wissenschaft|onderzoek|wetenschap|etudes)\b",
        rf"\bshould\s+(?:i|we|you|one|people|beginners?|newbies?|lifters?)\s+"
        r"(?:(?:even|really|actually|still|be|start|keep|bother)\s+)*"
        r"(?:(?:do(?:ing)?|try(?:ing)?|us(?:e|ing)|add(?:ing)?|switch(?:ing)?\s+to|includ(?:e|ing)|"
        r"incorporat(?:e|ing)|implement(?:ing)?|run(?:ning)?|consider(?:ing)?|giv(?:e|ing)|go\s+for|with)\s+)?"
        rf"(?:(?:the|some|a|any|more)\s+)?{PE}",
        r"^(?:any\s+)?(?:thoughts|opinions?|verdict)\s*$",
        r"\bshould\s+(?:i|we)\s+(?:\w+\s+){0,2}?(?:it|this|that)\s*$",
        r"\b(?:recommend|recommended|suggest)\b",
        rf"\b(?:point|benefits?|advantages?|pros|upside|downside|drawbacks?)\s+(?:of|to|in)\s+(?:\w+\s+)?(?:{PE}|it\b)",
        rf"{PE}\s+(?:vs|versus|or|compared\s+(?:to|with))\s+(?:\w+\s+)?"
        r"(?:traditional|normal|regular|straight|standard|conventional|compounds?|usual|classic|plain)\b",
        r"\b(?:yay\s+or\s+nay|yea\s+or\s+nay|hit\s+or\s+miss|good\s+or\s+bad|worth\s+it\s+or\s+not)\b",
        rf"\bhow\s+(?:effective|good|useful|legit|beneficial|efficient)\s+(?:is|are)\s+(?:the\s+)?(?:{PE}|it\b|this\b)",
        rf"\b(?:thoughts|opinions?|views?|verdict|take)\s+(?:on|about)\s+(?:\w+\s+)?{PE}",
        r"\bdoes\s+it\s+(?:even\s+|really\s+|actually\s+)?(?:work|help)\b",
        r"\bis\s+it\s+(?:even\s+|really\s+|actually\s+)?(?:worth|effective|legit|good)\b",
    )
]
# Strong phrasings that are questions even without a question mark.
_STRONG = [
    re.compile(p)
    for p in (
        # fragments that read as questions even without "?": "pre-exhaust worth it", "any research on pre-fatigue"
        rf"{_LEAD}(?:(?:is|are)\s+)?(?:the\s+)?{PE}\s+(?:\w+\s+){{0,2}}?(?:backed|supported|proven|validated)\s+"
        r"(?:up\s+)?by\b",
        rf"{_LEAD}(?:any\s+|the\s+|some\s+)?(?:science|research|studies|study|evidence|data|literature|papers?)\s+"
        rf"(?:on|about|behind|for|regarding|into)\s+(?:the\s+)?(?:\w+\s+)?{PE}(?:\s+\w+)?\s*$",
        rf"{_LEAD}{PE}\s+(?:\w+\s+)?(?:science|research|studies|evidence)\s*$",
        rf"{_LEAD}{PE}\s+(?:\w+\s+)?(?:worth\s+(?:it|trying|doing|the\s+\w+)|any\s+good|legit|effective)"
        r"(?:\s+for\s+\w+(?:\s+\w+)?)?\s*$",
        rf"{_LEAD}(?:any\s+)?(?:thoughts|opinions?)\s+(?:on|about)\s+(?:\w+\s+)?{PE}\s*$",
    )
]
_COMMAND = re.compile(r"^[/!$?]\w")
_SENTENCE = re.compile(r"[^.!?\n¿¡]+[.!?\n¿¡]*")
# Clause breaks: a comma, semicolon or colon, or a spaced dash. The look-behind starts a match only
# where a run of spaces begins, so a long run of spaces is scanned once, not once per position.
_CLAUSE = re.compile(r"(?<!\s)(?:\s*+[,;:]|\s++--?(?=\s))\s*+")


def is_evidence_question(text: str) -> bool:
    """True when a chat message asks whether pre-exhaust works, is worth it or is backed by evidence."""
    if not isinstance(text, str):
        return False
    # A question worth answering is asked early; capping the text bounds the work any message costs.
    text = text[:MAX_MATCHED_CHARS]
    stripped = _DISCORD_MARKUP.sub(" ", text).strip()
    if _COMMAND.match(stripped):
        return False  # a command for this or another bot, not a question
    norm = normalize(text)
    if PE not in norm:
        return False
    previous_named_pe = False
    for raw_sentence in _SENTENCE.findall(norm):
        sentence = raw_sentence.strip()
        if not sentence:
            continue
        has_qmark = "?" in sentence or "¿" in sentence
        body = sentence.strip(" .!?¿¡")
        asked = has_qmark or bool(_QUESTION_START.match(body)) or bool(_EMBEDDED_QUESTION.search(body))
        carry = previous_named_pe
        for clause in (c.strip() for c in _CLAUSE.split(body)):
            if not clause:
                continue
            names_pe = PE in clause
            clause_asked = asked or bool(_QUESTION_START.match(clause))
            if _clause_matches(clause, names_pe, carry, clause_asked):
                return True
            carry = carry or names_pe
        previous_named_pe = PE in body
    return False


def _clause_matches(clause: str, names_pe: bool, carry: bool, asked: bool) -> bool:
    if names_pe and any(p.search(clause) for p in _STRONG):
        return True
    if not asked or not (names_pe or carry):
        return False
    if any(p.search(clause) for p in _TOPIC):
        return names_pe or carry
    for pattern in _SUBJECT_BOUND:
        for match in pattern.finditer(clause):
            if _about_pre_exhaust(clause, match.start(), names_pe, carry):
                return True
    return False


def _about_pre_exhaust(clause: str, intent_at: int, names_pe: bool, carry: bool) -> bool:
    """Whether the subject before an intent word is pre-exhaust (or a pronoun for it), not another noun."""
    before = clause[:intent_at]
    auxes = list(_AUX.finditer(before))
    if auxes:
        after_aux = before[auxes[-1].end() :]
        window = after_aux if after_aux.strip() else before[: auxes[-1].start()]
    else:
        window = before
    if _REFERS.search(window):
        return names_pe or carry
    words = re.findall(r"[a-z0-9]+", window)
    if any(w not in _FILLER for w in words):
        return False  # the intent is about something else ("does creatine work")
    return names_pe or carry
