"""How a name resolves to an exercise, and typo-tolerant search over catalog names and aliases.

Resolution (one place for every feature): ``ExerciseIndex.resolve`` for what a member logs (a catalog
exercise, or their own "Custom: …" one), ``ExerciseIndex.reference`` for what a member reads back
(/history, /progress: the catalog exercise or their own of that name) and ``ExerciseIndex.from_app``
for an exercise name in a Strong or Hevy export.

Pure: takes the catalog and the member's recent exercises, returns choices. Scoring, best first:
exact name/alias (1.0) > prefix (0.95) > every query word starts a word of the name (0.9) >
substring (0.85) > fuzzy per-word and whole-string similarity (difflib ratios). Recent exercises that
match well come first, most recent first. Unknown names can only be logged through the explicit
"Custom: …" choice appended at the end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches

from catalog import Catalog, Exercise, normalise_name
from coach.errors import AmbiguousExerciseError, UnknownExerciseError, ValidationError
from coach.text import strip_invisible

# Discord shows at most 25 autocomplete choices.
MAX_CHOICES = 25
# Discord caps a choice's name and value at 100 characters; custom names stay well below.
MAX_CUSTOM_NAME = 60
CUSTOM_PREFIX = "custom:"
# Discord caps an option value at 100 characters; a forged longer one is cut before any scoring, which
# costs time in proportion to the text (6 000 characters once blocked the event loop for seconds).
MAX_QUERY_LENGTH = 100

# Below this a match is noise ("row" vs "crow"); above STRONG it's confident enough to jump the queue.
_MIN_SCORE = 0.6
_STRONG_SCORE = 0.8


# Equipment that adds no load you could weigh: with only these, weight 0 means "body weight, nothing added"
# (push-ups, pull-ups on a bar, bench dips, band work).
LOAD_FREE_EQUIPMENT = frozenset({"bodyweight", "pullup_bar", "dip_bars", "bench", "band"})
# What the bracketed equipment in an app's exercise name ("Lat Pulldown (Cable)") may match in the catalog.
# Cable and machine stay apart: "Seated Row (Machine)" is the machine row, not the cable row.
_EQUIPMENT_WORDS: dict[str, frozenset[str]] = {
    "barbell": frozenset({"barbell"}),
    "dumbbell": frozenset({"dumbbell"}),
    "cable": frozenset({"cable"}),
    "machine": frozenset({"machine"}),
    "plate loaded": frozenset({"machine"}),
    "smith machine": frozenset({"smith_machine"}),
    "kettlebell": frozenset({"kettlebell", "dumbbell"}),
    "ez bar": frozenset({"ez_bar"}),
    "band": frozenset({"band"}),
    "resistance band": frozenset({"band"}),
    "bodyweight": LOAD_FREE_EQUIPMENT,
    "body weight": LOAD_FREE_EQUIPMENT,
}


@dataclass(frozen=True, slots=True)
class ResolvedExercise:
    """An exercise as a member named it: a catalog entry (``exercise``) or their own (custom) exercise."""

    key: str
    name: str
    exercise: Exercise | None
    custom_name: str | None = None
    suggestions: tuple[str, ...] = ()
    # For a name that fits several catalog exercises equally (kept as the member's own): those exercises.
    candidates: tuple[Exercise, ...] = ()

    @classmethod
    def of(cls, exercise: Exercise) -> ResolvedExercise:
        """A catalog exercise."""
        return cls(key=exercise.id, name=exercise.name, exercise=exercise)

    @classmethod
    def custom(cls, name: str, suggestions: Sequence[str] = ()) -> ResolvedExercise:
        """The member's own exercise of that name."""
        cleaned = clean_custom_name(name)
        return cls(
            key=custom_key(cleaned), name=cleaned, exercise=None, custom_name=cleaned, suggestions=tuple(suggestions)
        )


def allows_zero_weight(exercise: Exercise | None) -> bool:
    """Lifts where the body is (part of) the load, lifts without loading equipment and custom exercises
    may be logged with weight 0 (nothing added, or no assistance)."""
    return exercise is None or exercise.uses_bodyweight or set(exercise.equipment) <= LOAD_FREE_EQUIPMENT


def _singular(folded: str) -> str:
    """ "standing leg curls" as "standing leg curl": apps and members pluralise freely."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in folded.split())


def _split_bracket(name: str) -> tuple[str, str] | None:
    """ "Bench Press (Barbell)" as ("Bench Press", "Barbell"); None without a final bracket."""
    # Plain string search, not a regex: a lazy name group before optional blanks is quadratic on long input.
    if not name.endswith(")"):
        return None
    opening = name.rfind("(")
    base, equipment = name[:opening].strip(), name[opening + 1 : -1]
    if opening < 0 or not base or not equipment or ")" in equipment:
        return None
    return base, equipment


def _equipment_in(qualifier: str) -> frozenset[str] | None:
    """The catalog equipment an app's bracket names ("cable straight bar" names cable), or None."""
    if qualifier in _EQUIPMENT_WORDS:
        return _EQUIPMENT_WORDS[qualifier]
    words = qualifier.split()
    for label, equipment in _EQUIPMENT_WORDS.items():
        if all(w in words for w in label.split()):
            return equipment
    return None


def _name_words(exercise: Exercise) -> set[str]:
    """The words of an exercise's name other than its equipment ("Incline Dumbbell Press": incline, press)."""
    equipment_words = {w for label in _EQUIPMENT_WORDS for w in label.split()} | {"ez", "bar", "db", "bb"}
    return set(_singular(normalise_name(exercise.name)).split()) - equipment_words


def _strip_custom_prefix(raw: str | None) -> tuple[str, bool]:
    text = (raw or "").strip()
    if text.lower().startswith(CUSTOM_PREFIX):
        return text[len(CUSTOM_PREFIX) :].strip(), True
    return text, False


@dataclass(frozen=True, slots=True)
class RecentExercise:
    """An exercise the member logged recently: its key (catalog id or ``custom:<name>``) and display name."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class ExerciseChoice:
    """One autocomplete choice: ``value`` is a catalog id or ``custom:<name>``; ``label`` is shown."""

    value: str
    label: str

    @property
    def is_custom(self) -> bool:
        """True for the explicit custom-exercise choice."""
        return self.value.startswith(CUSTOM_PREFIX)


def custom_key(name: str) -> str:
    """Storage key of a custom exercise: ``custom:`` plus its folded name, so spelling variants of case merge."""
    return CUSTOM_PREFIX + normalise_name(name)


def clean_custom_name(name: str) -> str:
    """A custom name as stored and shown: no invisible formatting characters, spaces trimmed and collapsed."""
    # Bidi overrides and zero-width characters would make a public title read differently than it is.
    return " ".join(strip_invisible(name).split())


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _word_similarity(q: str, w: str) -> float:
    """How alike a typed word and a catalog word are (1.0 when the word starts with what was typed)."""
    if w.startswith(q):
        return 1.0
    # A typo in a partly typed word: compare with the same-length prefix too ("benc" vs "bench").
    return max(_similarity(q, w), _similarity(q, w[: len(q)]) if len(q) >= 3 else 0.0)


def _score(query: str, query_words: Sequence[str], candidate: str, word_sims: Sequence[dict[str, float]]) -> float:
    """How well a folded query matches one folded name or alias (0..1).

    ``word_sims[i][w]`` is the similarity of query word ``i`` to catalog word ``w``, computed once per query.
    The band decides the order (exact > prefix > word prefixes > substring > fuzzy); within a band,
    whole-string similarity breaks ties, so "lat pulldwn" ranks Lat Pulldown above Close-Grip Lat Pulldown.
    """
    if query == candidate:
        return 1.0
    cand_words = candidate.split()
    if candidate.startswith(query):
        band = 0.95
    elif query_words and all(any(w.startswith(q) for w in cand_words) for q in query_words):
        band = 0.9
    elif query in candidate:
        band = 0.85
    else:
        # Typo tolerance: each query word against its best-matching word of the candidate, so word order
        # and extra words ("bench" vs "barbell bench press") don't sink the score.
        per_word = [max((sims.get(w, 0.0) for w in cand_words), default=0.0) for sims in word_sims]
        word_score = sum(per_word) / len(per_word) if per_word else 0.0
        matcher = SequenceMatcher(None, query, candidate, autojunk=False)
        whole = matcher.ratio() if matcher.quick_ratio() * 0.8 >= _MIN_SCORE else 0.0
        return 0.8 * max(word_score, whole) + 0.04 * whole
    return band + 0.04 * _similarity(query, candidate)


class ExerciseIndex:
    """Pre-folded names and aliases of a catalog, built once and searched on every keystroke."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._entries: list[tuple[str, Exercise]] = []
        for ex in catalog.exercises:
            for label in (ex.name, *ex.aliases):
                folded = normalise_name(label)
                if folded:
                    self._entries.append((folded, ex))
        self._vocabulary = sorted({w for folded, _ in self._entries for w in folded.split()})
        self._cache: dict[str, dict[str, tuple[float, Exercise]]] = {}

    def score_all(self, query: str) -> dict[str, tuple[float, Exercise]]:
        """Best score per exercise id for a raw query (only scores at or above the noise floor)."""
        folded = normalise_name(query[:MAX_QUERY_LENGTH])
        cached = self._cache.get(folded)
        if cached is not None:
            return cached
        words = folded.split()
        # Each typed word against each distinct catalog word, once: far cheaper than per name and alias.
        word_sims = [{w: _word_similarity(q, w) for w in self._vocabulary} for q in words]
        best: dict[str, tuple[float, Exercise]] = {}
        for candidate, ex in self._entries:
            s = _score(folded, words, candidate, word_sims)
            if s >= _MIN_SCORE and s > best.get(ex.id, (0.0, ex))[0]:
                best[ex.id] = (s, ex)
        # Members type the same prefixes again and again; a small bounded cache keeps keystrokes cheap.
        if len(self._cache) >= 1024:
            self._cache.clear()
        self._cache[folded] = best
        return best

    def search(
        self,
        query: str,
        recent: Iterable[RecentExercise] = (),
        limit: int = MAX_CHOICES,
    ) -> list[ExerciseChoice]:
        """Autocomplete choices for ``query``: recent strong matches first, then by score, then Custom."""
        limit = max(1, min(limit, MAX_CHOICES))
        query = query[:MAX_QUERY_LENGTH]
        recent = list(dict.fromkeys(recent))
        folded = normalise_name(query)
        choices: list[ExerciseChoice] = []
        seen: set[str] = set()

        def add(value: str, label: str) -> None:
            if value not in seen and len(choices) < limit:
                seen.add(value)
                choices.append(ExerciseChoice(value=value, label=label[:100]))

        # Catalog exercises that were renamed or removed since: show today's name, drop the gone ones.
        recent = [self._current(r) for r in recent if r.key.startswith(CUSTOM_PREFIX) or r.key in self.catalog]

        if not folded:
            for r in recent:
                add(self._value_for(r), r.name)
            for ex in sorted(self.catalog.exercises, key=lambda e: e.name.casefold()):
                add(ex.id, ex.name)
            return choices

        scores = self.score_all(query)
        for r in recent:
            if r.key.startswith(CUSTOM_PREFIX):
                words = folded.split()
                custom = normalise_name(r.name)
                sims = [{w: _word_similarity(q, w) for w in custom.split()} for q in words]
                s = _score(folded, words, custom, sims)
            else:
                s = scores.get(r.key, (0.0, None))[0]
            if s >= _STRONG_SCORE:
                add(self._value_for(r), r.name)
        ranked = sorted(scores.values(), key=lambda pair: (-pair[0], pair[1].name.casefold()))
        exact = self.catalog.find(query) is not None
        # Keep the last slot for "Custom: …" so an unknown name can always be chosen explicitly.
        room = limit - (0 if exact else 1)
        for _, ex in ranked:
            if len(choices) >= room:
                break
            add(ex.id, ex.name)
        if not exact:
            name = clean_custom_name(query)[:MAX_CUSTOM_NAME]
            add(CUSTOM_PREFIX + name, f"Custom: {name}")
        return choices

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Up to ``n`` catalog exercise names that a mistyped ``name`` probably meant, best first."""
        name = name[:MAX_QUERY_LENGTH]
        folded = normalise_name(name)
        if not folded:
            return []
        ranked = sorted(self.score_all(name).values(), key=lambda pair: (-pair[0], pair[1].name.casefold()))
        names = [ex.name for s, ex in ranked if s >= 0.7][:n]
        if len(names) < n:
            # difflib over whole strings catches transpositions the word scorer rates low.
            by_label = dict(self._entries)
            for label in get_close_matches(folded, list(by_label), n=n * 2, cutoff=0.75):
                ex_name = by_label[label].name
                if ex_name not in names:
                    names.append(ex_name)
                if len(names) >= n:
                    break
        return names

    def match(self, name: str) -> Exercise | tuple[Exercise, ...] | None:
        """The one rule for what a name means, for typed names and app export names alike: the catalog
        exercise it names, the exercises it could equally name (ambiguous), or None.

        In order: an id or exact name/alias; an ambiguous word; "Base (Qualifier)" as the app's equipment
        or kind ("(Assisted)", "(Weighted)"); "Base - Close Grip" grip variants; plurals.
        """
        text = name.strip()[:MAX_QUERY_LENGTH]
        if not text:
            return None
        if text in self.catalog:
            return self.catalog.get(text)
        ambiguous = self.catalog.ambiguous(text)
        if ambiguous:
            return ambiguous
        found = self.catalog.find(text)
        if found is not None:
            return found
        bracket = _split_bracket(text)
        if bracket is not None:
            return self._qualified(*bracket)
        if " - " in text:
            base, _, qualifier = text.partition(" - ")
            grip = normalise_name(qualifier)
            if "grip" in grip.split():
                # Strong writes grips after a dash: "Lat Pulldown - Close Grip" is its own lift, other grips aren't.
                return self.catalog.find(f"close grip {base}") if "close" in grip.split() else self.match(base)
            return None
        folded = normalise_name(text)
        singular = _singular(folded)
        if singular != folded:
            return self.match(singular)
        return None

    def _qualified(self, base: str, qualifier: str) -> Exercise | tuple[Exercise, ...] | None:
        """ "Base (Qualifier)": the qualifier is equipment ("Cable"), a kind ("Assisted", "Weighted") or a note."""
        q = normalise_name(qualifier)
        if q == "assisted":
            return self.catalog.find(f"assisted {base}")
        for candidate in (f"{q} {base}", f"{base} {q}"):
            found = self.catalog.find(candidate)
            if found is not None:
                return found
        plain = self.match(base)
        if plain is None:
            return None
        equipment = _equipment_in(q)
        choices = plain if isinstance(plain, tuple) else (plain,)
        if q == "weighted":
            fitting = tuple(ex for ex in choices if ex.uses_bodyweight)
        elif equipment is not None:
            # "Squat (Dumbbell)" is not the barbell back squat: the bracket must fit the catalog's equipment.
            fitting = tuple(ex for ex in choices if set(ex.equipment) & equipment)
        else:
            fitting = choices  # a note such as "(Weighted Hyperextension)" doesn't change the lift
        if not fitting and equipment is not None and isinstance(plain, Exercise):
            # "Bicep Curl (Barbell)": the same lift with other equipment is one of its substitutes.
            # Only a substitute named like it ("Barbell Curl" for "Bicep Curl"), not any same-muscle lift.
            words = set(_singular(normalise_name(base)).split())
            fitting = tuple(
                sub
                for sub in map(self.catalog.get, plain.substitutes)
                if set(sub.equipment) & equipment and _name_words(sub) <= words
            )[:1]
        if not fitting:
            return None
        return fitting[0] if len(fitting) == 1 else fitting

    def resolve(self, raw: str | None, *, custom: bool = False) -> ResolvedExercise:
        """What a member logs: a catalog exercise by id, name or alias, or (when chosen explicitly, or
        with the ``custom:`` prefix autocomplete gives it) their own exercise. Raises AmbiguousExerciseError
        for a name that fits several exercises, UnknownExerciseError for one that fits none."""
        text, prefixed = _strip_custom_prefix(raw)
        if not text:
            raise ValidationError("Pick an exercise from the list.", field="exercise")
        found = self.match(text)
        if isinstance(found, Exercise):
            # "Custom: Bench Press" is still the catalog's bench press: one history, one PR line.
            return ResolvedExercise.of(found)
        if not (custom or prefixed):
            if found:
                raise AmbiguousExerciseError(text, [(ex.id, ex.name) for ex in found])
            raise UnknownExerciseError(text, self.suggest(text))
        name = clean_custom_name(text)
        if len(name) > MAX_CUSTOM_NAME:
            raise ValidationError(
                f"Custom exercise names can be at most {MAX_CUSTOM_NAME} characters — yours has {len(name)}.",
                field="exercise",
            )
        if not normalise_name(name):
            raise ValidationError("A custom exercise name needs at least one letter or digit.", field="exercise")
        return ResolvedExercise.custom(name, self.suggest(name))

    def reference(self, raw: str | None) -> ResolvedExercise:
        """What a member reads back: the catalog exercise of that name, else the key their own exercise of
        that name is stored under (whether or not they have one). Ambiguous names raise, as in ``resolve``."""
        text, prefixed = _strip_custom_prefix(raw)
        if not text:
            raise ValidationError("Pick an exercise from the list.", field="exercise")
        found = self.match(text)
        if isinstance(found, Exercise):
            return ResolvedExercise.of(found)
        if found and not prefixed:
            raise AmbiguousExerciseError(text, [(ex.id, ex.name) for ex in found])
        return ResolvedExercise.custom(text[:100], self.suggest(text))

    def from_app(self, name: str) -> ResolvedExercise:
        """An exercise name from a Strong or Hevy export, e.g. "Lat Pulldown (Cable)", as the catalog exercise
        it names, else as the member's own exercise (with ``candidates`` when it could be several)."""
        found = self.match(name)
        if isinstance(found, Exercise):
            return ResolvedExercise.of(found)
        resolved = ResolvedExercise.custom(name)
        return resolved if not found else dataclasses.replace(resolved, candidates=found)

    def for_row(self, key: str, name: str, exercise_id: str | None, custom_name: str | None) -> ResolvedExercise:
        """A stored set's exercise as it is today (a catalog exercise removed since reads as its stored name)."""
        found = self.catalog.get(exercise_id) if exercise_id is not None and exercise_id in self.catalog else None
        return ResolvedExercise(key=key, name=name, exercise=found, custom_name=custom_name)

    def _current(self, recent: RecentExercise) -> RecentExercise:
        if recent.key.startswith(CUSTOM_PREFIX):
            return recent
        return RecentExercise(key=recent.key, name=self.catalog.get(recent.key).name)

    def _value_for(self, recent: RecentExercise) -> str:
        if recent.key.startswith(CUSTOM_PREFIX):
            return CUSTOM_PREFIX + recent.name[:MAX_CUSTOM_NAME]
        return recent.key


def search(
    catalog: Catalog, query: str, recent: Iterable[RecentExercise] = (), limit: int = MAX_CHOICES
) -> list[ExerciseChoice]:
    """Autocomplete choices for ``query`` (builds a throw-away index; hold an ExerciseIndex when hot)."""
    return ExerciseIndex(catalog).search(query, recent, limit)


def suggest(catalog: Catalog, name: str, n: int = 3) -> list[str]:
    """Catalog names a mistyped ``name`` probably meant."""
    return ExerciseIndex(catalog).suggest(name, n)
