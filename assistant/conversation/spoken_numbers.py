"""Numbers said the way people say readings aloud, which number-word parsers miss: "one eighty
four point two" (184.2), "one oh one" (101), "98 point 6". A weight never understood is a
weight gain never assessed, so these become digits before the general parser runs."""

from __future__ import annotations

import re

DIGITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SPANISH_DIGITS = {"uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
                  "siete": 7, "ocho": 8, "nueve": 9, "cero": 0}

_DIGIT = "|".join(DIGITS)
_SEP = r"[\s-]+"
# "one oh one", "one zero four"
_HUNDRED_OH = re.compile(rf"\b({_DIGIT}){_SEP}(?:oh|o|zero){_SEP}({_DIGIT})\b")
# "one eighteen"
_HUNDRED_TEEN = re.compile(rf"\b({_DIGIT}){_SEP}({'|'.join(TEENS)})\b")
# "one eighty four", "two fifty", "1 eighty 3"
_HUNDRED_TENS = re.compile(
    rf"\b({_DIGIT}|[1-9]){_SEP}({'|'.join(TENS)})(?:{_SEP}({_DIGIT}|[1-9]))?\b"
    rf"(?!{_SEP}(?:hundred|thousand))")
# Digit by digit: "one five eight", "uno cinco ocho"
_ANY_DIGIT = "|".join([*DIGITS, "zero", "oh", *SPANISH_DIGITS])
_DIGIT_BY_DIGIT = re.compile(rf"\b(?:{_ANY_DIGIT})(?:{_SEP}(?:{_ANY_DIGIT})){{2}}\b")
# "98 point 6", "37 punto 5", "38 coma 2"
_POINT = re.compile(r"\b(\d+)\s+(?:point|dot|punto|coma)\s+(\d+)\b")
# "point six" after digits: "98 point six"
_POINT_WORD = re.compile(
    rf"\b(\d+)\s+(?:point|dot|punto|coma)\s+((?:(?:{_DIGIT}|zero|oh|{'|'.join(SPANISH_DIGITS)})"
    r"\s*)+)")


def _hundreds_oh(match: re.Match[str]) -> str:
    return f"{DIGITS[match[1]]}0{DIGITS[match[2]]}"


def _hundreds_teen(match: re.Match[str]) -> str:
    return f"{DIGITS[match[1]]}{TEENS[match[2]]}"


def _value(word: str) -> int:
    return int(word) if word.isdigit() else DIGITS[word]


def _hundreds_tens(match: re.Match[str]) -> str:
    units = _value(match[3]) if match[3] else 0
    return f"{_value(match[1])}{TENS[match[2]] + units}"


def _digit_by_digit(match: re.Match[str]) -> str:
    names = {**DIGITS, **SPANISH_DIGITS, "zero": 0, "oh": 0}
    return "".join(str(names[word]) for word in re.split(_SEP, match[0]))


def _point_words(match: re.Match[str]) -> str:
    names = {**DIGITS, **SPANISH_DIGITS, "zero": 0, "oh": 0}
    decimals = "".join(str(names[word]) for word in match[2].split())
    return f"{match[1]}.{decimals} "


def spoken_digits(text: str) -> str:
    """Readings said digit group by digit group, to digits; other words are left alone."""
    text = _DIGIT_BY_DIGIT.sub(_digit_by_digit, text)
    text = _HUNDRED_OH.sub(_hundreds_oh, text)
    text = _HUNDRED_TEEN.sub(_hundreds_teen, text)
    return _HUNDRED_TENS.sub(_hundreds_tens, text)


def decimal_points(text: str) -> str:
    """ "98 point 6" → "98.6" once the number words are digits."""
    text = _POINT_WORD.sub(_point_words, text)
    return _POINT.sub(r"\1.\2", text)
