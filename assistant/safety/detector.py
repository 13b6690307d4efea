"""Finding red flags in a message: concepts matched in a sentence, weighed in context.

A finding is *certain* (the emergency instruction first) or *possible* (asked about a sign in
a question, or matched only through a typo): the patient is then told what to do if it is
happening now and a nurse checks today. Severity follows the sign: "can't breathe" is an
emergency, "a little winded on the stairs" is urgent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from itertools import pairwise, product

from .context import SentenceContext, context_index
from .second_reader import Opinion, Thresholds, second_reader
from .spelling import correction, known_words
from .vocabulary import (
    RED_FLAG_IDS,
    Concept,
    Sign,
    context_triggers,
    context_words,
    read_yaml,
    token_keys,
    vocabulary,
)
from .words import PhraseIndex, Sentence, normalise, sentences

PHRASE_GAP = 1  # extra words allowed inside a phrase ("passed right out")
SHORT = 6  # words in a message short enough to read as one sentence
# An oxygen saturation under 90% ("SpO2 86%", "sats 84", "oxigeno en 85"): a number that is
# the warning sign (REFERENCE: breathless, blue lips), whatever words come with it.
LOW_OXYGEN = re.compile(r"\b(?:spo2|sp02|o2 sat|o2 sats|sat|sats|saturation|saturacion|"
                        r"oxygen|oxigeno|pulse ox|oximeter|oximetro)\D{0,15}?\b([5-8][0-9])\b")
PAIRINGS = 3  # occurrences of each other part tried with each first part
# The second reader is consulted on messages of at least this many words. A short reply
# ("y", "I don't think so", "a bit") gives it too few n-grams to judge: it read a few such
# everyday answers as signs, and every sign it found on held-out text was in a longer message.
READER_MIN_WORDS = 8
_WORDS = re.compile(r"[a-z0-9]+")
# Graver classes that hold for the whole message: a blood thinner named in one sentence makes
# a blow to the head in another an emergency.
MESSAGE_WIDE = frozenset({"THINNER"})
RELATIVE_REACH = 6  # words between an aunt, an uncle or a pet and the sign said of them
NOT_FINE = frozenset({"no", "not", "isnt", "aint", "nunca", "never"})  # "no estoy bien"
BIEN_ENDS = frozenset({"pero", "y", "but", "and", "ya", "gracias", "nomas", "todo"})
# A "none of those" that is about something else: "nothing like that before" (it is new).
NOT_BLANKET = frozenset({"before", "since", "until", "antes", "hasta", "except", "excepto",
                         "but", "pero", "now", "ahora"})
# Words that say a run of signs is a list read out ("printed the list: chest pain, trouble
# breathing, fainting, confusion"), not what is happening.
LIST_MARKERS = frozenset({"911", "list", "lista", "signs", "warning", "senales", "paper",
                          "papel", "handout", "sheet", "hoja", "magnet"})
HAPPENING_NOW = frozenset({"now", "ahora", "ahorita", "today", "hoy", "tonight"})


@dataclass(frozen=True)
class Finding:
    flag: str
    tier: str  # "certain" or "possible"
    severity: str  # "emergency" or "urgent"
    words: str  # the words that showed it, for the coordinator
    by_reader: bool = False  # found by the second reader alone, not by a rule

    @property
    def emergency(self) -> bool:
        """Tell the patient to call 911 (988) now, before anything else."""
        return self.tier == "certain" and self.severity == "emergency"


@dataclass(frozen=True)
class Assessment:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def flags(self) -> list[str]:
        return [f.flag for f in self.findings]

    @property
    def emergencies(self) -> list[str]:
        return [f.flag for f in self.findings if f.emergency]

    @property
    def to_check(self) -> list[str]:
        """Signs a nurse should check today: possible, or urgent by nature."""
        return [f.flag for f in self.findings if not f.emergency]


@dataclass(frozen=True)
class Occurrence:
    klass: str
    start: int
    end: int
    corrected: bool


@lru_cache(maxsize=50_000)
def _classes_of(token: str) -> tuple[frozenset[str], bool]:
    """The classes a token belongs to, and whether that took a typo correction."""
    table = vocabulary()
    found: set[str] = set()
    for key in token_keys(token):
        found |= table.single.get(key, frozenset())
    for length in range(3, len(token) + 1):
        found |= table.prefixes.get(token[:length], frozenset())
    if found or token in _context_vocabulary():
        return frozenset(found), False
    fixed = correction(token)
    if fixed is None or fixed == token:
        return frozenset(), False
    classes, _ = _classes_of(fixed)
    return classes, bool(classes)


@cache
def _context_vocabulary() -> frozenset[str]:
    """Words the context lists use: never "corrected" into a sign."""
    return frozenset(context_words("first_person") | context_words("affirmation"))


@lru_cache(maxsize=50_000)
def _split_word_classes(first: str, second: str) -> tuple[frozenset[str], bool]:
    """Classes of two tokens read as one word ("san gre" -> sangre), when neither says as
    much alone: speech recognisers split the words that matter. A joined word that is itself
    a slip ("mata arme" -> matarme) is accepted only when long, and counts as a guess."""
    if len(first) < 2 or len(second) < 2 or len(first + second) < 5:
        return frozenset(), False
    word = first + second
    joined, corrected = _classes_of(word)
    if not joined:
        return frozenset(), False
    if corrected:
        fixed = correction(word) or ""
        if len(word) < 7 or fixed[:2] != word[:2]:
            return frozenset(), False
    alone = _classes_of(first)[0] | _classes_of(second)[0]
    return frozenset(joined - alone), corrected


@lru_cache(maxsize=50_000)
def _keys_with_correction(token: str) -> tuple[tuple[str, str], ...]:
    """A token's keys, and its correction's when it is a typo ("wnat" reads as "want")."""
    fixed = correction(token) if token not in _context_vocabulary() else None
    return token_keys(token) + (token_keys(fixed) if fixed and fixed != token else ())


def _phrase_end(tokens: tuple[str, ...], second: int, words: tuple[frozenset, ...]
                ) -> int | None:
    """Where a phrase whose first two words are matched (the second at `second`) ends."""
    position = second + 1
    for keys in words[2:]:
        for skip in range(PHRASE_GAP + 1):
            at = position + skip
            if at < len(tokens) and not keys.isdisjoint(_keys_with_correction(tokens[at])):
                position = at + 1
                break
        else:
            return None
    return position


def _blocked(start: int, end: int, masked: set[int],
             mask_spans: list[tuple[int, int]]) -> bool:
    """A phrase touching a mask is blocked, unless the mask lies wholly inside a longer
    phrase: "stopped my blood thinner" is not "blood thinner"."""
    touching = [(a, b) for a, b in mask_spans if a < end and start < b]
    if not masked.intersection(range(start, end)):
        return False
    return not all(start <= a and b <= end and (a, b) != (start, end) for a, b in touching)


def _occurrences(sentence: Sentence, masked: set[int]) -> list[Occurrence]:
    table = vocabulary()
    tokens = sentence.tokens
    mask_spans = _masks().find(tokens) if masked else []
    keys = [_keys_with_correction(token) for token in tokens]
    found: list[Occurrence] = []
    for start in range(len(tokens) - 1):  # a word the recogniser split: "des mayo"
        if start not in masked and start + 1 not in masked:
            joined_classes, guessed = _split_word_classes(tokens[start], tokens[start + 1])
            found.extend(Occurrence(k, start, start + 2, guessed) for k in joined_classes)
    for start, token in enumerate(tokens):
        if start in masked:
            continue
        classes, corrected = _classes_of(token)
        found.extend(Occurrence(k, start, start + 1, corrected) for k in classes)
        seen: set[tuple[str, int]] = set()
        for second in range(start + 1, min(start + 2 + PHRASE_GAP, len(tokens))):
            for first_key in keys[start]:
                for second_key in keys[second]:
                    for phrase in table.phrases.get((first_key, second_key), ()):
                        end = _phrase_end(tokens, second, phrase.words)
                        if end is None or (phrase.klass, end) in seen \
                                or _blocked(start, end, masked, mask_spans):
                            continue
                        seen.add((phrase.klass, end))
                        found.append(Occurrence(phrase.klass, start, end, False))
    return found


@cache
def _masks() -> PhraseIndex:
    data = read_yaml("context.yaml")["masks"]
    return PhraseIndex(tuple(tuple(normalise(p).split()) for lang in data for p in data[lang]))


def _masked(tokens: tuple[str, ...]) -> set[int]:
    covered: set[int] = set()
    for start, end in _masks().find(tokens):
        covered.update(range(start, end))
    return covered


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


RANK = {("certain", "emergency"): 0, ("certain", "urgent"): 1, ("possible", "emergency"): 2,
        ("possible", "urgent"): 3}


def _answered_no(sentence: Sentence, following: Sentence | None) -> bool:
    """ "chest pain? no. short of breath? no": a sign asked about, then denied."""
    if not sentence.question or following is None or not following.tokens:
        return False
    denials = context_triggers()["negation"]["adjacent_after"]
    return any(following.tokens[:len(d)] == d for d in denials)


def _assess_sentence(sentence: Sentence, today: date | None, alone: bool = True,
                     patient_named: bool = False, across_only: bool = False,
                     message_graver: frozenset[str] = frozenset(),
                     patient_fine: bool = False) -> dict[str, Finding]:
    """`alone`: the sentence is the whole message; `patient_named`: the message says the
    person it is about is the patient; `across_only`: the sentence is the whole message
    joined, read only for the signs whose parts may fall in different sentences;
    `message_graver`: graver classes said anywhere in the message ("I'm on Xarelto");
    `patient_fine`: the message says the patient (or the writer) is fine, so a sign told of an
    aunt, an uncle, a cousin or a pet before it is theirs."""
    masked = _masked(sentence.tokens)
    everything = _all_occurrences(sentence)
    present = {o.klass for o in everything}
    graver = _standing(everything, sentence.tokens) | message_graver
    occurrences = _occurrences(sentence, masked) if masked else everything
    by_class: dict[str, list[Occurrence]] = {}
    for occurrence in occurrences:
        by_class.setdefault(occurrence.klass, []).append(occurrence)
    context: SentenceContext | None = None
    candidates: dict[str, list[tuple[Finding, Span]]] = {}
    for concept in _concepts():
        for sign in concept.signs:
            if not sign.needs <= by_class.keys() or (across_only and not sign.across):
                continue
            for span in _spans(sign, by_class, len(sentence.tokens) if alone else None):
                context = context or SentenceContext(
                    sentence, today,
                    frozenset(o.start for o in occurrences if o.klass in _leading_classes()))
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
    for concept in _concepts():
        # Words that are another concept's ("coughing up blood") do not count here too.
        theirs = [span for other in concept.yields_to for _, span in candidates.get(other, ())]
        mine = [finding for finding, span in candidates.get(concept.flag, ())
                if not any(span.start < t.end and t.start < span.end for t in theirs)]
        if mine:
            best[concept.flag] = min(mine, key=lambda f: RANK[(f.tier, f.severity)])
    return best


@lru_cache(maxsize=4096)
def _all_occurrences(sentence: Sentence) -> tuple[Occurrence, ...]:
    """Every class in a sentence, masks ignored: read once for the sentence's signs and once
    for what holds message-wide."""
    return tuple(_occurrences(sentence, set()))


def _message_wide(sentence: Sentence) -> frozenset[str]:
    wanted = [o for o in _all_occurrences(sentence) if o.klass in MESSAGE_WIDE]
    return frozenset(_standing(wanted, sentence.tokens, cleared_by_all_right=False)) \
        if wanted else frozenset()


def _relative_before(tokens: tuple[str, ...], start: int) -> bool:
    """An aunt, an uncle, a cousin, a baby or a pet named just before the sign, with no "I",
    "me" or "my" between: "my tía had a stroke", not "my grandson brought me, my chest hurts"."""
    mine = context_words("first_person")
    return any(end <= start and start - end <= RELATIVE_REACH
               and not mine.intersection(tokens[end:start])
               for _, end in _phrases("wider_family").find(tokens))


def _said_fine(sentence: Sentence) -> bool:
    """The patient or the writer said to be fine, not "no estoy bien", "not ok"."""
    return any(begin == 0 or sentence.tokens[begin - 1] not in NOT_FINE
               for begin, _ in _phrases("patient_fine").find(sentence.tokens))


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
    return any(end == len(following.tokens) for _, end in _phrases("blanket_denial").find(
        following.tokens))


def _taken_back(sentence: Sentence, following: Sentence | None) -> bool:
    """ "I almost passed out lol jk", or "jk" as the next sentence; never "no es broma"."""
    def joking(tokens: tuple[str, ...]) -> bool:
        return any(begin == 0 or tokens[begin - 1] not in NOT_FINE
                   for begin, _ in _phrases("retraction").find(tokens))

    short_next = following is not None and len(following.tokens) <= 3
    return joking(sentence.tokens) or (short_next and joking(following.tokens))


@cache
def _phrases(name: str) -> PhraseIndex:
    """One of context.yaml's word lists, as phrases to find in a sentence."""
    return PhraseIndex(tuple(tuple(w.split()) for w in context_words(name)))


@cache
def _leading_classes() -> frozenset[str]:
    """Classes that begin a sign ("chest" in "chest pain none shortness of breath no"), not
    modifiers such as "bad" or "feo"."""
    return frozenset(sign.classes[0] for concept in _concepts() for sign in concept.signs)


@cache
def _concepts() -> tuple[Concept, ...]:
    return vocabulary().concepts


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
    named = [bool(_phrases("patient_named").find(s.tokens)) for s in parts]
    message_graver = frozenset().union(*(_message_wide(s) for s in parts))
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
        findings = _assess_sentence(sentence, today, len(found) == 1, patient_named,
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
        message = _assess_sentence(_joined(parts, frozenset(_sentence_starts(parts)), False),
                                   today, False, any(named), across_only=True)
        if "self_harm" in message:
            best["self_harm"] = message["self_harm"]
    if "breathing" not in best and LOW_OXYGEN.search(normalised):
        best["breathing"] = Finding("breathing", "certain", "emergency", "low oxygen")
    if any(_phrases("asking_only").find(s.tokens) for s in found):
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
        masked = _masked(sentence.tokens)
        found += [" ".join(sentence.tokens[o.start:o.end])
                  for o in _occurrences(sentence, masked) if o.klass in wanted]
    return list(dict.fromkeys(found))


def scan(text: str) -> list[str]:
    """Red-flag ids found in `text` (certain or possible), in the vocabulary's order."""
    return assess(text).flags
