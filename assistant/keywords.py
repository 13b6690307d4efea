"""Words that work at any point: opting out and back in, asking for help or for a person.

Opt-out words are those carriers honour (Twilio handles them on long codes too) plus their
Spanish equivalents; they count only as the whole message, so "I can't stop coughing" is an
answer, not an opt-out.
"""

from __future__ import annotations

import re

from .safety import normalise

OPT_OUT = {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout",
           "opt out", "parar", "para", "alto", "cancelar", "baja", "detener", "terminar",
           "darme de baja", "stop please", "please stop", "stop texting me",
           "stop messaging me", "no mas mensajes"}
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
    if words in OPT_OUT:
        return "opt_out"
    if words in OPT_IN:
        return "opt_in"
    if words in HELP:
        return "help"
    return None


def asks_for_person(text: str) -> bool:
    """A request to speak to a nurse or be called, not negated ("no need for a nurse")."""
    words = f" {_words(text)} "
    for phrase in ASK_FOR_PERSON:
        at = words.find(f" {phrase} ")
        if at >= 0 and not set(words[:at].split()[-4:]) & NEGATIONS:
            return True
    return False
