"""Words that work at any point: opting out and back in, asking for help or for a person.

Opt-out words are those carriers honour (Twilio handles them on long codes too) plus their
Spanish equivalents; they count only as the whole message, so "I can't stop coughing" is an
answer, not an opt-out. A plain request to stop being contacted ("please stop calling me",
"no me llamen más") opts out too, wherever it is in the message, unless negated.
"""

from __future__ import annotations

import re

from assistant.safety import normalise

OPT_OUT = {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout",
           "opt out", "parar", "para", "alto", "cancelar", "baja", "detener", "terminar",
           "darme de baja", "stop please", "please stop", "stop texting me",
           "stop messaging me", "no mas mensajes"}
# Asking, in plain words, not to be contacted: these phrases name the contact itself, so a
# symptom ("can't stop coughing") never matches.
STOP_CONTACT = (
    "stop calling", "stop texting", "stop messaging", "stop sending", "stop contacting",
    "quit calling", "quit texting", "dont call me", "dont text me", "do not call me",
    "do not text me", "dont contact me", "do not contact me", "no more calls", "no more texts",
    "no more messages", "remove me from", "take me off", "take my number off",
    "unsubscribe me", "leave me alone", "dont want these", "dont want any more",
    "no me llamen", "no me llame", "no me escriban", "no me escriba", "dejen de llamar",
    "dejen de escribir", "dejen de mandar", "ya no me llamen", "ya no me escriban",
    "no quiero mas mensajes", "no quiero mas llamadas", "no quiero que me llamen",
    "no mas llamadas", "quitenme de", "borren mi numero", "no me manden",
)
OPT_IN = {"start", "unstop", "yes start", "comenzar", "iniciar", "reanudar"}
HELP = {"help", "info", "ayuda", "informacion"}
ASK_FOR_PERSON = (
    "nurse", "call me", "talk to someone", "speak to someone", "speak with someone",
    "talk with someone", "talk to a person", "speak to a person", "real person", "human",
    "operator", "doctor call", "someone call", "call back", "callback", "enfermera",
    "enfermero", "llamenme", "llameme", "llamarme", "hablar con alguien",
    "hablar con una persona", "persona real",
)
NEGATIONS = {"no", "not", "dont", "never", "nunca", "without", "sin"}


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text)))


def keyword(text: str) -> str | None:
    """"opt_out", "opt_in" or "help" when the whole message is such a keyword."""
    words = _words(text)
    if words in OPT_OUT or _asks_not_to_be_contacted(words):
        return "opt_out"
    if words in OPT_IN:
        return "opt_in"
    if words in HELP:
        return "help"
    return None


def _asks_not_to_be_contacted(words: str) -> bool:
    padded = f" {words} "
    for phrase in STOP_CONTACT:
        at = padded.find(f" {phrase} ")
        if at >= 0 and not set(padded[:at].split()[-2:]) & {"not", "never", "dont", "nunca"}:
            return True
    return False


def asks_for_person(text: str) -> bool:
    """A request to speak to a nurse or be called, not negated ("no need for a nurse")."""
    words = f" {_words(text)} "
    for phrase in ASK_FOR_PERSON:
        at = words.find(f" {phrase} ")
        if at >= 0 and not set(words[:at].split()[-4:]) & NEGATIONS:
            return True
    return False
