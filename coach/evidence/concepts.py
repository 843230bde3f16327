"""Word-level concepts for the evidence matcher: the exercise vocabulary, the small word sets it reads, and
who a clause's intent is about.

The technique is *described* when an isolation lift comes before a compound lift that trains the same
muscle ("flyes before bench", "leg ext then hack squats", "squats after leg extensions"). Lifts are
found by longest match of token n-grams against the exercise catalog (names, aliases, ambiguous words
such as "rows" or "press") plus generic words ("isolation", "iso", "compounds"). The subject-binding
functions at the end decide whether an intent word ("works", "worth") has the technique as its subject.
Pure Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from catalog import MUSCLES, Catalog, Exercise, normalise_name

# Longest exercise phrase looked up ("seated cable row wide grip" is five words).
MAX_PHRASE = 5
# How far apart the isolation lift, the order word and the compound lift may be, in words
# ("leg ext 3 sets then went to squat"): close enough to be one description, not two remarks.
ORDER_WINDOW = 4


@dataclass(frozen=True, slots=True)
class Lift:
    """What a lift word tells the matcher: single- or multi-joint, and which muscles it trains."""

    isolation: bool
    primary: frozenset[str]
    muscles: frozenset[str]  # primary and secondary
    generic: bool = False  # a kind of lift ("isolation"), not a catalog exercise

    def pre_exhausts(self, compound: Lift) -> bool:
        """Whether doing this lift first tires a muscle the compound lift then needs."""
        return self.isolation and not compound.isolation and bool(self.primary & compound.muscles)


_ALL = frozenset(MUSCLES)
_PRESSING = frozenset({"chest", "front_delts", "side_delts", "triceps"})
_GENERIC_ISO = Lift(isolation=True, primary=_ALL, muscles=_ALL, generic=True)
_GENERIC_COMPOUND = Lift(isolation=False, primary=_ALL, muscles=_ALL, generic=True)
_SMALL_MUSCLE = Lift(isolation=True, primary=_ALL, muscles=_ALL, generic=True)  # not _GENERIC_ISO: no "first" alone
_KIND_NOUNS = ("exercise", "exercises", "lift", "lifts", "movement", "movements", "move", "moves")

# Words that name the kind of lift without naming an exercise. Catalog phrases win by longest match,
# so "iso lateral row" (a machine) is a compound row, not the word "iso".
GENERIC_LIFTS: Mapping[tuple[str, ...], Lift] = MappingProxyType(
    {
        **{(w,): _GENERIC_ISO for w in ("isolation", "isolations", "iso", "isos", "singlejoint")},
        ("single", "joint"): _GENERIC_ISO,
        **{(w,): _GENERIC_COMPOUND for w in ("compound", "compounds", "compund", "multijoint")},
        # German: Isolationsübungen, Grundübungen (accents are gone by now)
        **{(w,): _GENERIC_ISO for w in ("isolationsubung", "isolationsubungen")},
        **{(w,): _GENERIC_COMPOUND for w in ("grundubung", "grundubungen")},
        ("multi", "joint"): _GENERIC_COMPOUND,
        # "the small exercise for a muscle first, then the big lift": the kinds of lift told by their size
        **{("small", w): _GENERIC_ISO for w in _KIND_NOUNS},
        # "small muscle exercise first, big lift after", "a single muscle movement before the compound"
        **{(size, "muscle", w): _GENERIC_ISO for size in ("small", "single", "one") for w in _KIND_NOUNS},
        # "small muscle first, big lift second": only with a compound named later, since "small muscles first"
        # alone may order muscle groups (arms before chest) rather than lifts
        **{("small", w): _SMALL_MUSCLE for w in ("muscle", "muscles")},
        **{(w, k): _GENERIC_COMPOUND for w in ("big", "bigger", "main") for k in _KIND_NOUNS},
        ("pressing",): Lift(isolation=False, primary=_PRESSING, muscles=_PRESSING, generic=True),
    }
)
# Typos of the generic words, caught by one edit (isolatoin, compund, isolaton), if the start is right.
_FUZZY_GENERIC = (("isolation", _GENERIC_ISO), ("isolations", _GENERIC_ISO), ("compound", _GENERIC_COMPOUND))
# Verb forms members use for a lift: "curling before chinups".
VERB_FORMS: Mapping[str, str] = MappingProxyType(
    {"curling": "curl", "benching": "bench", "squatting": "squat", "rowing": "row", "dipping": "dip"}
)

# Order words: isolation ORDER compound, or compound AFTER isolation.
# Loan words too: "antes" (es, pt), "dann" and "zuerst" (de).
BEFORE = frozenset(
    {"before", "then", "into", "first", "1st", "prior", "preceding", "followed", "beforehand",
     "antes", "dann", "zuerst"}
)  # fmt: skip
AFTER = frozenset({"after", "following"})
FIRST = frozenset({"first", "1st", "beforehand", "zuerst"})
# "starting with leg curls", "open with flyes": the lift that opens the session comes first.
STARTS = frozenset({"start", "starts", "starting", "begin", "begins", "beginning", "open", "opening", "lead"})
# Verbs for what pre-exhaust does to a muscle: "tiring out my pecs with flyes first", "isolating first".
FATIGUE_VERBS = frozenset({"tire", "tiring", "pretire", "pretiring", "fatigue", "fatiguing", "exhaust", "exhausting"})
ISOLATE_VERBS = frozenset({"isolate", "isolating"})
MUSCLE_WORDS = frozenset(
    {"quads", "quad", "chest", "pecs", "pec", "tris", "triceps", "tricep", "biceps", "bicep", "bis", "lats", "lat",
     "back", "delts", "delt", "shoulders", "shoulder", "glutes", "hamstrings", "hams", "hammies", "calves", "legs",
     "arms", "traps", "muscle", "muscles"}
)  # fmt: skip

# --- the words around a question -------------------------------------------------------------

GREETINGS = frozenset(
    {
        "hey", "hi", "hello", "yo", "okay", "ok", "so", "but", "and", "um", "uh", "hmm", "quick", "serious",
        "genuine", "honest", "dumb", "stupid", "noob", "newbie", "honestly", "seriously", "genuinely", "real",
        "random", "question", "q", "coach", "bot", "guys", "folks", "all", "everyone", "bro", "pls", "please",
        "lol", "lmao", "fr", "ngl", "tbh", "talk", "wait", "btw", "also", "sorry", "like", "well", "alright",
        "tho", "though", "lowkey", "srsly", "legit", "actually", "now", "then", "idk", "or",
        "be",  # "coach be honest, is pre-exhaust a waste of time"
    }
)  # fmt: skip
OPENERS = frozenset(
    {
        "does", "do", "did", "doesnt", "dont", "didnt", "is", "isnt", "are", "arent", "was", "were", "will",
        "wont", "would", "wouldnt", "can", "cant", "could", "couldnt", "should", "shouldnt", "shall", "has",
        "have", "any", "anyone", "anybody", "someone", "somebody", "what", "whats", "how", "hows", "why",
        "which", "thoughts", "opinions", "opinion", "verdict", "explain", "tell", "got", "am",
    }
)  # fmt: skip
AUX = frozenset(
    {
        "does", "do", "did", "doesnt", "dont", "didnt", "is", "isnt", "are", "arent", "was", "were", "will",
        "wont", "would", "wouldnt", "can", "cant", "could", "couldnt", "should", "shouldnt", "might", "may",
        "has", "have", "am",
    }
)  # fmt: skip
# Pronouns that point back at the technique, in English and the loan languages (fr, pt, es, de, nl).
PRONOUNS = frozenset(
    {
        "it", "its", "this", "that", "thats", "they", "these", "those", "them", "theyre", "he", "she", "hes",
        "shes", "ca", "cela", "isso", "isto", "eso", "esto", "es", "das", "het", "dat",
    }
)  # fmt: skip
# Words that carry no subject of their own: between a verb and an intent word they leave the technique
# as the subject ("does it even work"), where a noun ("does creatine work") takes it over.
_FILLER = frozenset(
    {
        "really", "actually", "even", "truly", "still", "just", "you", "u", "i", "we", "yall", "people",
        "think", "reckon", "feel", "say", "says", "there", "the", "a", "an", "ever", "at", "in", "your", "ur",
        "my", "me", "experience", "doing", "do", "using", "training", "train", "with", "method", "technique",
        "protocol", "style", "stuff", "sets", "set", "supersets", "superset", "approach", "thing", "whole",
        "idea", "of", "for", "as", "kind", "type", "way", "order", "too", "which", "one", "better", "more",
        "less", "any", "some", "much", "know", "if", "whether", "whats", "what", "how", "why", "who", "to",
        "on", "about", "build", "builds", "building", "make", "makes", "get", "gets", "give", "gives", "mean",
        "means", "lead", "leads", "translate", "translates", "support", "supports", "show", "shows", "showing",
        "or", "not", "no", "be", "been", "being", "was", "lifters", "natty", "natties", "beginners", "first",
        "exercise", "exercises", "movement", "movements", "lifts", "lift", "same", "extra", "em",
        "quads", "quad", "chest", "pecs", "pec", "tris", "triceps", "tricep", "biceps", "bicep", "bis", "lats",
        "lat", "back", "delts", "delt", "shoulders", "shoulder", "glutes", "hamstrings", "hams", "calves",
        "legs", "leg", "arms", "arm", "abs", "traps", "muscle", "muscles", "target",
        # "have you seen any research on ...": having met the evidence is not a subject of its own
        "seen", "heard", "looked", "found", "into", "actual", "giving",
        # hedges and degrees: "is pre-exhaust basically a meme now"
        "basically", "literally", "kinda", "sorta", "pretty", "totally", "completely", "officially", "definitely",
        "probably", "simply", "mostly", "generally",
    }
)  # fmt: skip
NON_CONTENT = _FILLER | GREETINGS | OPENERS | AUX | PRONOUNS
# A technique-shaped clause is a question even without "?" when the next word evaluates it:
# "pre-exhaust worth it lol", "iso before compound good for gains".
FRAGMENT_WORDS = frozenset(
    {
        "worth", "worthwhile", "good", "legit", "effective", "evidence", "science", "research", "studies",
        "proof", "proven", "backed", "supported", "overrated", "myth", "any", "yay", "pros", "bs", "useful",
        "helpful", "beneficial", "better", "necessary", "optimal", "smart", "data", "verdict", "hype",
        "thoughts", "legitimate", "efficient", "scientific",
    }
)  # fmt: skip
_FRAGMENT_SKIP = frozenset(
    {"training", "method", "sets", "supersets", "style", "approach", "technique", "even", "actually",
     "really", "honestly", "tbh", "ngl", "lol", "truly", "stuff", "thing", "order"}
)  # fmt: skip
# A request for the sources may be an order, not a question: "drop the sources", "list the studies pls".
IMPERATIVES = frozenset(
    {"drop", "send", "list", "gimme", "give", "share", "post", "show", "link", "cite", "need", "want", "dm",
     "pls", "please", "plz", "where"}
)  # fmt: skip
# A word that may ask for the next "should I do X" without asking whether X works.
SHOULD_BRIDGE = frozenset(
    {
        "i", "we", "you", "u", "one", "people", "beginners", "even", "really", "actually", "still", "be",
        "start", "keep", "bother", "do", "doing", "try", "trying", "use", "using", "add", "adding", "switch",
        "to", "include", "run", "running", "consider", "give", "go", "for", "with", "the", "some", "a", "any",
        "more", "stop", "skip", "ditch", "drop", "would", "anyone", "anybody", "someone", "ppl",
    }
)  # fmt: skip


# --- lifts -----------------------------------------------------------------------------------


def _lift_of(exercises: Sequence[Exercise]) -> Lift | None:
    """One lift for what a word names; None when the word spans both mechanics."""
    if not exercises or len({ex.mechanic for ex in exercises}) != 1:
        return None
    primary = frozenset(m for ex in exercises for m in ex.primary)
    return Lift(exercises[0].is_isolation, primary, primary | {m for ex in exercises for m in ex.secondary})


def _variants(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """A phrase with its last word singular and plural, since members write both."""
    *head, last = words
    forms = {last, last + "s", last + "es", last.removesuffix("s"), last.removesuffix("es")}
    if last.endswith("y"):
        forms.add(last[:-1] + "ies")  # "fly" -> "flies"
    return {(*head, form) for form in forms if form}


# Name endings that are not lift nouns ("pull up", "assisted", "loaded"), so they never stand for a lift alone.
_NOT_HEAD_NOUNS = frozenset({"up", "ups", "down", "assisted", "loaded", "machine", "barbell", "cable", "bar"})


def catalog_lifts(catalog: Catalog) -> dict[tuple[str, ...], Lift]:
    """Every phrase the catalog resolves to a lift: names, aliases, their shorter parts and plurals."""
    bases: set[tuple[str, ...]] = set()
    heads: dict[str, set[Exercise]] = {}
    for exercise in catalog.exercises:
        for name in (exercise.id.replace("_", " "), exercise.name, *exercise.aliases):
            words = tuple(normalise_name(name).split())
            heads.setdefault(words[-1], set()).add(exercise)
            for size in range(1, min(MAX_PHRASE, len(words)) + 1):
                for start in range(len(words) - size + 1):
                    bases.add(words[start : start + size])

    def resolve(phrase: tuple[str, ...]) -> Lift | None:
        text = " ".join(phrase)
        found = catalog.find(text)
        return _lift_of((found,) if found else catalog.ambiguous(text))

    lifts: dict[tuple[str, ...], Lift] = {}
    for phrase in {v for base in bases for v in _variants(base)}:
        lift = resolve(phrase)
        if lift is not None:
            lifts[phrase] = lift
    # A plural the catalog lacks ("straight arm pulldowns") is still the lift its singular names.
    for base in bases:
        if (known := lifts.get(base)) is not None:
            for variant in _variants(base):
                lifts.setdefault(variant, known)
    # A noun that ends several names of one mechanic ("extensions": leg, triceps, back) names that kind of lift.
    for head, exercises in heads.items():
        lift = _lift_of(sorted(exercises, key=lambda ex: ex.id)) if len(exercises) > 1 else None
        if lift is not None and head not in _NOT_HEAD_NOUNS:
            for variant in _variants((head,)):
                lifts.setdefault(variant, lift)
    return lifts


def _one_edit(word: str, target: str) -> bool:
    """True when word is target with one letter inserted, deleted, changed or two swapped."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return word == target
    if len(word) == len(target):
        diffs = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        first, second = diffs[0], diffs[-1]
        swapped = word[first] == target[second] and word[second] == target[first]
        return len(diffs) == 2 and second == first + 1 and swapped
    short, long = (word, target) if len(word) < len(target) else (target, word)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def fuzzy_generic(word: str) -> Lift | None:
    """The generic lift a misspelt "isolation"/"compound" stands for, if the word is one edit away."""
    if len(word) < 6 or word[:3] not in {"iso", "com"}:
        return None
    for target, lift in _FUZZY_GENERIC:
        if _one_edit(word, target):
            return lift
    return None


@dataclass(frozen=True, slots=True)
class Span:
    """A lift mentioned in a sentence: token positions [start, end) and what it is."""

    start: int
    end: int
    lift: Lift


def find_lifts(words: Sequence[str], lifts: Mapping[tuple[str, ...], Lift]) -> list[Span]:
    """Lift mentions in a sentence's tokens, longest phrase first, left to right."""
    spans: list[Span] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            phrase = tuple(VERB_FORMS.get(w, w) for w in words[i : i + size])
            lift = lifts.get(phrase) or (fuzzy_generic(phrase[0]) if size == 1 else None)
            if lift is not None:
                spans.append(Span(i, i + size, lift))
                i += size
                break
        else:
            i += 1
    return spans


def _comes_first(words: Sequence[str], iso: Span) -> bool:
    """ "flyes first", "doing flyes first", "starting leg day with leg curls": the lift opens the session."""
    if _word_within(words, iso.end, 1, FIRST) is not None:
        return True
    if iso.end < len(words) and words[iso.end] == "or":
        return False  # "start with leg extensions or squats?" chooses what goes first
    lead = words[max(0, iso.start - 5) : iso.start]
    return "with" in lead and any(w in STARTS for w in lead[: lead.index("with")])


def fatigue_spans(words: Sequence[str], spans: Sequence[Span]) -> list[tuple[int, int]]:
    """The technique told by its mechanism: a muscle tired first ("tiring out my pecs with flyes first")."""
    found = []
    lift_at = {i for s in spans for i in range(s.start, s.end)}
    for i, word in enumerate(words):
        # "post-exhaust: bench then flyes" tires the muscle after the compound, another technique
        if word not in FATIGUE_VERBS | ISOLATE_VERBS or (i > 0 and words[i - 1] == "post"):
            continue
        order_at = _word_within(words, i + 1, ORDER_WINDOW + 2, FIRST | {"before", "then"})
        if order_at is None:
            continue
        # Tiring what? A muscle or a lift must be named, unless the verb is "isolating" itself.
        gap = range(i + 1, order_at)
        if word in ISOLATE_VERBS or any(words[j] in MUSCLE_WORDS or j in lift_at for j in gap):
            found.append((i, order_at + 1))
    return found


def described_spans(words: Sequence[str], spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Where the technique is described: an isolation lift before a compound for the same muscle."""
    found: list[tuple[int, int]] = []
    for index, iso in enumerate(spans):
        if not iso.lift.isolation:
            continue
        first = _comes_first(words, iso)
        # "doing straight arm pulldowns first help you feel lats more on rows": the compound comes later.
        if first and any(iso.lift.pre_exhausts(s.lift) for s in spans[index + 1 :]):
            found.append((iso.start, iso.end + (_word_within(words, iso.end, 1, FIRST) is not None)))
        generic_first = iso.lift is _GENERIC_ISO and first
        order_at = _word_within(words, iso.end, ORDER_WINDOW, BEFORE)
        compound = None
        if order_at is not None:
            compound = next((s for s in spans[index + 1 :] if order_at < s.start <= order_at + ORDER_WINDOW + 1), None)
        if compound is not None and iso.lift.pre_exhausts(compound.lift):
            found.append((iso.start, compound.end))
        elif generic_first:  # "iso first", "isolation first": the order itself names the technique
            found.append((iso.start, iso.end + 1))
    for index, compound in enumerate(spans):
        after_at = _word_within(words, compound.end, 2, AFTER) if not compound.lift.isolation else None
        if after_at is None:
            continue
        iso_after = next((s for s in spans[index + 1 :] if after_at < s.start <= after_at + 3), None)
        if iso_after is not None and iso_after.lift.pre_exhausts(compound.lift):
            found.append((compound.start, iso_after.end))
    return found


def _word_within(words: Sequence[str], start: int, reach: int, wanted: frozenset[str] | set[str]) -> int | None:
    """The position of the first wanted word among the next `reach` words, if any."""
    for i in range(start, min(len(words), start + reach + 1)):
        if words[i] in wanted:
            return i
    return None


def is_fragment(words: Sequence[str], technique: Sequence[bool]) -> bool:
    """A verbless "technique + verdict word" clause ("pre-exhaust worth it lol"), read as a question."""
    i = 0
    while i < len(words) and words[i] in GREETINGS:
        i += 1
    if i >= len(words) or not technique[i]:
        return False
    while i < len(words) and technique[i]:
        i += 1
    for word in words[i : i + 3]:
        if word in FRAGMENT_WORDS:
            return True
        if word not in _FRAGMENT_SKIP:
            break
    # "pre-exhaust = gains or pains", "… benefits real or imaginary": a verbless either-or ending asks too
    rest = words[i:]
    either = "or" in rest and 1 <= len(rest) - rest.index("or") - 1 <= 3 and rest.index("or") > 0
    return either and not any(w in AUX or w in OPENERS for w in rest)


_QUALIFIERS = frozenset({"for", "on", "in", "with", "at"})


def is_topic(words: Sequence[str], technique: Sequence[bool]) -> bool:
    """A clause that only names the technique, maybe for someone or something ("pre-exhaust for beginners")."""
    i = 0
    while i < len(words) and (technique[i] or words[i] in GREETINGS):
        i += 1
    if not any(technique[:i]) or i == len(words):
        return any(technique[:i])
    rest = words[i + 1 :]
    qualified = words[i] in _QUALIFIERS and 0 < len(rest) <= 4
    return qualified and not any(w in AUX or w in PRONOUNS or technique[j] for j, w in enumerate(rest, i + 1))


# --- who the question is about ------------------------------------------------------------

_ARTICLES = frozenset({"the", "a", "an", "this", "that", "doing", "really", "actually", "even", "just"})
# Things a member makes or schedules with the technique: "the pre-exhaust plan is real?" asks about the plan.
_ARTEFACTS = frozenset(
    {"plan", "plans", "day", "days", "session", "sessions", "workout", "workouts", "class", "log", "logs", "program",
     "programme", "routine", "routines", "template", "templates", "name", "channel", "video", "videos", "post", "bot",
     "command", "sheet", "split", "block", "week", "summary", "summaries", "guide", "article", "page", "card",
     "answer", "answers", "reply", "response", "message"}
)  # fmt: skip
# A made thing named with "the/my/which": "the pre-exhaust plan" is that plan, "pre-exhaust workouts" the kind.
_DETERMINERS = frozenset(
    {"the", "my", "your", "ur", "this", "that", "these", "those", "his", "her", "our", "their", "which", "whose",
     "bots", "coachs"}  # possessives lose their apostrophe: "the bot's plan"
)  # fmt: skip
# "make/get/leave X worse": the intent describes the object; the subject is before the causative verb.
_CAUSATIVES = frozenset({"make", "makes", "made", "making", "get", "gets", "leave", "leaves", "keep", "keeps"})
# Parts of the technique a member tunes: "should the pre-exhaust exercise/sets go to failure", "the bench weight".
_TUNED = frozenset(
    {"exercise", "exercises", "movement", "movements", "set", "sets", "lift", "lifts", "move", "reps", "weight",
     "weights", "load"}
)  # fmt: skip
_CHOICES = frozenset({"which", "what", "who", "where", "when"})
_ORDERING = frozenset({"order", "comes", "goes", "first", "way", "one"})
_COORDINATORS = frozenset({"but", "and", "or", "yet"})
_LEAD_INS = _COORDINATORS | {"so"}
# An opinion's object: "thoughts on pre-exhaust" asks about the technique, "thoughts on the rep ranges" does not.
_ABOUT = frozenset({"on", "about", "of", "regarding", "re"})
# The evidence as the subject and the technique as its object: "does the research support it".
_EVIDENCE_NOUNS = frozenset(
    {"research", "studies", "study", "science", "evidence", "data", "literature", "papers", "experts", "emg"}
)
_SUPPORT_VERBS = frozenset(
    {"support", "supports", "back", "backs", "favor", "favors", "favour", "favours", "confirm", "confirms",
     "show", "shows", "say", "says", "prove", "proves", "validate", "validates", "justify", "recommend"}
)  # fmt: skip
_EVIDENCE_ABOUT = frozenset({"on", "about", "for", "regarding", "re", "behind"})
# A subject that makes "… but does X" or "… or did science kill it" an inverted question.
_SUBJECTS = frozenset({"i", "you", "u", "we", "anyone", "anybody", "science", "research", "studies", "evidence"})


def _subject_after(words: Sequence[str], refs: Sequence[bool], at: int) -> bool:
    """ "how legit is pre-exhaust": the intent comes first and the technique is the inverted subject."""
    j = at + 1
    if j >= len(words) or words[j] not in AUX:
        return False
    j += 1
    while j < len(words) and not refs[j] and words[j] in _ARTICLES:
        j += 1
    return j < len(words) and refs[j]


def _modifies(words: Sequence[str], refs: Sequence[bool], last_ref: int) -> bool:
    """ "the pre-exhaust plan", "my pre-exhaust day": the technique ending at `last_ref` names a kind of made thing."""
    if last_ref + 1 >= len(words) or words[last_ref + 1] not in _ARTEFACTS:
        return False
    if not words[last_ref + 1].endswith("s"):
        return True
    first_ref = last_ref  # "isolation-first workouts" is the kind of session, "my pre-exhaust workouts" are mine
    while first_ref > 0 and refs[first_ref - 1]:
        first_ref -= 1
    return first_ref > 0 and words[first_ref - 1] in _DETERMINERS


def names_only_things(words: Sequence[str], technique: Sequence[bool]) -> bool:
    """Whether every mention of the technique in the clause only modifies a made thing ("the pre-exhaust video")."""
    ends = [j for j, flag in enumerate(technique) if flag and (j + 1 == len(words) or not technique[j + 1])]
    return bool(ends) and all(_modifies(words, technique, j) for j in ends)


def bound(words: Sequence[str], refs: Sequence[bool], at: int) -> bool:
    """Whether the intent word at `at` has the technique (or a pronoun for it) as its subject."""
    last_ref = max((j for j in range(at) if refs[j]), default=None)
    last_aux = max((j for j in range(at) if words[j] in AUX), default=None)
    # "the pre-exhaust plan is real?": the technique names a kind of plan, and the plan is the subject
    modifies = last_ref is not None and last_ref + 1 < at and _modifies(words, refs, last_ref)
    # "is it normal to feel weaker after pre-exhaust": an effect inside the infinitive is not the pronoun's
    expletive = last_ref is not None and words[last_ref] == "it" and "to" in words[last_ref + 1 : at]
    # "does it matter which fly i use": the pronoun stands for a choice to come, not for the technique
    # ("does it matter which order / which comes first" still asks about the order itself)
    following = [*words[at + 1 : at + 3], "", ""]
    choice = following[0] in _CHOICES and following[1] not in _ORDERING
    if last_ref is not None and words[last_ref] == "it" and choice:
        return False
    if last_ref is not None and (last_aux is None or last_aux < last_ref) and not modifies and not expletive:
        return True
    if _subject_after(words, refs, at):
        return True
    if any(refs) and "which" in words[max(0, at - 4) : at]:
        return True  # "pre-exhaust vs post exhaust, which one is better": the technique is one of the options
    if last_ref is not None and last_aux == at - 1 and words[last_aux - 1] in _COORDINATORS:
        # "sounds good in theory but doesnt work": a verb with no subject of its own shares the clause's
        first_verb = next((j for j in range(last_aux) if words[j] in AUX), None)
        first_ref = min(j for j in range(at) if refs[j])
        return first_verb is None or first_ref <= first_verb + 1
    if last_aux is None:
        window = range(at)
    elif last_aux + 1 < at:
        window = range(last_aux + 1, at)
    else:  # "wondering if pre-exhaust is worth it": the subject is before the verb
        window = range(last_ref + 1, last_aux) if last_ref is not None else range(last_aux)
    # "would it make the compound worse": the object of "make" is not the subject
    cut = next((j for j in window if words[j] in _CAUSATIVES), None)
    if cut is not None:
        window = range(window.start, cut)
    # A noun of its own ("does creatine work", "which pre-exhaust plan is better", "can the bot make …") takes
    # the subject; "bot"/"coach" are otherwise read as addressing someone.
    named = {j for j in window if j > 0 and words[j] in {"bot", "coach"} and words[j - 1] in _DETERMINERS}
    return all((words[j] in NON_CONTENT or not words[j].isalpha()) and j not in named for j in window)


def should_do_technique(words: Sequence[str], refs: Sequence[bool]) -> int | None:
    """Where "should I do pre-exhaust", "why would anyone do it", "any reason to do it" start: is it worth using."""
    for i, word in enumerate(words):
        why = word == "why" and i + 1 < len(words) and words[i + 1] in {"would", "do", "does", "should", "even"}
        reason = word in {"reason", "reasons"} and i + 1 < len(words) and words[i + 1] in {"to", "for", "i", "we"}
        if word != "should" and not why and not reason:
            continue
        for j in range(i + 1, min(len(words), i + 7)):
            if refs[j]:
                # "should the pre-exhaust exercise go to failure": the technique names a thing to tune
                follower = words[j + 1] if j + 1 < len(words) else ""
                return None if follower in _ARTEFACTS or follower in _TUNED else i
            if words[j] not in SHOULD_BRIDGE:
                break
    return None


def technique_before(words: Sequence[str], refs: Sequence[bool], at: int) -> bool:
    """Whether the technique, written before `at` with no verb in between, is the subject there."""
    last_ref = max((j for j in range(at) if refs[j]), default=None)
    if last_ref is None or any(words[j] in AUX for j in range(last_ref + 1, at)):
        return False
    if words[last_ref] == "it" and "to" in words[last_ref + 1 : at]:
        return False  # "is it normal to be sore after pre-exhaust": "it" stands for the infinitive
    return last_ref + 1 >= at or words[last_ref + 1] not in _ARTEFACTS


def object_is_technique(words: Sequence[str], refs: Sequence[bool], end: int) -> bool | None:
    """For an opinion ending before `end`: whether its object ("on X") is the technique; None if it has none."""
    if words[end - 1] in _ABOUT:  # the opinion ends with its preposition: "think of"
        j = end
    elif end < len(words) and words[end] in _ABOUT:
        j = end + 1
    else:
        return None
    return _technique_at(words, refs, j)


def _technique_at(words: Sequence[str], refs: Sequence[bool], j: int) -> bool:
    """Whether the noun phrase at `j` ("the pre-exhaust method") is the technique, not a thing made with it."""
    while j < len(words) and not refs[j] and words[j] in _ARTICLES:
        j += 1
    if j >= len(words) or not refs[j]:
        return False
    j += 1
    while j < len(words) and refs[j] and words[j] not in PRONOUNS:  # "on pre-exhaust these days": "these" is not it
        j += 1
    # "thoughts on my pre-exhaust plan" asks about the plan
    return j >= len(words) or (words[j] not in _ARTEFACTS and words[j] not in _TUNED)


def evidence_backs_it(words: Sequence[str], refs: Sequence[bool]) -> bool:
    """ "does the EMG research support it", "the current evidence on pre-exhaust": evidence about the technique."""
    for i, word in enumerate(words):
        if word not in _EVIDENCE_NOUNS:
            continue
        verb = next((j for j in range(i + 1, min(len(words), i + 4)) if words[j] in _SUPPORT_VERBS), None)
        if verb is not None and any(refs[verb + 1 : verb + 4]):
            return True
        # the evidence *on* it, whatever describes the evidence: "whats the latest science on prefatigue"
        if i + 1 < len(words) and words[i + 1] in _EVIDENCE_ABOUT and _technique_at(words, refs, i + 2):
            return True
    return False


def inverted_after_lead_in(words: Sequence[str], refs: Sequence[bool]) -> bool:
    """ "sorry if dumb question but does pre-exhaust work", "… or did science kill it": an inverted question."""
    for i in range(1, len(words) - 1):
        inverted = words[i - 1] in _LEAD_INS and words[i] in AUX
        if inverted and (refs[i + 1] or words[i + 1] in _SUBJECTS):
            return True
    return False


def back_refs(words: Sequence[str], refs: list[bool]) -> list[bool]:
    """Mark "hitting the hammies first" as the technique: a gerund phrase ending in "first" restates it."""
    for i, word in enumerate(words):
        if word.endswith("ing") and len(word) > 4:
            first_at = next((j for j in range(i + 1, min(len(words), i + 5)) if words[j] in FIRST), None)
            if first_at is not None:
                refs[i : first_at + 1] = [True] * (first_at + 1 - i)
    return refs
