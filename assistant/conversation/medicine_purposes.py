"""What a medicine is for, in plain words, from a small table a clinician reviews
(`medicine_purposes.yaml`), and finding the medicines a patient names in a reply.

A patient writes the brand ("lasix"), the Spanish name ("furosemida") or a misspelling
("furosemid"); each is matched to the table's generic name, which the answer gives in the
patient's language ("Lasix (furosemida)" to a Spanish speaker). Names are read without case or
accents; a long word one or two letters away from a known name counts too, because patients
spell medicines as they hear them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.foundation.yamlsource import LineDict, YamlError, line_of, load_yaml
from assistant.safety import normalise

TABLE_FILE = Path(__file__).with_name("medicine_purposes.yaml")
LANGUAGES = ("en", "es")
# A misspelling is matched only in words this long, and this close ("metforman" for
# metformin): shorter words are too often ordinary words.
FUZZY_MIN_LENGTH = 6
FUZZY_CUTOFF = 0.85


@dataclass(frozen=True)
class Medicine:
    generic: str
    purposes: dict[str, str]  # language -> "a water pill: ..."
    reviewed_by: str
    also_called: frozenset[tuple[str, ...]]  # brands and the Spanish name, as words
    es_name: str = ""  # the generic name in Spanish, where it differs ("furosemida")

    def name(self, language: str) -> str:
        """The generic name as a patient reading `language` knows it."""
        return self.es_name if language == "es" and self.es_name else self.generic


@dataclass(frozen=True)
class Named:
    """A medicine found in a reply: the table's entry, and the words the patient used."""

    medicine: Medicine
    said: str

    def shown(self, language: str = "en") -> str:
        """The name to answer with: a brand the patient used with the generic beside it, in
        their language ("Lasix (furosemide)", "Lasix (furosemida)"); the generic alone when
        they used it in either language; a misspelling corrected."""
        generic = self.medicine.name(language)
        said = tuple(self.said.split())
        if said in self.medicine.also_called and said != tuple(tokens(generic)):
            return f"{self.said.capitalize()} ({generic})"
        return generic.capitalize()


@dataclass(frozen=True)
class MedicineTable:
    medicines: dict[str, Medicine]
    names: dict[tuple[str, ...], str]  # a name's words -> generic name

    def find(self, text: str) -> list[Named]:
        """The medicines named in `text`, in the order they appear (longest name first where
        names overlap: "toprol xl" before "toprol")."""
        words = tokens(text)
        found: list[Named] = []
        longest = max(len(name) for name in self.names)
        at = 0
        while at < len(words):
            for size in range(min(longest, len(words) - at), 0, -1):
                generic = self.names.get(tuple(words[at:at + size]))
                if generic is None and size == 1:
                    generic = self._close(words[at])
                if generic is not None:
                    found.append(Named(self.medicines[generic], " ".join(words[at:at + size])))
                    at += size
                    break
            else:
                at += 1
        return found

    def lookup(self, name: str) -> Medicine | None:
        """The entry for a medicine as the discharge list names it ("Metoprolol succinate
        ER"), or None when the table does not have it."""
        found = self.find(name)
        return found[0].medicine if found else None

    def _close(self, word: str) -> str | None:
        if len(word) < FUZZY_MIN_LENGTH:
            return None
        singles = [name[0] for name in self.names if len(name) == 1
                   and len(name[0]) >= FUZZY_MIN_LENGTH]
        close = [name for name in difflib.get_close_matches(word, singles, n=3,
                                                              cutoff=FUZZY_CUTOFF)
                 if abs(len(name) - len(word)) <= 1]  # "insulting" is not insulin
        return self.names[(close[0],)] if close else None


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalise(text))


@cache
def medicine_table(path: Path = TABLE_FILE) -> MedicineTable:
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    entries = data.get("medicines") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise YamlError(str(path), line_of(data), "expected `medicines:`, a mapping of generic "
                        "name to its names, purposes and reviewer")
    medicines: dict[str, Medicine] = {}
    names: dict[tuple[str, ...], str] = {}
    for generic, entry in entries.items():
        medicines[generic] = _entry(path, entries, str(generic), entry)
        for name in [generic.replace("/", " "), *entry["also_called"],
                     *entry.get("misspellings", [])]:
            key = tuple(tokens(str(name)))
            if names.get(key, generic) != generic:
                raise YamlError(str(path), line_of(entries, generic),
                                f"{name!r} names both {names[key]} and {generic}")
            names[key] = generic
    return MedicineTable(medicines, names)


def _entry(path: Path, entries: LineDict, generic: str, entry: object) -> Medicine:
    line = line_of(entries, generic)
    if not isinstance(entry, dict):
        raise YamlError(str(path), line, f"{generic}: expected also_called, en, es and "
                        "reviewed_by")
    missing = [key for key in ("also_called", *LANGUAGES, "reviewed_by") if not entry.get(key)]
    if missing:
        raise YamlError(str(path), line, f"{generic}: missing {', '.join(missing)}")
    if not all(isinstance(entry.get(key, []), list) for key in ("also_called", "misspellings")):
        raise YamlError(str(path), line, f"{generic}: also_called and misspellings are lists")
    es_name = str(entry.get("es_name", ""))
    if es_name and es_name not in entry["also_called"]:
        raise YamlError(str(path), line,
                        f"{generic}: es_name {es_name!r} must also be in also_called")
    return Medicine(generic, {language: str(entry[language]).strip() for language in LANGUAGES},
                    str(entry["reviewed_by"]),
                    frozenset(tuple(tokens(str(name))) for name in entry["also_called"]),
                    es_name)
