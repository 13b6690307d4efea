"""Questions back to us: a patient who answers a check-in question with one of their own
("who is this?", "what is this about?", "what's furosemide?", "¿quién habla?", "para qué es la
metformina") gets a short answer and the same question again, instead of "Sorry, I didn't
understand".

Only a reply that could not be read as the answer comes here (a clear "yes, why?" is a yes),
and only after the safety net and the keywords (STOP, HELP, asking for a nurse) have had it.
Three kinds are answered:
- who: who is writing, and the number to call;
- why: what the check-in is for, how to stop it, and the number to call to check it is us;
- medicine: what a medicine is for, from a table a clinician reviews (`medicine_purposes`),
  never how much or when to take it ("how much lasix should I take?" is not answered here).
Before the patient's identity is confirmed, the answers name only the care team and the
number: whoever holds the phone may not be the patient. A reply that speaks of the body ("why
does my chest hurt", "who is this? my leg feels funny") is left to the unclear path, which
shows it to a nurse. Two questions back
on one question are answered; the third is treated as any unclear reply, so a patient who keeps
asking cannot loop for ever.

Recognition (`recognise`) reads the words only, after texting shorthand is spelt out ("q es"
is "que es", "xq" is "por que"); `answer_question_back` makes the turn. Measured on
tests/corpus/questions_back_dev.yaml and questions_back_heldout.yaml (both tuned on) and a
blind second held-out set (tests/test_questions_back_corpus.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.conversation.answer_facts import prompt_values
from assistant.conversation.medicine_purposes import Medicine, Named, medicine_table, tokens
from assistant.conversation.turns import Turn
from assistant.safety import symptom_words

if TYPE_CHECKING:  # the answer turn calls in
    from assistant.conversation.answer_turn import AnswerTurn

# Questions back answered on one question before the reply counts as unclear.
MAX_QUESTIONS_BACK = 2


@dataclass(frozen=True)
class QuestionBack:
    kind: str  # "who" | "why" | "medicine"
    medicine: Medicine | None = None  # None for a medicine the table does not have
    name: str = ""  # the medicine as the discharge list names it, or the patient's words
    said: bool = False  # `name` is the patient's words, found in the table

    @property
    def about(self) -> str:
        """The medicine asked about: the table's generic name, else the name as given."""
        return self.medicine.generic if self.medicine else self.name.lower()

    def shown(self, language: str) -> str:
        """The name the answer gives: the patient's brand with the generic in their language
        ("Lasix (furosemida)"), else the name as the list or the patient gave it."""
        if self.said and self.medicine is not None:
            return Named(self.medicine, self.name).shown(language)
        return self.name


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(rf"\b(?:{p})\b" for p in patterns))


# Asked of us, but not ours to answer: doses, timing, stopping, side effects, advice. The
# unclear path re-asks; a nurse or pharmacist answers these.
# "Why do you need to know how much I weigh" repeats our question: that is not a dose.
NOT_OURS = _any(
    r"(?<!know )(?<!saber )(?:how (?:much|many|often|long)|cuant[oa]s?)",
    r"dose|doses|dosage|dosis|mg|milligrams?",
    r"(?<!why )(?:should i|do i (?:need|have) to)|can i|may i|am i supposed",
    r"debo|puedo", r"side effects?|efectos?", r"stop taking|dejar de tomar|double up|skip",
    r"when (?:do|should) i", r"what time (?:do|should)|a que hora",
    r"with food|con comida|miss(?:ed)? a|olvide",
    r"is it (?:ok|okay|safe|alright|bad|normal)|es normal|esta bien (?:si|que|tomar)",
    r"worr(?:y|ied)|preocup\w*",
    r"(?:is|does|could|can|would) (?:\w+ ){0,4}(?:make|making|cause|causing|give|giving) "
    r"(?:me|him|her|my|this|that)",  # a side effect asked about
)
# "What do you mean?" asks for the question again, which the unclear path does; "no entiendo
# que quieren" asks what we want, and goes on.
NO_QUESTION_BACK = _any(
    r"what (?:do )?(?:you|u) mean|que (?:quiere|quieres|quieren) decir|que significa",
    r"(?:no entiendo|i dont understand)(?: (?:la pregunta|the question|bien|you|le))?$",
)
# Texting shorthand, spelt out before the patterns read a sentence. "pa" is "para" only
# before "que": elsewhere it may be a word of its own.
SHORTHAND = {"q": "que", "k": "que", "ke": "que", "qe": "que", "xq": "porque", "xk": "porque",
             "pq": "porque", "pk": "porque", "porq": "porque", "pork": "porque",
             "wat": "what", "wut": "what", "wht": "what"}

WHO = _any(
    r"who ?(?:is|s|are|r|am i|dis|this|sent|sends|sending|texting|txting|texts|messaging|"
    r"calling|called|writing|wrote|be|u|ru|gave|got|has|wants to know)",
    r"who(?: \w+){1,3} (?:is this|are you|is texting|is calling|is writing)",
    r"whos (?:this|that|texting|calling|writing|there|dis|it)|whos$",
    r"do i know you|what number is this",
    r"(?:dont|do not|didnt) (?:know|have|recogni[sz]e) (?:you|this number|your number)|"
    r"no (?:se|conozco|tengo|reconozco) (?:quien|este numero|su numero)",
    # Where our number came from is who we are: "how did you get my number".
    r"how (?:did|do|does) (?:you|u|they|yall|you all) (?:get|have|find) (?:my|this|his|her|our)",
    r"where did (?:you|u|they) get (?:my|this)",
    r"(?:como|de donde) (?:consiguieron|obtuvieron|tienen|sacaron|saco|consiguio|tiene) "
    r"(?:mi|este|su|el) numero",
    # "is this Carol from cardiology?", "is this from the clinic?" (not "is that from the pills")
    r"(?:is this|are you|r u)(?: \w+){0,2} from (?:the |my |your )?(?:\w+ )?(?:hospital|clinic|"
    r"office|doctors?|dr|nurses?|cardiology|cardiologist|surgeon|department|team|practice|"
    r"pharmacy|insurance|medical|health|st|saint)",
    r"where (?:are you|r u|is this) (?:texting|calling|writing|from|coming)",
    r"(?:is this|are you|r u|this is)(?: \w+){0,3} (?:hospital|clinic|office|doctor|dr|nurse|"
    r"robot|bot|computer|machine|human|real person|person|automated|recording|pharmacy|"
    r"insurance)",
    r"quien(?:es)? (?:es|eres|son|sos|habla|hablo|me|le|llama|escribe|manda|envia|sera)",
    r"con quien|de parte de quien|de donde (?:me )?(?:escriben|llaman|hablan|es)",
    r"(?:es|eres|son|esto es)(?: \w+){0,3} (?:hospital|clinica|doctor|doctora|enfermera|robot|"
    r"maquina|computadora|farmacia|grabacion|consultorio)",
    r"^(?:who|whom|quien|quienes)$",
)
NOT_WHO = _any(r"who(?: is|s| are| will) (?:my|your|the|going|in|on|coming)",
               r"is (?:this|it) (?:about|regarding|for|because)",
               r"quien sabe", r"quien(?:es)? (?:es|son|sera) (?:mi|mis) ")

WHY = _any(
    # "porque" is also "because": a why only where it opens the sentence.
    r"why|por que", r"^(?:y |pero )?porque (?:me|nos|le|les|quieren|preguntan|escriben|mandan)",
    r"what ?(?:is|s|was|are)? (?:all )?(?:this|these|that|it) ?(?:all )?(?:about|for|regarding|"
    r"text|texts|message|messages|msg|number|call)",
    r"(?:what|whats|que) (?:is |s |es )?(?:this )?(?:carecall|care call)",  # our name
    r"is (?:this|it) (?:about|regarding)|is (?:this|that|it) why (?:you|u|youre|ur|they)",
    r"(?:esto|eso) es por|es por eso (?:que )?(?:me |nos |le )?(?:escriben|llaman|mandan|"
    r"preguntan|escribe|llama|manda)",
    # Not "the point of": "what's the point of all these pills" is hopelessness, not a question.
    r"(?:purpose|reason) (?:of|for|behind) (?:all )?(?:this|these|the|your) ?(?:texts?|messages?|"
    r"msgs?|calls?|check ?ins?|questions)?$",
    r"(?:proposito|motivo|razon) de (?:esto|estos mensajes|este mensaje|los mensajes|las llamadas)",
    r"how come (?:you|u|youre|ur|they|im|i m|i am|i keep|i get|i m getting)"
    r"(?! (?:so|feeling|feel|tired|sick|hurting|swollen|dizzy))",
    r"(?:did|does|has) (?:my|the|our) (?:doctor|dr|hospital|clinic|surgeon|cardiologist|nurse)"
    r"(?: \w+){0,4} (?:you|this|these|texts|messages)",
    r"whats? (?:this|that)$|what is (?:this|that)$|what this$",
    r"what (?:do|did|does) (?:you|u|they) (?:want|need)|what (?:are|r) (?:you|u) "
    r"(?:texting|calling|asking|writing)",
    r"whats? going on(?: here)?$|what is going on(?: here)?$",
    r"scam|scams|spam|fraud|fake|legit|legitimate|phishing|estafa|fraude|enganio|engano",
    r"is this (?:real|for real|a joke|true)|es (?:real|verdad|en serio)",
    r"(?:didnt|did not|never) (?:sign|signed) up|(?:didnt|did not|never) ask(?:ed)? for|"
    r"no (?:me inscribi|pedi)",
    r"de que (?:se trata|es|son|va)", r"que (?:es|son|sera) (?:esto|estos|este mensaje)",
    r"que (?:es|sera) esto$",
    r"que (?:quieren|quiere|desean|necesitan)(?: (?:de mi|ustedes|usted|saber))?$",
    r"para que (?:es|son|sirve|quieren|necesitan|preguntan) ?(?:esto|este|estos|mensajes?)?$",
    r"para que (?:me|nos) (?:escriben|llaman|mandan|preguntan|piden|quieren|necesitan)",
    r"para que (?:quieren|quiere|necesitan|necesita|desean|preguntan) (?:saber|mi|mis|la|el|eso)",
    r"what for|what are these|para que$",
)
# "Why" about the body is not about us: "why is my weight up", "why do I feel so tired".
NOT_WHY = _any(r"why (?:is|are|does|did|has|have|was) (?:my|it|he|she|the)|happening",
               r"why (?:do|am|did|cant|can t) i (?!getting (?:this|these|the|your|texts|messages|"
               r"calls)|get (?:this|these|texts|messages|calls)|need to|have to|keep getting)",
               r"por que (?:me duele|tengo|estoy|siento|me siento)")

# A question about a medicine named: a word that asks, or (with "?") a few words that do.
ASKS_WHAT = _any(
    r"what|whats|why", r"never heard|dont know what|not sure what|no idea what",
    r"forg[eo]t what|remind me|explain|tell me about|explica|explicar|explicame",
    r"para que|que es|que son|que hace|que hacen|por que", r"no se (?:que|para que)", r"sirve",
)
# A yes/no question in its word order needs no "?": "is amoxicillin an antibiotic",
# "albuterol is that the inhaler one".
ASKS_BY_ORDER = _any(r"^(?:is|isnt|es)",
                     r"^(?:the |el |la )?\w+ (?:is|es) (?:that|this|it|eso|esa|ese)")
ASKS_WITH_MARK = _any(r"is|es|que|cual|for|para|which")
THAT_MEDICINE = _any(
    r"(?:what|whats)(?: is| s| are| was| does| do)? (?:that|this|it|those|these|"
    r"thing|one|the (?:pill|medicine|med|drug))",
    r"what (?:medicine|medication|pill|drug|med|kind of (?:pill|medicine|drug)) is",
    r"what (?:is|s)? ?(?:it|that|this) for|what for",
    r"which (?:one|pill|medicine|med|drug) is (?:that|this|it)",
    r"why (?:do |am |should |would )?i (?:take|taking|need|on) (?:this|that|it)",
    r"(?:never heard of|dont know what|not sure what|no idea what) (?:it|that|this|those|is)",
    r"que (?:es|son) (?:eso|esto|esa|ese|esta|este|esas|esos)",
    r"para que (?:es|son|sirve|sirven)(?: (?:eso|esa|ese|esto|esta|este|esas|esos|la|el))?",
    r"que (?:medicina|pastilla|medicamento|pildora) es", r"no se (?:que|para que) es",
)
MESSAGE_WORDS = _any(r"about|text|texts|message|messages|msg|mensaje|mensajes|se trata")
# Endings of medicine names the table does not have ("what is zyntrolimab?").
DRUG_ENDINGS = ("pril", "sartan", "olol", "statin", "mab", "nib", "cillin", "mycin", "floxacin",
                "azole", "prazole", "tidine", "dipine", "zepam", "xaban", "parin", "gliflozin",
                "gliptin", "cycline", "semide", "thiazide", "terol", "sone", "lone")
NOT_A_NAME = {"this", "that", "it", "going", "on", "the", "my", "a", "your", "for", "about",
              "esto", "eso", "la", "el", "mi", "is", "es", "de", "me", "one", "someone"}


def recognise(text: str, medicine: str | None = None) -> QuestionBack | None:
    """The question back in a reply that was not an answer, or None. `medicine`: the
    medicine the question asks about, if any (for "what is that?")."""
    sentences = [_spelt_out(tokens(part)) for part in re.split(r"[.?!¿¡\n;]+", text)]
    sentences = [s for s in sentences if s]
    asking = "?" in text or "¿" in text
    if not sentences or any(NOT_OURS.search(s) for s in sentences):
        return None
    found = [_question(s, medicine, asking) for s in sentences]
    # Words of the body beside the question ("who is this? my leg feels funny") go the
    # unclear path, where a nurse sees them.
    if any(back is None and symptom_words(s) for back, s in zip(found, sentences, strict=True)):
        return None
    for kind in ("medicine", "who", "why"):
        back = next((b for b in found if b is not None and b.kind == kind), None)
        if back is not None:
            return back
    return None


def _spelt_out(words: list[str]) -> str:
    """A sentence's words with texting shorthand spelt out ("q es esto" -> "que es esto")."""
    spelt = [SHORTHAND.get(word, word) for word in words]
    spelt = ["para" if word == "pa" and spelt[i + 1:i + 2] == ["que"] else word
             for i, word in enumerate(spelt)]
    return " ".join(spelt)


def _question(sentence: str, medicine: str | None, asking: bool) -> QuestionBack | None:
    """One sentence's question back: a medicine named comes first, then who is writing,
    then "what is that?" about the medicine asked, then what this is about."""
    if NO_QUESTION_BACK.search(sentence):
        return None
    named = _named(sentence, medicine, asking)
    if named is not None:
        return named
    if WHO.search(sentence) and not NOT_WHO.search(sentence):
        return QuestionBack("who")
    if medicine and THAT_MEDICINE.search(sentence) and not MESSAGE_WORDS.search(sentence):
        return QuestionBack("medicine", medicine_table().lookup(medicine), medicine)
    if WHY.search(sentence) and not NOT_WHY.search(sentence):
        return QuestionBack("why")
    return None


def _named(sentence: str, medicine: str | None, asking: bool) -> QuestionBack | None:
    """A question naming a medicine: from the table, the one being asked about, or a word
    that looks like a medicine's name ("what is zyntrolimab")."""
    short_question = asking and len(sentence.split()) <= 3
    if not (short_question or ASKS_WHAT.search(sentence) or ASKS_BY_ORDER.search(sentence)
            or (asking and ASKS_WITH_MARK.search(sentence))):
        return None
    table = medicine_table()
    found = table.find(sentence)
    if found:
        asked = table.lookup(medicine) if medicine else None
        named = found[0]
        if asked is not None and asked.generic == named.medicine.generic \
                and named.said == " ".join(tokens(medicine or "")):
            return QuestionBack("medicine", named.medicine, medicine or "")
        return QuestionBack("medicine", named.medicine, named.said, said=True)
    words = sentence.split()
    own = tokens(medicine or "")
    if own and own[0] in words:
        return QuestionBack("medicine", None, medicine or "")
    after_what = re.search(r"\b(?:what|whats|what is|que es|para que es) (?:the |el |la )?"
                           r"([a-z]+)(?: for)?$", sentence)
    if after_what and after_what.group(1) not in NOT_A_NAME \
            and after_what.group(1).endswith(DRUG_ENDINGS):
        return QuestionBack("medicine", None, after_what.group(1))
    return None


def answer_question_back(turn: AnswerTurn) -> Turn | None:
    """The answer and the question again, or None when the reply is not a question back
    (or this question has had its two): then the reply is unclear, as before. A reply in
    which the safety net's rules found a sign ("why would I have chest pain?") is not
    answered: the sign is checked, and a nurse sees the reply."""
    asked = prompt_values(turn.question, turn.episode, turn.conversation.item_index)
    back = None if turn.sign_named else recognise(turn.text, asked.get("medicine"))
    if back is None:
        return None
    key = turn.answer_key()
    seen = turn.conversation.questions_back or {}
    count = int(seen.get("count", 0)) if seen.get("question") == key else 0
    if count >= MAX_QUESTIONS_BACK:
        return None
    turn.conversation.questions_back = {"question": key, "count": count + 1}
    return Turn([_answer(turn, back), turn.ask(turn.question)], turn.state)


def _answer(turn: AnswerTurn, back: QuestionBack) -> str:
    # Before the date of birth matches, nothing about health, a medicine or a stay.
    early = turn.question.identity
    if back.kind != "medicine":
        return turn.say(f"question_back_{back.kind}{'_early' if early else ''}")
    if early:
        return turn.say("question_back_medicine_early")
    if back.medicine is None:
        return turn.say("question_back_medicine_unknown", medicine=back.name)
    purposes = back.medicine.purposes
    return turn.say("question_back_medicine", medicine=back.shown(turn.to.language),
                    purpose=purposes.get(turn.to.language, purposes["en"]))

