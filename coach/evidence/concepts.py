"""Word-level concepts for the evidence matcher: the exercise vocabulary and the small word sets it reads.

The technique is *described* when an isolation lift comes before a compound lift that trains the same
muscle ("flyes before bench", "leg ext then hack squats", "squats after leg extensions"). Lifts are
found by longest match of token n-grams against the exercise catalog (names, aliases, ambiguous words
such as "rows" or "press") plus generic words ("isolation", "iso", "compounds"). Pure Python.
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
_KIND_NOUNS = ("exercise", "exercises", "lift", "lifts", "movement", "movements", "move", "moves")

# Words that name the kind of lift without naming an exercise. Catalog phrases win by longest match,
# so "iso lateral row" (a machine) is a compound row, not the word "iso".
GENERIC_LIFTS: Mapping[tuple[str, ...], Lift] = MappingProxyType(
    {
        **{(w,): _GENERIC_ISO for w in ("isolation", "isolations", "iso", "isos", "singlejoint")},
        ("single", "joint"): _GENERIC_ISO,
        **{(w,): _GENERIC_COMPOUND for w in ("compound", "compounds", "compund", "multijoint")},
        ("multi", "joint"): _GENERIC_COMPOUND,
        # "the small exercise for a muscle first, then the big lift": the kinds of lift told by their size
        **{("small", w): _GENERIC_ISO for w in _KIND_NOUNS},
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
BEFORE = frozenset({"before", "then", "into", "first", "1st", "prior", "preceding", "followed", "beforehand"})
AFTER = frozenset({"after", "following"})
FIRST = frozenset({"first", "1st", "beforehand"})
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
        "seen", "heard", "looked", "found", "into",
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
        if word not in FATIGUE_VERBS | ISOLATE_VERBS:
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
            return False
    return False
