"""Finding red flags in a message: concepts matched in a sentence, weighed in context.

A finding is *certain* (the emergency instruction first) or *possible* (asked about a sign in
a question, or matched only through a typo): the patient is then told what to do if it is
happening now and a nurse checks today. Severity follows the sign: "can't breathe" is an
emergency, "a little winded on the stairs" is urgent.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise

from assistant.safety.findings import RANK, Assessment, Finding
from assistant.safety.occurrences import find_occurrences, masked_positions, phrase_index
from assistant.safety.sentence_signs import assess_sentence, message_wide_classes

from .context import context_index
from .second_reader import Opinion, Thresholds, second_reader
from .spelling import known_words
from .vocabulary import (
    RED_FLAG_IDS,
    context_triggers,
    vocabulary,
)
from .words import Sentence, normalise, sentences

SHORT = 6  # words in a message short enough to read as one sentence


# An oxygen saturation under 90% ("SpO2 86%", "sats 84", "oxigeno en 85"): a number that is
# the warning sign (REFERENCE: breathless, blue lips), whatever words come with it.
LOW_OXYGEN = re.compile(r"\b(?:spo2|sp02|o2 sat|o2 sats|sat|sats|saturation|saturacion|"
                        r"oxygen|oxigeno|pulse ox|oximeter|oximetro)\D{0,15}?\b([5-8][0-9])\b")


# The second reader is consulted on messages of at least this many words. A short reply
# ("y", "I don't think so", "a bit") gives it too few n-grams to judge: it read a few such
# everyday answers as signs, and every sign it found on held-out text was in a longer message.
READER_MIN_WORDS = 8


_WORDS = re.compile(r"[a-z0-9]+")


NOT_FINE = frozenset({"no", "not", "isnt", "aint", "nunca", "never"})  # "no estoy bien"




# A "none of those" that is about something else: "nothing like that before" (it is new).
NOT_BLANKET = frozenset({"before", "since", "until", "antes", "hasta", "except", "excepto",
                         "but", "pero", "now", "ahora"})


# Words that say a run of signs is a list read out ("printed the list: chest pain, trouble
# breathing, fainting, confusion"), not what is happening.
LIST_MARKERS = frozenset({"911", "list", "lista", "signs", "warning", "senales", "paper",
                          "papel", "handout", "sheet", "hoja", "magnet"})


HAPPENING_NOW = frozenset({"now", "ahora", "ahorita", "today", "hoy", "tonight"})


def _answered_no(sentence: Sentence, following: Sentence | None) -> bool:
    """ "chest pain? no. short of breath? no": a sign asked about, then denied."""
    if not sentence.question or following is None or not following.tokens:
        return False
    denials = context_triggers()["negation"]["adjacent_after"]
    return any(following.tokens[:len(d)] == d for d in denials)


def _said_fine(sentence: Sentence) -> bool:
    """The patient or the writer said to be fine, not "no estoy bien", "not ok"."""
    return any(begin == 0 or sentence.tokens[begin - 1] not in NOT_FINE
               for begin, _ in phrase_index("patient_fine").find(sentence.tokens))


def _joined(parts: list[Sentence], commas: frozenset[int], question: bool) -> Sentence:
    """A message's sentences read as one."""
    return Sentence(tuple(t for s in parts for t in s.tokens), commas, question)


def _sentence_starts(found: list[Sentence]) -> list[int]:
    """Where each sentence begins in the message's tokens joined."""
    starts, position = [], 0
    for sentence in found:
        starts.append(position)
        position += len(sentence.tokens)
    return starts


def _denied_next(following: Sentence | None) -> bool:
    """The next sentence is a short "none of those", and nothing after it, about the signs
    just listed ("Nothing like that helps" is not one)."""
    if following is None or not following.tokens or len(following.tokens) > 8 \
            or NOT_BLANKET.intersection(following.tokens):
        return False
    return any(end == len(following.tokens) for _, end in phrase_index("blanket_denial").find(
        following.tokens))


def _taken_back(sentence: Sentence, following: Sentence | None) -> bool:
    """ "I almost passed out lol jk", or "jk" as the next sentence; never "no es broma"."""
    def joking(tokens: tuple[str, ...]) -> bool:
        return any(begin == 0 or tokens[begin - 1] not in NOT_FINE
                   for begin, _ in phrase_index("retraction").find(tokens))

    short_next = following is not None and len(following.tokens) <= 3
    return joking(sentence.tokens) or (short_next and joking(following.tokens))


def _recited(findings: dict[str, Finding], sentence: Sentence) -> bool:
    """ "Chest pain, trouble breathing, passing out: call 911": the warning signs recited."""
    return len(findings) >= 3 and not LIST_MARKERS.isdisjoint(sentence.tokens) \
        and HAPPENING_NOW.isdisjoint(sentence.tokens)


def assess(text: str, today: date | None = None) -> Assessment:
    """Every red flag in `text`, each at its most certain and most severe, as the rules find
    them and the second reader weighs them."""
    findings = assess_by_rules(text, today)
    reader = second_reader()
    if reader is None or not long_enough_for_the_reader(text):
        return Assessment(findings)
    return Assessment(weigh(findings, reader.read(text), reader.thresholds))


def assess_by_rules(text: str, today: date | None = None) -> tuple[Finding, ...]:
    """The rules' findings alone. A message that says it is only asking ("just asking",
    "nomás pregunto") keeps no "possible" sign."""
    best: dict[str, Finding] = {}
    normalised = normalise(text)
    parts = sentences(normalised)
    named = [bool(phrase_index("patient_named").find(s.tokens)) for s in parts]
    message_graver = frozenset().union(*(message_wide_classes(s) for s in parts))
    patient_fine = any(_said_fine(s) for s in parts)
    answered = any(_answered_no(a, b) for a, b in pairwise(parts))
    found = list(parts)
    if len(parts) > 1 and sum(len(s.tokens) for s in parts) <= SHORT and not answered:
        # "Help. Breathing": a few words are one thought, however they are punctuated (but
        # "nosebleed? no, none" is a question answered).
        found.append(_joined(parts, frozenset(), any(s.question for s in parts)))
    for index, sentence in enumerate(found):
        following = found[index + 1] if index + 1 < len(found) else None
        if _answered_no(sentence, following):
            continue
        # "He is your patient" names the person of the other sentences, not its own.
        patient_named = any(n for i, n in enumerate(named) if i != index)
        findings = assess_sentence(sentence, today, len(found) == 1, patient_named,
                                    message_graver=message_graver, patient_fine=patient_fine)
        if _taken_back(sentence, following) or (len(findings) >= 2 and _denied_next(following)):
            findings = {flag: f for flag, f in findings.items() if flag == "self_harm"}
        if _recited(findings, sentence):
            continue
        for flag, finding in findings.items():
            held = best.get(flag)
            if held is None or RANK[(finding.tier, finding.severity)] < \
                    RANK[(held.tier, held.severity)]:
                best[flag] = finding
    if "self_harm" not in best and len(parts) > 1:
        # A goodbye told over several sentences: "Sorry for everything. You won't hear from
        # me again." Where each sentence begins reads as a comma: no denial reaches across.
        message = assess_sentence(_joined(parts, frozenset(_sentence_starts(parts)), False),
                                   today, False, any(named), across_only=True)
        if "self_harm" in message:
            best["self_harm"] = message["self_harm"]
    if "breathing" not in best and LOW_OXYGEN.search(normalised):
        best["breathing"] = Finding("breathing", "certain", "emergency", "low oxygen")
    if any(phrase_index("asking_only").find(s.tokens) for s in found):
        best = {flag: f for flag, f in best.items() if f.tier == "certain"}
    return tuple(best[flag] for flag in RED_FLAG_IDS if flag in best)


def long_enough_for_the_reader(text: str) -> bool:
    return len(_WORDS.findall(normalise(text))) >= READER_MIN_WORDS


def weigh(findings: tuple[Finding, ...], opinion: Opinion, thresholds: Thresholds
          ) -> tuple[Finding, ...]:
    """The rules' findings, with what the second reader adds and never less. A message it is
    nearly sure shows a sign that no rule found gets a possible sign (the patient is told what
    to do if it is happening now, and a nurse checks today); talk of self-harm it finds likely
    (a lower bar: a veiled wish to die missed costs more than 988's number sent in vain), where
    no rule found it, is a possible self-harm sign (988 and a nurse today). It
    never lowers a rule's sign: turning "certain" into "possible" when it read a look-alike
    also downgraded replies that list denials before the sign ("no fever, no cough, but I can't
    breathe")."""
    if not findings and opinion.chance > thresholds.add_above:
        flag = opinion.likeliest
        severity = "emergency" if flag == "self_harm" else "urgent"
        findings = (Finding(flag, "possible", severity, "", by_reader=True),)
    if opinion.self_harm > thresholds.self_harm_above \
            and all(f.flag != "self_harm" for f in findings):
        findings = (*findings, Finding("self_harm", "possible", "emergency", "", by_reader=True))
    return findings


def warm_up() -> None:
    """Load the vocabulary, the context lists and the word lists now, so a process's first
    patient reply is not the one that waits for them."""
    vocabulary()
    context_index()
    known_words()


def symptom_words(text: str) -> list[str]:
    """Words of the body or of a symptom in a message where no sign could be placed ("my
    chest feels weird"): shown to a nurse rather than dropped."""
    wanted = vocabulary().symptom_classes
    found: list[str] = []
    for sentence in sentences(normalise(text)):
        masked = masked_positions(sentence.tokens)
        found += [" ".join(sentence.tokens[o.start:o.end])
                  for o in find_occurrences(sentence, masked) if o.klass in wanted]
    return list(dict.fromkeys(found))


def scan(text: str) -> list[str]:
    """Red-flag ids found in `text` (certain or possible), in the vocabulary's order."""
    return assess(text).flags
