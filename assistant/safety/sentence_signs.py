"""The signs of one sentence: the parts of each concept's signs put together into spans,
each judged in its context (ConText: denied, past, someone else's, hypothetical, asked) and
given its severity from the graver words around it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise, product

from assistant.safety.findings import RANK, Finding
from assistant.safety.occurrences import (
    PAIRINGS,
    Occurrence,
    all_occurrences,
    find_occurrences,
    masked_positions,
    phrase_index,
)

from .context import SentenceContext
from .vocabulary import (
    Concept,
    Sign,
    context_words,
    vocabulary,
)
from .words import Sentence

# Graver classes that hold for the whole message: a blood thinner named in one sentence makes
# a blow to the head in another an emergency.
MESSAGE_WIDE = frozenset({"THINNER"})

# After "bien", words that end the phrase: "estoy bien, pero..." is fine, not "very".
BIEN_ENDS = frozenset({"pero", "y", "but", "and", "ya", "gracias", "nomas", "todo"})


RELATIVE_REACH = 6  # words between an aunt, an uncle or a pet and the sign said of them


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    corrected: bool
    parts: tuple[tuple[int, int], ...]


def _spans(sign: Sign, by_class: dict[str, list[Occurrence]], length: int | None
           ) -> list[Span]:
    """Each way the sign's classes sit together within its window. The nearest few of each
    part are paired ("chest pain no, well, it's squeezing": the denied pair and the other)."""
    if any(k not in by_class for k in sign.classes):
        return []
    first, *rest = sign.classes
    spans = []
    for anchor in by_class[first]:
        if sign.whole and not (anchor.start == 0 and anchor.end == length):  # None: never
            continue
        nearest = [sorted(by_class[k], key=lambda o: abs(o.start - anchor.start))[:PAIRINGS]
                   for k in rest]
        for others in product(*nearest):
            parts = (anchor, *others)
            if sign.ordered and any(a.start >= b.start for a, b in pairwise(parts)):
                continue
            start, end = min(p.start for p in parts), max(p.end for p in parts)
            if end - start <= sign.window:
                # Only a typo explains it when every part needed correcting.
                spans.append(Span(start, end, all(p.corrected for p in parts),
                                  tuple(sorted((p.start, p.end) for p in parts))))
    return spans


def _severity(sign: Sign, present: set[str], graver: set[str], flag: str) -> str:
    if flag == "self_harm":
        return "emergency"
    if sign.severity == "emergency" and sign.milder and sign.milder in present \
            and not (sign.graver and sign.graver in graver):
        return "urgent"  # "bumped my head, no fall", unless "on Eliquis"
    if sign.severity == "urgent" and sign.graver and sign.graver in graver:
        return "emergency"
    return sign.severity


def _standing(occurrences: Iterable[Occurrence], tokens: tuple[str, ...],
              cleared_by_all_right: bool = True) -> set[str]:
    """Classes said of the sign, not denied of it: "not dripping", "no escurre", "sitting
    down I'm fine", "talks fine", "breathing is ok sitting" do not make a sign graver."""
    denials = context_words("modifier_denied_before")

    def all_right_at(i: int, before: int) -> bool:
        """tokens[i] says "fine", is not itself denied ("not good", "no esta bien") and is not
        Spanish "bien" before another word ("bien feo": very)."""
        if not 0 <= i < len(tokens) or tokens[i] not in context_words("modifier_all_right_after"):
            return False
        if any(t in denials for t in tokens[max(0, i - 2):i]):
            return False
        if tokens[i] == "bien":  # "sentada estoy bien", not "bien feo"
            return i + 1 == len(tokens) or tokens[i + 1] in BIEN_ENDS
        return True

    def cleared(o: Occurrence) -> bool:
        if any(t in denials for t in tokens[max(0, o.start - 3):o.start]):
            return True
        if not cleared_by_all_right:
            return False
        return any(all_right_at(i, o.start) for i in range(o.end, o.end + 3)) \
            or any(all_right_at(i, o.start) for i in range(max(0, o.start - 2), o.start))

    return {o.klass for o in occurrences if not cleared(o)}


def _judge(context: SentenceContext, span: Span, flag: str, persists: bool = False,
           patient_named: bool = False) -> str | None:
    """certain, possible, or None when the context says it is not happening to the patient.

    Talk of self-harm counts even as a question or a condition ("if I don't wake up it's
    fine"): it goes to 988 and a person whatever its grammar."""
    start, end = span.start, span.end
    if flag == "self_harm":
        # Denied before it ("I'd never hurt myself") or in a list ("hopeless - no"); as a
        # condition it still needs a person, and so does a relative who said it; "I wish
        # I'd died in the hospital" is now.
        if context.recited(start, end) \
                or context.self_harm_denied(start, end) \
                or context.negated(start, end, before_only=True, adjacent_too=True,
                                   reach=0) \
                or context.part_negated(start, list(span.parts)) \
                or context.historical(start, end, stay_counts=False, figures_count=False,
                                      parts=span.parts) \
                or context.denied_later(end) \
                or context.someone_else_outside_home(start, end):
            return None
        return "certain"
    if context.negated(start, end) or context.part_negated(start, list(span.parts)) \
            or context.part_cleared(list(span.parts)) or context.recited(start, end) \
            or context.historical(start, end, parts=span.parts) \
            or context.resolved(end, persists) \
            or context.denied_later(end):
        return None
    if context.someone_else(start, end) and not patient_named:
        return None
    if context.hypothetical(start, end):
        return None
    if context.sentence.question or span.corrected or context.asking(start, end):
        return "possible"
    return "certain"


def assess_sentence(sentence: Sentence, today: date | None, alone: bool = True,
                     patient_named: bool = False, across_only: bool = False,
                     message_graver: frozenset[str] = frozenset(),
                     patient_fine: bool = False) -> dict[str, Finding]:
    """`alone`: the sentence is the whole message; `patient_named`: the message says the
    person it is about is the patient; `across_only`: the sentence is the whole message
    joined, read only for the signs whose parts may fall in different sentences;
    `message_graver`: graver classes said anywhere in the message ("I'm on Xarelto");
    `patient_fine`: the message says the patient (or the writer) is fine, so a sign told of an
    aunt, an uncle, a cousin or a pet before it is theirs."""
    masked = masked_positions(sentence.tokens)
    everything = all_occurrences(sentence)
    present = {o.klass for o in everything}
    graver = _standing(everything, sentence.tokens) | message_graver
    occurrences = find_occurrences(sentence, masked) if masked else everything
    by_class: dict[str, list[Occurrence]] = {}
    for occurrence in occurrences:
        by_class.setdefault(occurrence.klass, []).append(occurrence)
    context: SentenceContext | None = None
    candidates: dict[str, list[tuple[Finding, Span]]] = {}
    for concept in all_concepts():
        for sign in concept.signs:
            if not sign.needs <= by_class.keys() or (across_only and not sign.across):
                continue
            for span in _spans(sign, by_class, len(sentence.tokens) if alone else None):
                context = context or SentenceContext(
                    sentence, today,
                    frozenset(o.start for o in occurrences if o.klass in leading_classes()))
                persists = concept.passing_counts or (
                    concept.persists_with is not None and concept.persists_with in present)
                tier = _judge(context, span, concept.flag, persists, patient_named)
                if tier and concept.flag != "self_harm" and patient_fine \
                        and _relative_before(sentence.tokens, span.start):
                    tier = None  # "my tía had a stroke ... mi mamá está bien"
                if tier == "certain" and sign.possible:
                    tier = "possible"  # "thank you for everything, goodbye": a nurse asks
                if tier is not None:
                    finding = Finding(concept.flag, tier,
                                      _severity(sign, present, graver, concept.flag),
                                      " ".join(sentence.tokens[span.start:span.end]))
                    candidates.setdefault(concept.flag, []).append((finding, span))
    best: dict[str, Finding] = {}
    for concept in all_concepts():
        # Words that are another concept's ("coughing up blood") do not count here too.
        theirs = [span for other in concept.yields_to for _, span in candidates.get(other, ())]
        mine = [finding for finding, span in candidates.get(concept.flag, ())
                if not any(span.start < t.end and t.start < span.end for t in theirs)]
        if mine:
            best[concept.flag] = min(mine, key=lambda f: RANK[(f.tier, f.severity)])
    return best


def message_wide_classes(sentence: Sentence) -> frozenset[str]:
    wanted = [o for o in all_occurrences(sentence) if o.klass in MESSAGE_WIDE]
    return frozenset(_standing(wanted, sentence.tokens, cleared_by_all_right=False)) \
        if wanted else frozenset()


def _relative_before(tokens: tuple[str, ...], start: int) -> bool:
    """An aunt, an uncle, a cousin, a baby or a pet named just before the sign, with no "I",
    "me" or "my" between: "my tía had a stroke", not "my grandson brought me, my chest hurts"."""
    mine = context_words("first_person")
    return any(end <= start and start - end <= RELATIVE_REACH
               and not mine.intersection(tokens[end:start])
               for _, end in phrase_index("wider_family").find(tokens))


@cache
def leading_classes() -> frozenset[str]:
    """Classes that begin a sign ("chest" in "chest pain none shortness of breath no"), not
    modifiers such as "bad" or "feo"."""
    return frozenset(sign.classes[0] for concept in all_concepts() for sign in concept.signs)


@cache
def all_concepts() -> tuple[Concept, ...]:
    return vocabulary().concepts
