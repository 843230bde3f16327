"""Recognise chat questions about pre-exhaust from concepts, not phrasings (issue #13).

A message is a SUMMARY question when a clause is about the technique (named by any spelling, typo or
loan word, or described: an isolation lift before a compound for the same muscle, "iso before
compounds"), is asked (a question mark, a question opener, "I wonder", a slang ending such as "or nah",
or a verbless "pre-exhaust worth it") and asks about its effect, worth or evidence, with the technique
as the subject. It is a STUDIES request when it asks for the sources themselves (link, source, DOI,
PubMed, citation, "list the studies"). Scheduling and logistics ("which day", "how many sets", "what
weight"), exercise choices ("leg press or hack squat after leg extensions") and statements are neither, and so
is a question the member quotes, reports or refuses (coach/evidence/reading.py, which also normalizes the text).
Pure Python, no Discord import; see docs/evidence-matcher.md.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from catalog import Catalog
from coach.evidence.concepts import (
    AFTER,
    AUX,
    BEFORE,
    FRAGMENT_WORDS,
    GENERIC_LIFTS,
    GREETINGS,
    IMPERATIVES,
    OPENERS,
    PRONOUNS,
    Lift,
    Span,
    back_refs,
    bound,
    catalog_lifts,
    described_spans,
    evidence_backs_it,
    fatigue_spans,
    find_lifts,
    inverted_after_lead_in,
    is_fragment,
    is_topic,
    names_only_things,
    object_is_technique,
    should_do_technique,
    technique_before,
)
from coach.evidence.reading import (
    PE,
    has_own_topic,
    is_command,
    is_elliptical,
    normalize,
    quoted_lines,
    reported_at,
    without_disowned,
)
from coach.evidence.reading import mentions_pre_exhaust as mentions_pre_exhaust  # re-exported for older callers

# Only the start of a message is read: enough for any real question, and a hard bound on matching time.
MAX_MATCHED_CHARS = 500


class QuestionKind(StrEnum):
    """What a chat question asks for: the evidence summary or the list of studies."""

    SUMMARY = "summary"
    STUDIES = "studies"


# --- what a clause asks ------------------------------------------------------------------------
# Each pattern runs on one clause's words joined by single spaces, so every alternative is a plain
# word list between boundaries: no nested or overlapping repeats, linear on any text.

# Intents about the technique's effect, worth or evidence; the technique must be their subject.
_SUBJECT_BOUND = [
    re.compile(p)
    for p in (
        # "from work", "after work" are the job, not the technique working
        r"(?<!\bfrom )(?<!\bafter )(?<!\bat )(?<!\bbefore )\b(?:work|works|working|worked)\b"
        r"(?! (?:out|outs|on|today|tonight|tomorrow|session|day|days|sheet|split|load|capacity)\b)",
        r"\b(?:worth|worthwhile|worthit)\b",
        r"\b(?:effective|efective|effectve|efficient|efficacious|efficacy|ineffective|productive|effectiveness)\b",
        r"\b(?:legit|legitimate|overrated|underrated|myth|meme|scam|hype|overhyped|placebo|bs|bullshit|"
        r"nonsense|pointless|useless|waste|gimmick|broscience|garbage|trash|crap|junk|fad|cope|debunked|"
        r"disproven|outdated|obsolete|snakeoil|wasting|wasted|counterproductive|overkill|suboptimal)\b|"
        # "is pre-exhaust a reasonable way to ...", not "a reasonable weight" or "a valid pre-exhaust pair"
        r"\b(?:reasonable|sensible|viable|valid)\b(?! (?:\ue000 )?(?:weight|amount|number|load|rest|reps?|sets?|"
        r"time|pair|pairing|combo|combination|substitute|swap|exercises?|choice)\b)|"
        # whether it survives scrutiny: "does the principle hold up in trained people"
        r"\b(?:hold|holds|held|holding|stand|stands) up\b|"
        r"\bbro science\b|\bsnake oil\b|\b(?:made|make|makes) (?:that |it |this )?up\b|"
        # "is it dumb to do skullcrushers first", not "dumb question: ..."
        # ... nor "bad knees": an adjective of a body part is the member's injury, not a verdict
        r"\b(?:dumb|stupid|silly|bad)\b(?! (?:q|qs|question|questions|day|form|sleep|week|night|knees?|backs?|"
        r"shoulders?|elbows?|wrists?|hips?|joints?|ankles?|neck)\b)|"
        # "is pre-fatigue actually a thing or ...": asking whether it is real
        r"\ba (?:real |legit |actual )?thing(?: or| and| tho| lol| anymore| still|$)|"
        # predicate only: "is it real or cap", not "the real name"; "dead" only of the technique itself
        r"\b(?:real|fake|cap)(?: or| and| tho| lol|$)|(?:\ue000|\bit|\bthat) (?:is |now |really )?dead\b",
        r"\b(?:any|much) good\b(?! (?:\ue000 )?(?:tips|ideas|exercises|videos|programs?|plans?|links|resources|"
        r"routines?|options|alternatives)\b)|\bgood (?:for|or|idea)\b|\bgood$|\bhow good\b|\bbad (?:for|idea)\b|"
        # a verdict on it as a method: "is pre-exhaust a good strategy", not "a good way to set it up"
        r"\b(?:good|great|decent|solid|effective|smart|legit|bad|poor) (?:method|strategy|technique|approach|"
        r"way|principle|tactic)\b(?! to\b)",
        r"\b(?:help|helps|helped|helping|helpful|useful|beneficial|benefit|benefits|advantage|advantages|pros|"
        r"cons|upside|upsides|downside|downsides|drawback|drawbacks|disadvantage|disadvantages|negatives)\b"
        r"(?! (?:me )?(?:with|set|setting|plan|planning|program|programming|log|logging)\b)|"
        r"\b(?:fix|fixes|solve|solves|cure|cures|remedy)\b|\bresults?\b|"
        # an outcome it improves, not a load to raise: "increase weight on the pre-exhaust sets"
        r"\b(?:improve|improves|improved|boost|boosts|increase|increases|enhance|enhances|maximi[sz]e|"
        r"maximi[sz]es|optimi[sz]e|optimi[sz]es)\b(?! (?:the |my )?(?:weight|reps|sets|load|rest|volume)\b)",
        # "whats the difference between pre-exhaust and a superset" asks for a definition
        r"\b(?:matter|matters|mattered)\b|(?<!whats the )(?<!what is the )(?<!whats a )\bdifference\b|"
        r"\b(?:any|the) point\b|\bpoint (?:of|in|to|doing)\b|"
        r"\b(?:do|does|did|doing) (?:anything|much|something|nothing)\b",
        r"\b(?:better|worse|superior|inferior|outperforms?|compare|compares|comparison|wins?|beats?)\b|"
        r"\bstacks? up\b",
        r"\b(?:vs|versus|than|compared to|compared with) (?:the |a |just |doing )?"
        r"(?:(?:traditional|normal|regular|straight|standard|conventional|usual|classic|plain)\b|no \ue000|"
        r"(?:compounds?|pressing) first\b)",
        r"\b(?:grow|grows|growing|growth|gains|gain|size|bigger|hypertrophy|mass|strength|stronger|weaker|"
        r"stimulus|activation|recruitment|pump|plateau|plateaus|plateaued|stall|stalls|"
        r"stalled|stalling|lagging)\b|\b(?:build|builds|building|more|extra) (?:\w+ )?muscle\b|"
        r"\bbring (?:\w+ )?up\b|\btakes? over\b|"
        # the weak-link mechanism as an outcome: "more chest into the bench", "more work on rows"
        r"\b(?:more|less) (?:chest|pec|pecs|quads?|lats?|triceps|tris|biceps|delts?|glutes|hamstrings|hams|"
        r"work|tension|fibers|fibres)\b|"
        # ... or the muscle hit harder: "make bench hit the pecs more"
        r"\b(?:chest|pec|pecs|quads?|lats?|triceps|tris|biceps|delts?|glutes|hamstrings|hams|muscle|muscles) "
        r"(?:more|harder)\b",
        r"\b(?:science|scientific|scientifically|research|researched|studies|study|evidence|proof|proven|"
        r"prove|data|literature|backed|supported|paper|papers|experts|studied|tested|investigated|examined)\b|"
        r"\bmeta analys[ie]s\b|\bpeer reviewed\b",
        r"\b(?:true|correct|accurate)\b|\b(?:he|she|it|that|this|they|thats|hes|shes|theyre) (?:\w+ )?right\b|"
        r"\b(?:whos|who is|who) (?:is )?(?:right|correct)\b",
        r"\b(?:hurt|hurts|hurting|ruin|ruins|ruined|kill|kills|wreck|wrecks|compromise|compromises)\b",
        r"\b(?:yay|yea|yeah) or nay\b|\bhit or miss\b|\byes or no\b",
        r"\bsave[sd]? (?:\w+ )?time\b|\bsaving (?:\w+ )?time\b|\btime (?:efficient|saver|saving)\b|\bless time\b",
        r"\b(?:necessary|needed|optimal|smart|smarter|wiser|mistake)\b|\b(?:get|gets|getting) around\b|"
        r"\bbypass(?:es)?\b|\b(?:good|bad|dumb|smart) idea\b|\bmakes? sense\b",
        # loan-language efficacy, verdict and evidence words (es, pt, it, de, nl, fr, pl)
        r"\b(?:funciona|funcionam|funcione|vale|sirve|bueno|buena|buono|bom|funziona|funktioniert|bringt|lohnt|"
        r"sinnvoll|quatsch|unsinn|wirksam|effektiv|werkt|helpt|marche|dziala|dzialaja|"
        r"fonctionne|efficace|eficaz|efectivo|eficiente|ciencia|estudos|estudios|evidencia|studien|"
        r"wissenschaft|onderzoek|wetenschap|etudes)\b",
    )
]
# "would pre-exhaust help with a weak chest", not "can you help with my pre-exhaust plan": these intents count
# only with the technique written before them as their subject.
# Effects on a load or the joints count only so too: "does pre-exhaust lower the weight", not "should i lower it".
_AFTER_SUBJECT = [
    re.compile(r"\b(?:help|helps|helped) with\b"),
    # joints and soreness: "is pre-exhaust easier on the shoulders", not "is the pain after pre-exhaust normal"
    re.compile(
        r"\b(?:easier|easy|gentler|gentle|kinder|harder|rough|tough) on\b|"
        r"\b(?:joints?|sore|soreness|doms|recovery|pain|painful)\b"
    ),
    re.compile(r"\b(?:lower|lowers|reduce|reduces|decrease|decreases|limit|limits|affect|affects|impact|impacts)\b"),
]
# "does pre-exhaust work with machines", "better with dumbbells or barbells": a choice of equipment, not an effect
_EQUIPMENT = r"(?:machines?|dumbbells?|dbs?|barbells?|cables?|bands?|kettlebells?|kbs?|bodyweight|smith|free weights)"
_EQUIPMENT_CHOICE = re.compile(rf" (?:with|using|on) (?:only |just )?(?:the |a |an )?{_EQUIPMENT}\b")
# "how does pre-exhaust work" asks for the mechanism, not whether it works ("how well does it work" does).
_MECHANISM = re.compile(
    r"\bhow (?:does|do|did|would|will|can|could) (?:\S+ ){1,4}?(?:work|works)\b|"
    # "how is pre-exhaust meant to work", "why is it supposed to work": the rationale, not whether it works
    r"\b(?:how|why) (?:\S+ ){1,5}?(?:meant|supposed|thought|said|claimed) to (?:work|help)\b"
)
# Softer intents (an opinion, a recommendation): a date in the same sentence makes them plans instead.
_WEAK = [
    re.compile(p)
    for p in (
        r"\b(?:recommend|recommended|recommendation|suggest|suggested)\b",
        r"\b(?:verdict|thoughts|opinion|opinions|consensus|views)\b|\btake on\b|\byour take\b|"
        # asked of someone: "what do you think of pre-exhaust", not "i think about pre-exhaust a lot"
        r"\b(?:what|how) (?:do|does|did|would) (?:\w+ ){1,8}?(?:think|feel) (?:of|about)\b",
        # "pre-exhaust or straight sets?" asks which is better, unless it is a choice for a dated session
        r"\bor (?:the |a |just |doing )?(?:(?:traditional|normal|regular|straight|standard|conventional|usual|"
        r"classic|plain)\b|no \ue000|(?:compounds?|pressing) first\b)",
    )
]
_EMBEDDED_QUESTION = re.compile(
    r"\b(?:wonder|wondering|wondered|curious|idk|dunno|unsure|whether|asking)\b|\bnot sure\b|\bis it true\b|"
    r"\btell me\b|\b(?:any|some)(?:one|body) know\b|\bi want to know\b|\bquestion about\b|"
    # an order for a verdict is a question too: "give me the verdict on pre-fatigue", "gimme your honest take"
    r"\b(?:give|gimme) (?:me |us )?(?:the |your |ur |a |an )?(?:\w+ )?(?:verdict|take|opinion|thoughts)\b|"
    r"\bwhich (?:one|is|are|builds?|works?|gives?|gets?|way|grows?|makes?|wins?|does|do|would|should)\b|"
    # a question after a lead-in: "on a scale of 1-10 how legit is pre-exhaust"
    r"\b(?:how|what|why) (?:\w+ )?(?:is|are|does|do|did|would|will|can)\b|"
    # doubt that invites an answer: "not convinced prefatigue does anything", "change my mind"
    r"\b(?:convinced|skeptical|sceptical|doubt|doubtful|confused)\b|\bchange my mind\b|"
    r"\bprove me wrong\b|\bconvince me\b|\bwho is right\b|\bwhos right\b|\bsurely\b|"
    # a question embedded after a verb of knowing: "help me understand if pre-exhaust works"
    r"\b(?:know|understand|explain|figure out|find out|clarify|check|decide|ask) (?:if|whether)\b|"
    # a modal before a possessive subject: "... will my quads grow more"
    r"(?<!\bi )\b(?:would|will|could|can|should) (?:my|your|ur)\b|"
    # an inverted verb after a lead-in: "as an intermediate lifter would i benefit from ..."
    r"(?<!\bwhat )(?<!\bhow )(?<!\bwhen )(?<!\bif )(?<!\bthat )(?<!\bas )\b(?:would|should|could|will|can|do|am|did) "
    r"(?:i|you|u|we)\b"
)
# "does that include pre-exhaust?" after a claim ("order doesnt matter"): asks whether the claim covers it.
_APPLIES = re.compile(r"\b(?:include|includes|apply|applies|cover|covers|count|counts|hold|holds|extend|extends)\b")
# Slang endings that make a statement a question: "worth it or nah", "does it work or not".
_SLANG_QUESTION = re.compile(r"\bor (?:nah\w*|na|naw|nope|not|no|what|nay|cap|naur)\b|\by n\b|\bo no\b")
# Logistics and scheduling: the member is planning a session, not asking whether the technique works.
_LOGISTICS = re.compile(
    # executing a set: "should the pec deck go to failure", "leave reps in reserve", "does that look right?"
    r"\b(?:should|must|do|does|can) (?:\S+ ){0,5}?(?:be|go|taken|take|push) (?:\w+ )?to failure\b|"
    r"\breps in reserve\b|\brir\b|"
    # the load or the count to use: "should the flyes be heavy or light", "1 set or 2 sets of flyes"
    r"\b(?:heavy|heavier|light|lighter) or (?:heavy|heavier|light|lighter)\b|"
    r"\b(?:\d+|one|two|three|four|five) (?:sets?|reps?|rounds?) or (?:\d+|two|three|four|five|six)\b|"
    r"\b(?:\d+|one|two|three|four|five) or (?:\d+|two|three|four|five|six) (?:sets?|reps?|rounds?|exercises?)\b|"
    r"\b(?:look|looks) (?:right|ok|okay|fine|correct|alright)\b|"
    r"\bhow many (?:sets|reps|rounds|exercises|times|days|minutes|mins|seconds|secs|weeks|months|sessions|"
    r"workouts)\b|"
    r"\bhow much (?:weight|rest|time|kg|lbs?|load|lighter|heavier)\b|"
    # "how much should i drop the bench weight after pec deck": a load the member sets
    r"\bhow much (?:should|do|can|would|must) (?:i|we|u|you) (?:\w+ ){0,4}?(?:weight|load|kg|lbs?)\b|"
    r"\b(?:what|which) (?:weight|reps|day|days|time|size|percent|percentage)\b|\bby how much\b|"
    # "which order should i do them in" plans; "which order is better for bigger arms" compares the orders
    r"\b(?:what|which) order\b(?! (?:is|would be|works|builds|grows|gives) (?:\w+ )?(?:better|worse|more|faster)\b)|"
    r"\b(?:how heavy|how long|how often)\b|"
    r"\b(?:rep range|rest day|rest between|rest time|spotter|schedule|scheduled|weekend)\b|"
    r"\bday or (?:a |the |on )?\w+ day\b|"  # "on leg day or push day": which day
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|thurs|tues)\b|"
    # how often: "2x a week or 3x", "twice per week"
    r"\b(?:once|twice|thrice|\d+x|\d+ times|x) (?:a|per|each|every) (?:week|day|session|workout|month)\b|"
    # which equipment: "cables or dumbbells for the pre-exhaust move"
    rf"\b{_EQUIPMENT} or (?:the |a )?{_EQUIPMENT}\b"
)
# How often the member trains in general is background, not a schedule for the technique:
# "the verdict on pre-exhaust for someone training 3x a week", unlike "should i pre-exhaust legs twice a week".
_BACKGROUND = re.compile(
    r"\b(?:someone|somebody|people|person|guy|lifters?|who|i|im|we) (?:\w+ )?(?:train|trains|training|lift|lifts|"
    r"lifting|go|goes|going)(?: to the gym)? (?:only )?(?:once|twice|thrice|\d+x|\d+ times|x) (?:a|per) week\b"
)
_REPORTS = frozenset({"said", "says", "told", "claimed", "claims", "posted", "wrote", "mentioned", "swears", "thinks"})
_WHEN = re.compile(r"\b(?:today|tonight|tomorrow|tmrw|tmr|later|this week|next week|this morning|this evening)\b")
_HOW_TO = re.compile(
    r"\bhow (?:do|can|should|would|could) (?:i|we|u)\b|\bhow to\b|"
    r"\bhow (?:you|u|i|we) (?:set|setup|program|structure|run|arrange|order)\b|"
    # a definition: "is pre-exhaust when you do the isolation first or the compound first?"
    r"\bis (?:\ue000|it) (?:when|where) (?:you|u|i|we)\b"
)
# Asking for the sources themselves (the studies list), not for what they conclude.
_SOURCE_REQUEST = [
    re.compile(p)
    for p in (
        # "link me the pre-exhaust plan" asks for a plan, not the sources
        r"(?<!weak )(?<!weakest )\b(?:link|links|linked)\b(?! (?:me |us )?(?:to |for )?"
        r"(?:the |a |my |your |that |this )?(?:\ue000 )?(?:plan|plans|routine|routines|video|videos|program|template|"
        r"channel|workout|session|log|sheet|split|summary|guide|post|answer|thread|message|pins)\b)",
        r"\b(?:source|sources|sauce|receipts|citation|citations|cite|refs|references|reference|doi|dois|pubmed|pdf|"
        r"bibliography|fuentes|fontes|referencias|quellen|bronnen)\b|"
        # the sources as a list or by the please: "paper list for PE plz", "(the studies pls)"
        r"\b(?:paper|papers|study|studies|reading|reference) list\b|\b(?:studies|papers) (?:pls|plz|please)\b",
        # the study's own details: "what journal was the ... study in", "who wrote the review"
        r"\b(?:which|what) (?:study|studies|paper|papers|trial|journal|journals)\b|\bwhat are the (?:studies|papers)\b|"
        r"\bwho (?:wrote|authored|ran|did) (?:the |that |this )?(?:\S+ )?(?:study|paper|review|trial|meta)\b|"
        r"\b(?:title|titles|authors?) of (?:the |that |this )?(?:\S+ ){0,3}?(?:study|paper|review|trial|meta)\b",
        r"\b(?:need|want|wanna) (?:the |those |these |that |your |a )?(?:actual |original |full )?(?:\ue000 )?"
        r"(?:paper|papers|study|studies)\b",
        # the list as a thing: "is there a list of the pre-exhaust studies", "where are the papers"
        r"\blist of (?:\S+ ){0,4}?(?:studies|papers|sources|references)\b|"
        r"\bwhere (?:are|r|is|do i find|can i find) (?:the |those |these |your )?(?:\ue000 )?(?:studies|papers|"
        r"sources)\b",
        # wanting to read the sources themselves: "where can i read", "papers i can read"
        r"\b(?:can|could|to|should) (?:i |we |u )?read\b|\b(?:any|some|got) (?:papers|articles)\b",
        r"\bwho (?:studied|researched|tested|published)\b",
        r"\b(?:list|send|drop|gimme|give me|share|post|show me|name)\b(?: \S+){0,3}? (?:studies|study|papers|paper|"
        r"research)\b",
        # "can i see the actual studies": asking to see the sources themselves
        r"\b(?:can|could|may) (?:i|we|u) (?:see|read|get|have|look at|check out)\b(?: \S+){0,3}? (?:studies|"
        r"study|papers|paper)\b",
    )
]
_STUDY_NOUNS = frozenset({"study", "studies", "paper", "papers", "trial", "trials", "research", "review"})
_SOURCE_NOUNS = frozenset(
    {"link", "links", "source", "sources", "citation", "citations", "refs", "references", "doi", "dois", "receipts"}
)
# Words that make naming the sources a request, loan words too: "necesito las fuentes" (es), "preciso" (pt).
_REQUEST_WORDS = frozenset({"pls", "please", "plz", "need", "want", "wanna", "necesito", "preciso", "brauche"})
# A wish is a request too: "i'd like to read the papers myself".
_WISH = re.compile(r"\b(?:id|i would|would) (?:like|love)\b")
ORDER_WORDS = BEFORE | AFTER
# "like flyes then bench vs ...": a sentence that only names what the previous question was about
_FOLLOW_UPS = frozenset({"like", "eg", "ie", "specifically", "meaning"})
# "the weak-link thing": pre-exhaust's own rationale, standing in for its name.
_RATIONALE_NOUNS = frozenset(
    {"thing", "theory", "principle", "idea", "method", "concept", "approach", "logic", "rationale", "argument"}
)


# "pull-ups" is one lift, "pre-exhaust - does it work" is two clauses: only a spaced dash breaks.
_WORD_HYPHEN = re.compile(r"(?<=[a-z0-9])-(?=[a-z0-9])")
_TOKEN = re.compile(r"\ue000|[a-z0-9]+|[^\sa-z0-9]")
_SENTENCE_BREAKS = frozenset("?.!\u2026\u00bf\u00a1")
_SENTENCE_STARTS = frozenset("\u00bf\u00a1")  # Spanish opens a question with "¿", an exclamation with "¡"
_OPENS_QUESTION = frozenset("\u00bf")
_QUESTION_MARKS = frozenset("?")
_CLAUSE_BREAKS = frozenset(",;:()[]-/")


@dataclass
class _Sentence:
    """One sentence: its clauses' words, which words are the technique, and whether it has a '?'."""

    marked: bool = False
    clauses: list[list[str]] = field(default_factory=list)
    technique: list[list[bool]] = field(default_factory=list)
    lifts: list[Span] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    quoted: bool = False  # a Discord "> " quote: someone else's words


def _sentences(norm: str) -> list[_Sentence]:
    """Split normalized text into sentences of clauses of word tokens."""
    sentences = [_Sentence(clauses=[[]])]
    for token in _TOKEN.findall(_WORD_HYPHEN.sub(" ", norm)):
        current = sentences[-1]
        if token in _SENTENCE_BREAKS:
            if not any(current.clauses) and token not in _SENTENCE_STARTS:
                continue  # "??" or "...": one break
            current.marked = current.marked or token in _QUESTION_MARKS
            if token in _SENTENCE_STARTS or any(current.clauses):
                sentences.append(_Sentence(marked=token in _OPENS_QUESTION, clauses=[[]]))
        elif token in _CLAUSE_BREAKS:
            current.clauses.append([])
        elif token == PE or token.isalnum():
            current.clauses[-1].append(token)
    result = []
    for sentence in sentences:
        sentence.clauses = [c for c in sentence.clauses if c]
        if sentence.clauses:
            result.append(sentence)
    return result


def _mark_technique(sentence: _Sentence, lifts: Mapping[tuple[str, ...], Lift]) -> None:
    """Flag the words that name or describe the technique, across the sentence's clauses."""
    words = [w for clause in sentence.clauses for w in clause]
    flags = [w == PE for w in words]
    for i in range(len(words) - 2):
        if words[i] in {"weak", "weakest"} and words[i + 1] == "link" and words[i + 2] in _RATIONALE_NOUNS:
            flags[i : i + 3] = [True, True, True]
    spans = find_lifts(words, lifts)
    for start, end in described_spans(words, spans) + fatigue_spans(words, spans):
        flags[start:end] = [True] * (end - start)
    sentence.words, sentence.lifts = words, spans
    at = 0
    sentence.technique = []
    for clause in sentence.clauses:
        sentence.technique.append(flags[at : at + len(clause)])
        at += len(clause)


def _opens_question(words: Sequence[str], technique: Sequence[bool]) -> bool:
    """A question opener first ("does", "is", "any"), or after a fronted topic ("pre-exhaust, does it")."""
    i = 0
    while i < len(words) and words[i] in GREETINGS:
        i += 1
    if i + 1 < len(words) and words[i] in AUX and words[i + 1] == "not":
        return False  # "…, does not result in extra growth": a statement's verb after a break, not a question
    if i < len(words) and words[i] in OPENERS:
        # "someone said pre-exhaust is a myth" reports a claim; "someone explain …" asks
        return words[i] not in {"someone", "somebody"} or i + 1 >= len(words) or words[i + 1] not in _REPORTS
    if i >= len(words) or not technique[i]:
        return False
    while i < len(words) and (technique[i] or words[i] in GREETINGS):
        i += 1
    if i + 1 >= len(words) or words[i] not in OPENERS:
        return False
    follower = words[i + 1]
    return technique[i + 1] or follower in PRONOUNS or follower in {"there", "you", "u", "anyone", "anybody"}


def _choice_between_lifts(sentence: _Sentence) -> bool:
    """ "leg press or hack squat after leg extensions?": choosing an exercise, not judging the technique."""
    spans, words = sentence.lifts, sentence.words
    for left, right in itertools.pairwise(spans):
        gap = words[left.end : right.start]
        same_kind = left.lift.isolation == right.lift.isolation
        # "bench then flyes or flyes then bench" compares two orders; it does not choose an exercise
        ordered = left.start > 0 and words[left.start - 1] in ORDER_WORDS
        ordered = ordered or (right.end < len(words) and words[right.end] in ORDER_WORDS)
        generic = left.lift.generic or right.lift.generic
        if gap and gap[0] == "or" and len(gap) <= 2 and same_kind and not generic and not ordered:
            return True
    return False


def _names_sources_first(lead: Sequence[str]) -> bool:
    """ "paper links for pre exhaust or it didnt happen", "refs on PE": a verbless request opens with the sources."""
    at = 1 if len(lead) > 1 and lead[0] in _STUDY_NOUNS | {"the", "any", "some"} else 0
    follower = lead[at + 1] if at + 1 < len(lead) else ""
    return bool(lead) and lead[at] in _SOURCE_NOUNS and follower in {"", "for", "on", "about", "re", "regarding"}


def _asks_about_sources(sentence: _Sentence) -> bool:
    """Whether the sentence requests links, sources or the studies list, as a question or an order."""
    text = " ".join(sentence.words)
    if sentence.quoted or not any(p.search(text) for p in _SOURCE_REQUEST):
        return False  # a "> " quote asks in someone else's words
    lead = [w for w in sentence.words if w not in GREETINGS][:3]
    first = lead[0] if lead else ""
    return (
        sentence.marked
        or any(_opens_question(c, t) for c, t in zip(sentence.clauses, sentence.technique, strict=True))
        or first in IMPERATIVES
        or _names_sources_first(lead)
        or any(w in _REQUEST_WORDS for w in sentence.words)
        or bool(_WISH.search(text))
    )


def _studies_a_pairing(sentence: _Sentence) -> bool:
    """ "that study with pec deck and chest press": a study of an isolation lift and a compound it pre-exhausts."""
    if not any(w in _STUDY_NOUNS for w in sentence.words):
        return False
    return any(
        a.lift.pre_exhausts(b.lift) or b.lift.pre_exhausts(a.lift) for a, b in itertools.combinations(sentence.lifts, 2)
    )


def _clause_asks_effect(words: Sequence[str], refs: Sequence[bool], weak_allowed: bool) -> bool:
    """Whether the clause asks about the technique's effect, worth or evidence."""
    text = " ".join(words)
    starts = [0]
    for word in words[:-1]:
        starts.append(starts[-1] + len(word) + 1)

    def at(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1

    mechanism = {m.end() for m in _MECHANISM.finditer(text)}
    for pattern in _SUBJECT_BOUND:
        for match in pattern.finditer(text):
            if match.end() in mechanism or _EQUIPMENT_CHOICE.match(text, match.end()):
                continue
            if bound(words, refs, at(match.start())):
                return True
    for pattern in _AFTER_SUBJECT:
        if any(technique_before(words, refs, at(m.start())) for m in pattern.finditer(text)):
            return True
    if evidence_backs_it(words, refs):
        return True
    if not weak_allowed:
        return False
    for pattern in _WEAK:
        for match in pattern.finditer(text):
            about = object_is_technique(words, refs, at(match.end() - 1) + 1)
            if about or (about is None and bound(words, refs, at(match.start()))):
                return True
    return should_do_technique(words, refs) is not None


def _asks_something_else(sentence: _Sentence, weak_allowed: bool) -> bool:
    """Whether the sentence's last clause is a question with its own topic ("…, but does creatine work?")."""
    words, technique = sentence.clauses[-1], sentence.technique[-1]
    if any(technique) or any(w in PRONOUNS for w in words) or not _opens_question(words, technique):
        return False
    # "…, which one is better?" asks about what the clauses before it name
    return has_own_topic(words) and not _clause_asks_effect(words, [False] * len(words), weak_allowed)


def _join_follow_ups(sentences: list[_Sentence]) -> list[_Sentence]:
    """Join "does the order matter? like flyes then bench vs ..." : the second names what the first asks."""
    joined: list[_Sentence] = []
    for sentence in sentences:
        if joined and sentence.clauses[0][0] in _FOLLOW_UPS and len(sentence.clauses[0]) > 1:
            joined[-1].clauses.extend(sentence.clauses)
            joined[-1].marked = joined[-1].marked or sentence.marked
        else:
            joined.append(sentence)
    return joined


def _classify(text: object, lifts: Mapping[tuple[str, ...], Lift]) -> QuestionKind | None:
    if not isinstance(text, str):
        return None
    # A question worth answering is asked early; capping the text bounds the work any message costs.
    text = text[:MAX_MATCHED_CHARS]
    if is_command(text):
        return None  # a command for this or another bot, not a question
    sentences: list[_Sentence] = []
    for line, quoted in quoted_lines(text):
        for sentence in _sentences(without_disowned(normalize(line))):
            sentence.quoted = quoted
            sentences.append(sentence)
    sentences = _join_follow_ups(sentences)
    for sentence in sentences:
        _mark_technique(sentence, lifts)
    named = any(any(flags) for s in sentences for flags in s.technique)
    if not named and not any(_studies_a_pairing(s) for s in sentences):
        return None
    if any(_asks_about_sources(s) for s in sentences):
        return QuestionKind.STUDIES
    if not named:
        return None
    carry = claim = pending = False
    # a stated claim matters only if a later "does it?" may re-ask it; reading it costs time otherwise
    re_asked = any(is_elliptical(c) for s in sentences[1:] for c in s.clauses)
    for sentence in sentences:
        joined = " ".join(sentence.words)
        planning = bool(_LOGISTICS.search(_BACKGROUND.sub(" ", joined)) or _HOW_TO.search(joined))
        planning = planning or _choice_between_lifts(sentence)
        # "did flyes before bench today, pump was insane": a dated "did" without "?" tells what was done
        lead = next((w for w in sentence.words if w not in GREETINGS), "")
        # ... and so does "did flyes before bench, pump was crazy": "did" with only the technique after it, no verb
        done = all(
            t or w in GREETINGS or w == "did" for w, t in zip(sentence.clauses[0], sentence.technique[0], strict=True)
        )
        diary = not sentence.marked and lead == "did" and (bool(_WHEN.search(joined)) or done)
        # "my coach asked me 'does pre-exhaust work?'", "i asked the bot whether …", a "> " quote: not asked now
        reported = sentence.quoted or reported_at(sentence.words) is not None
        weak_allowed = not _WHEN.search(joined)
        # "pre-exhaust works for me, but does creatine work?": a last clause with a topic of its own takes the "?"
        # and its question words; a tag ("…, am i wrong?", "…, what do you think?") asks the clauses before it
        last = len(sentence.clauses) - 1
        own_tail = sentence.marked and last > 0 and _asks_something_else(sentence, weak_allowed)
        head = sentence.clauses[:last] if own_tail else sentence.clauses
        head_text = " ".join(w for clause in head for w in clause) if own_tail else joined
        asked = not reported and (
            (sentence.marked and not own_tail)
            or (_opens_question(sentence.clauses[0], sentence.technique[0]) and not diary)
            or bool(_EMBEDDED_QUESTION.search(head_text) or _SLANG_QUESTION.search(head_text))
            or any(
                inverted_after_lead_in(c, [t or w in PRONOUNS for w, t in zip(c, f, strict=True)])
                for c, f in zip(head, sentence.technique, strict=False)
            )
        )
        # "whats better for growth: iso then compound or ...": the technique may follow the question
        # ... but a pronoun after "the pre-exhaust video, is it legit" stands for the video, not the technique
        carry = carry or any(
            any(f) and not names_only_things(c, f)
            for c, f in zip(sentence.clauses[1:], sentence.technique[1:], strict=True)
        )
        topic = False
        for index, (words, technique) in enumerate(zip(sentence.clauses, sentence.technique, strict=True)):
            named_here = any(technique)
            if not planning and (named_here or carry):
                # the member's own follow-up refers back ("... asked if it works, does it really?"); a report names
                # it; no clause of a "> " quote is the member's
                own = not (reported and named_here) and not sentence.quoted
                opens = own and _opens_question(words, technique) and not diary
                marked_here = asked or (own_tail and index == last and not reported)
                clause_asked = marked_here or opens or (is_fragment(words, technique) and not reported)
                # "curls before chins, good idea ... or just dumb": a fronted topic, then its verdict
                clause_asked = clause_asked or (topic and words[0] in FRAGMENT_WORDS and not sentence.quoted)
                refs = back_refs(words, [t or w in PRONOUNS for w, t in zip(words, technique, strict=True)])
                # "pre-exhaust: real technique or gym myth?": the fronted topic is the clause's subject
                subject = [PE, *words] if topic else list(words)
                refs = [True, *refs] if topic else refs
                # a claim, stated or reported, may be asked later: "i keep seeing 'pre-exhaust breaks plateaus'";
                # a dated one is a diary entry ("pre-exhaust today, pump was crazy")
                claimed = not pending and (reported or (re_asked and weak_allowed))
                effect = (clause_asked or claimed) and _clause_asks_effect(subject, refs, weak_allowed)
                if effect and clause_asked:
                    return QuestionKind.SUMMARY
                # "a guy asked if pre-exhaust works. does it?", "... breaks plateaus'. does it though?": the
                # elliptical question re-asks the reported question or the claim
                if opens and pending and is_elliptical(words):
                    return QuestionKind.SUMMARY
                pending = pending or effect
                if clause_asked and claim and named_here and _APPLIES.search(" ".join(words)):
                    return QuestionKind.SUMMARY
            carry = carry or (named_here and not names_only_things(words, technique))
            # a clause that only names the technique (for someone) is a fronted topic for the next one
            topic = is_topic(words, technique)
        claim = claim or any(p.search(joined) for p in _SUBJECT_BOUND)
    return None


class EvidenceMatcher:
    """Classifies chat messages as evidence questions, reading lifts from the exercise catalog."""

    def __init__(self, catalog: Catalog) -> None:
        # Generic words last, so "iso"/"compound" keep their meaning whatever the catalog holds.
        self._lifts: Mapping[tuple[str, ...], Lift] = MappingProxyType({**catalog_lifts(catalog), **GENERIC_LIFTS})

    def classify(self, text: str) -> QuestionKind | None:
        """SUMMARY for "does pre-exhaust work?", STUDIES for "link the studies", else None."""
        return _classify(text, self._lifts)


def is_evidence_question(text: str) -> bool:
    """True when a message asks whether pre-exhaust works (catalog-free: named or "iso before compound")."""
    # Without the catalog, "flyes before bench" is not recognised; EvidenceMatcher reads those.
    return _classify(text, GENERIC_LIFTS) is QuestionKind.SUMMARY
