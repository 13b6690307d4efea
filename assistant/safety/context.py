"""ConText for one sentence: is a sign negated, in the past, hypothetical, someone else's?

After Harkema et al. (2009): trigger phrases with a direction and a scope that runs to a
terminator or the end of the sentence; pseudo-triggers ("won't stop", "not sure") cover words
that would otherwise trigger. The trigger lists are our own, for patients' messages
(`context.yaml`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise

from .vocabulary import context_triggers, context_words
from .words import LabelledPhrases, Sentence

NEGATION_REACH = 7  # words between a denial and the sign it denies
AFTER_REACH = 3  # words between a sign and a denial after it ("chest pain: none")
NEGATION_WORDS = frozenset({"no", "not", "never", "dont", "doesnt", "didnt", "cant", "wont",
                            "nunca", "ni", "sin"})  # a sign that starts with one is its own
# "ya no sirvo pa nada, mejor me muero": despair, not a denial of what follows.
DESPAIR_NEGATIONS = frozenset({("nada",), ("nothing",), ("pa", "nada"), ("para", "nada")})
OWN_NEGATIONS = frozenset({"no", "not", "never", "ya", "dont", "nunca", "cant", "wont", "ni"})
# A caregiver naming themself ("this is rosas son", "soy la hija de maria"): the relation is
# the writer's, so the signs that follow are the patient's, not another person's.
CAREGIVER_INTRO = re.compile(r"\b(?:this is|its|im|i am) (?:\w+ )?(?:son|daughter|wife|husband|"
                             r"grandson|granddaughter|niece|nephew)\b|"
                             r"\b(?:soy|habla) (?:el|la|su) (?:\w+ )?(?:hijo|hija|esposa|esposo|"
                             r"nieto|nieta|sobrino|sobrina)\b")
# Someone's relative by name ("harolds brother had a heart attack"): another person.
OTHERS_RELATIVE = re.compile(r"\b(?!(?:yes|this|thanks|was|has|does|is|as|us|his|hers|its) )"
                             r"[a-z]+s (?:brother|sister|cousin|friend|neighbor|uncle|aunt)\b")
HISTORICAL_REACH = 8  # words between a sign and the past it is put in
YEAR = re.compile(r"(19|20)\d\d")
# "hace 10 anos", "hace como 5 anos", "in 98", "en el 98": long ago, in numbers.
AGO = re.compile(r"(?<!desde )\bhace (?:\w+ ){0,2}(?:anos|ano|meses|decadas|dias|semanas)\b"
                 r"|\bwhen (?:i|he|she) was (?:a kid|a child|young|younger|little|a teen|[0-9]+)\b"
                 r"|\b(?:en el|in|back in|since) [0-9]{2}\b"
                 r"(?! ?(?:min|hour|hora|day|dia|lb|pound|year|yr|week|month|ano|semana|mes|am|pm|"
                 r"a m|p m|oclock|o clock))"
                 r"|\b(?:in the|en los|back in the) [0-9]0s\b"
                 r"|\b(?:in|en|en el|back in) "
                 r"(?:nineteen|twenty|two thousand|dos mil|mil novecientos)\b"
                 r"(?! (?:\w+ )?(?:min|minute|minutes|minutos|hour|hours|horas|seconds|day|days"
                 r"|dias))"
                 r"|\b(?:back in|en el) (?:sixty|seventy|eighty|ninety|sesenta|setenta|ochenta|"
                 r"noventa)\b")


@dataclass(frozen=True)
class Trigger:
    category: str
    direction: str
    start: int
    end: int


@cache
def context_index() -> LabelledPhrases:
    """Every trigger list and word list in one index, so a sentence is read once."""
    lists: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
        (category, direction): phrases
        for category, directions in context_triggers().items()
        for direction, phrases in directions.items() if phrases}
    for name in ("weak_terminators", "recurrence", "recent", "correction", "comparison",
                 "affirmation", "long_over"):
        lists[("words", name)] = tuple(tuple(w.split()) for w in context_words(name))
    return LabelledPhrases(lists)


def _token_spans(pattern: re.Pattern[str], joined: str) -> list[tuple[int, int]]:
    """Where a pattern matches a sentence's space-joined tokens, as token positions."""
    spans = []
    for match in pattern.finditer(joined):
        first = joined[:match.start()].count(" ")
        spans.append((first, first + match.group().count(" ") + 1))
    return spans


class SentenceContext:
    """The triggers of one sentence, found once and asked about each sign in it."""

    def __init__(self, sentence: Sentence, today: date | None = None,
                 sign_starts: frozenset[int] = frozenset()) -> None:
        self.sign_starts = sign_starts
        self.sentence = sentence
        tokens = sentence.tokens
        matches = context_index().find_all(tokens)
        self.pseudo: set[int] = set()
        for start, end in matches.get(("pseudo", "anywhere"), ()):
            self.pseudo.update(range(start, end))
        joined = " ".join(tokens)
        for first, end in _token_spans(CAREGIVER_INTRO, joined):
            self.pseudo.update(range(first, end))
        self.triggers: list[Trigger] = [
            Trigger(category, direction, start, end)
            for (category, direction), found in matches.items()
            if category not in ("pseudo", "terminator", "words")
            for start, end in found if start not in self.pseudo
            and not any(start < c < end for c in sentence.commas)]  # "no, pienso en": two parts
        this_year = (today or date.today()).year
        for position, token in enumerate(tokens):
            said_to_be = position > 0 and tokens[position - 1] in ("is", "its", "es", "was")
            if YEAR.fullmatch(token) and int(token) < this_year and not said_to_be \
                    and position not in self.pseudo and position - 1 not in self.pseudo:
                self.triggers.append(Trigger("historical", "anywhere", position, position + 1))
        def starts(label: tuple[str, str]) -> set[int]:
            return {start for start, _ in matches.get(label, ())}

        self.terminators = starts(("terminator", "anywhere"))
        self.weak = starts(("words", "weak_terminators"))
        self.recurrences = starts(("words", "recurrence"))
        self.recent = bool(starts(("words", "recent")))
        self.corrections = starts(("words", "correction"))
        self.long_over = bool(starts(("words", "long_over")))
        self.comparisons = sorted(starts(("words", "comparison")))
        for position, end in _token_spans(AGO, joined):
            if position in self.pseudo or position - 1 in self.pseudo:
                continue  # "que murió hace 20 años": someone's death, not the sign's date
            self.triggers.append(Trigger("historical", "anywhere", position, end))
        self.affirmations = starts(("words", "affirmation"))
        # "the man in the bed next to me": a place, not the patient speaking of themself.
        self.first_person = {i for i, t in enumerate(tokens) if t in
                             context_words("first_person") and i not in self.pseudo}
        for first, end in _token_spans(OTHERS_RELATIVE, joined):
            if first not in self.pseudo:
                self.triggers.append(Trigger("other_person", "before", first, end))
        self.reported_speech = any(t in context_words("reporting") for t in tokens)
        self.spanish_if = any(t in context_words("spanish_if_markers") for t in tokens)

    def _open_between(self, start: int, end: int, strong_only: bool = False) -> bool:
        """No terminator in tokens[start:end]: a scope reaches across. The past, a condition
        and another person reach across "and"; a denial does not."""
        ends = self.terminators - self.weak if strong_only else self.terminators
        return not any(start <= t < end for t in ends)

    def negated(self, start: int, end: int, before_only: bool = False,
                adjacent_too: bool = False, reach: int | None = None) -> bool:
        """Denied before the sign ("no chest pain") or, unless `before_only`, after it
        ("chest pain: none"); a correction after it takes the denial back ("well maybe")."""
        if any(end <= c <= end + 2 for c in self.corrections):
            return False
        for trigger in self.triggers:
            if trigger.category != "negation":
                continue
            if trigger.direction == "before" and (reach is None or reach > 0) \
                    and self._denies(trigger, start):
                return True
            if before_only and not (adjacent_too and trigger.direction == "adjacent_after"):
                continue
            if trigger.direction == "after" and 0 <= trigger.start - end <= AFTER_REACH \
                    and self._open_between(end, trigger.start):
                return True
            if trigger.direction == "adjacent_after" and trigger.start == end \
                    and self._ends_an_answer(trigger) \
                    and not (end in self.sentence.commas and trigger.end in self.sign_starts
                             and trigger.end not in self.sentence.commas) \
                    and not self._inside_is_a_denial(start, end) \
                    and self.sentence.tokens[start] not in NEGATION_WORDS:
                return True  # "chest pain none", "breathing fine"; not "can't breathe good"
        return False

    def part_cleared(self, parts: list[tuple[int, int]]) -> bool:
        """A denial right after an earlier part of a sign: "my chest feels fine, it's my back
        that's sore". Spanish "bien" right before the next part is "very": "bien weak"."""
        tokens = self.sentence.tokens
        return any(t.category == "negation" and t.direction in ("after", "adjacent_after")
                   and part_end <= t.start <= part_end + 2 and t.end <= next_start
                   and not (tokens[t.start:t.end] == ("bien",) and t.end == next_start)
                   for (_, part_end), (next_start, _) in pairwise(parts)
                   for t in self.triggers)

    def part_negated(self, start: int, parts: list[tuple[int, int]]) -> bool:
        """A denial just before a later part of a sign: "hope I don't die" is not a wish."""
        return any(t.category == "negation" and t.direction == "before"
                   and 0 <= part_start - t.end <= 2 and t.start > start
                   and not any(t.start < pe and ps < t.end for ps, pe in parts)
                   for part_start, _ in parts for t in self.triggers)

    def _denies(self, trigger: Trigger, start: int) -> bool:
        if trigger.start < start < trigger.end \
                and self.sentence.tokens[start] not in NEGATION_WORDS:
            return True  # "no problems with breathing": the denial runs into the sign
        if trigger.end > start or start - trigger.end > NEGATION_REACH:
            return False
        if self._is_an_answer(trigger) or not self._open_between(trigger.end, start):
            return False
        # A comma ends a denial's reach: "no fever, chest pain since this morning".
        if any(trigger.end <= c <= start for c in self.sentence.commas):
            return False
        return not any(trigger.end <= a <= start for a in self.affirmations)

    def _ends_an_answer(self, trigger: Trigger) -> bool:
        """ "chest pain no," ends there; "fatiga no puedo ni hablar" goes on to say more."""
        tokens = self.sentence.tokens
        return trigger.end == len(tokens) or trigger.end in self.sentence.commas \
            or trigger.end in self.sign_starts \
            or tokens[trigger.end] in ("and", "y", "or", "o", "no", "ni", "nor", "but", "pero")

    def _inside_is_a_denial(self, start: int, end: int) -> bool:
        """ "can't breathe well": a sign that is itself a "cannot" is not denied by "well"."""
        return any(t.category == "negation" and start <= t.start < end for t in self.triggers)

    def _is_an_answer(self, trigger: Trigger) -> bool:
        """ "No, I passed out": a bare no before a comma answers the question asked."""
        return trigger.start == 0 and trigger.end in self.sentence.commas

    def historical(self, start: int, end: int, stay_counts: bool = True,
                   figures_count: bool = True, parts: tuple[tuple[int, int], ...] = ()) -> bool:
        """Long ago, or (`stay_counts`) during the hospital stay now over, or (`figures_count`)
        money and shows. A comparison or an ongoing word beside the sign ("like before the
        stent", "she keeps asking") makes the past a yardstick for now. A date far from the
        sign is about something else ("her sister died in 2010")."""
        now = any(self._same_scope(Trigger("", "", c, c + 1), start, end)
                  for c in self.comparisons)
        categories: tuple[str, ...] = () if now else ("historical",)
        if stay_counts and not now:
            categories += ("recent_past",)
        if figures_count:
            categories += ("figurative",)
        if stay_counts and not now:
            categories += ("during_stay",)
        return any(t.category in categories and self._same_scope(t, start, end, parts)
                   and self._near(t, start, end) for t in self.triggers)

    @staticmethod
    def _near(trigger: Trigger, start: int, end: int) -> bool:
        gap = start - trigger.end if trigger.end <= start else trigger.start - end
        return gap <= HISTORICAL_REACH

    def recited(self, start: int, end: int) -> bool:
        """Instructions said back ("chest pain = 911, got it"), for every sign, self-harm too."""
        return any(t.category == "recital" and self._same_scope(t, start, end)
                   for t in self.triggers)

    def denied_later(self, end: int) -> bool:
        """ "... and he said no, never": asked and denied, unless taken back ("pero sí")."""
        tokens = self.sentence.tokens
        return any(t.category == "denied_later" and t.start >= end
                   and (t.end == len(tokens) or t.end in self.sentence.commas
                        or tokens[t.end] in ("never", "nunca", "nada", "not", "que"))
                   and not any(c >= t.end for c in self.corrections) for t in self.triggers)

    def self_harm_denied(self, start: int, end: int) -> bool:
        """A denial right before talk of self-harm ("I'd never hurt myself", "no thoughts of
        hurting myself"): only within two words, since despair is full of "no" and "ya no";
        and never when the words themselves begin with one ("no, yo ya no quiero vivir")."""
        if self.sentence.tokens[start] in OWN_NEGATIONS or any(
                end <= c <= end + 2 for c in self.corrections):  # "haven't hurt myself. Yet."
            return False
        tokens = self.sentence.tokens
        return any(t.category == "negation" and t.direction == "before"
                   and t.start < start and start - t.end <= 2
                   and tokens[t.start:t.end] not in DESPAIR_NEGATIONS
                   and self._open_between(t.end, start)
                   and not any(t.end <= c <= start for c in self.sentence.commas)
                   and not any(t.end <= a <= start for a in self.affirmations)
                   for t in self.triggers)

    def resolved(self, end: int, persists: bool = False) -> bool:
        """ "The tightness I had in the hospital is totally gone": over, unless it came back
        or it was today (a sign that passed this morning still needs a person), or
        `persists` (bleeding on a blood thinner)."""
        if persists:
            return self.long_over
        if self.recent:
            return False
        return any(t.category == "resolved" and t.start >= end
                   and not any(r >= t.end for r in self.recurrences) for t in self.triggers)

    def hypothetical(self, start: int, end: int) -> bool:
        if any(t.category == "hypothetical" and (
                (t.direction == "before" and t.end <= start
                 and self._open_between(t.end, start, strong_only=True))
                or (t.direction == "anywhere" and self._same_scope(t, start, end)))
               for t in self.triggers):
            return True
        return self._spanish_if_before(start)

    def _spanish_if_before(self, start: int) -> bool:
        if not (self.sentence.question or self.spanish_if):
            return False
        tokens = self.sentence.tokens
        followers = context_words("spanish_if_followers")
        return any(tokens[i] == "si" and i + 1 < len(tokens) and tokens[i + 1] in followers
                   and i + 1 not in self.sentence.commas
                   and self._open_between(i + 1, start, strong_only=True) for i in range(start))

    def asking(self, start: int, end: int) -> bool:
        """ "Is it normal that my chest hurts": a question about a sign, to be checked."""
        return any(t.category == "asking" and self._same_scope(t, start, end)
                   for t in self.triggers)

    def someone_else_outside_home(self, start: int, end: int) -> bool:
        """Someone else, not of the household, and no "I" or "my" in the words themselves."""
        tokens = self.sentence.tokens
        if any(tokens[i] in context_words("first_person") for i in range(start, end)):
            return False
        household = context_words("household")
        for t in self.triggers:
            if t.category == "other_person" and t.direction == "before" and t.end <= start \
                    and " ".join(tokens[t.start:t.end]) in household:
                return False
        return self.someone_else(start, end)

    def someone_else(self, start: int, end: int) -> bool:
        """Another person (not the patient a caregiver writes about) had it."""
        for t in self.triggers:
            if t.category == "other_person" and t.direction == "after" and t.start >= end:
                return True  # "... from the heat, not my mom"
            if t.category == "other_person" and t.direction == "before" and t.end <= start \
                    and self._open_between(t.end, start, strong_only=True) \
                    and not any(t.end <= p < start for p in self.first_person):
                return True
        return False

    def _same_scope(self, trigger: Trigger, start: int, end: int,
                    parts: tuple[tuple[int, int], ...] = ()) -> bool:
        if any(ps <= trigger.start and trigger.end <= pe for ps, pe in parts):
            return False  # the sign's own words ("thinks the lady on tv is talking to him")
        if trigger.end <= start:
            return self._open_between(trigger.end, start, strong_only=True)
        if trigger.start >= end:
            return self._open_between(end, trigger.start, strong_only=True)
        return True
