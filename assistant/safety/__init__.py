"""The red-flag safety net: warning signs in any message, however they are phrased.

Every inbound message (SMS or a call's speech) is read for the nine red flags of
`docs/CLINICAL.md`. A flag is a *concept* built from parts that combine (a
body site and a sensation, a sign that stands alone), matched on stemmed words in English and
Spanish with typo and sound-alike tolerance, then weighed in its context the ConText way
(negation, the past, hypotheticals and questions, another person). The result has tiers:
*certain* (the emergency instruction first: 911, or 988 for self-harm) and *possible*
(the patient is told what to do if it is happening now and a nurse checks today).

May import: the standard library, `snowballstemmer`, `rapidfuzz`, `wordfreq`'s data (read
with `msgpack`) and `yaml`. Nothing else of Carecall: the dialogue, the CLI and the flow editor
import this package, not the reverse. The vocabulary is data (`concepts.yaml`,
`context.yaml`), reviewed like the flows; `docs/SAFETY.md` explains it and its figures.
"""

from .detector import Assessment, Finding, assess, scan, symptom_words, warm_up
from .vocabulary import LANGUAGES, RED_FLAG_IDS, SUMMARIES, gather_hints
from .words import normalise

__all__ = ["LANGUAGES", "RED_FLAG_IDS", "SUMMARIES", "Assessment", "Finding", "assess",
           "gather_hints", "normalise", "scan", "symptom_words", "warm_up"]
