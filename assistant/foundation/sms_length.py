"""How many SMS segments a text costs: GSM-7 fits 160 characters (153 per segment when
split); one character outside GSM-7 (á, í, ó, ú, curly quotes, emoji; é, ñ and ¿ are in
it) makes the whole message UCS-2, 70 characters (67 per segment)."""

from __future__ import annotations

import math

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def segments(text: str) -> int:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
        length = len(text) + sum(ch in GSM7_EXTENDED for ch in text)
        return 1 if length <= 160 else math.ceil(length / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def encoding(text: str) -> str:
    return "GSM-7" if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text) else "UCS-2"
