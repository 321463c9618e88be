"""How many SMS segments a body costs, counted the way carriers count them.

A body entirely in the GSM-7 alphabet travels in 7-bit septets: 160 in a single SMS, 153 per
part once split (the concatenation header takes the rest); extension characters such as € or {
cost two septets. One character outside it (an emoji, a curly quote) sends the whole body as
UCS-2: 70 UTF-16 units alone, 67 per part, and an emoji is two units. Carriers never split an
escape sequence or a surrogate pair across parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")
# Twilio refuses a longer body (error 21617).
MAX_BODY_CHARS = 1600


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class Segments:
    encoding: Encoding
    count: int


def encoding_of(body: str) -> Encoding:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body):
        return Encoding.GSM7
    return Encoding.UCS2


def count(body: str) -> Segments:
    """The segments `body` is sent as; an empty body still costs one."""
    encoding = encoding_of(body)
    if encoding is Encoding.GSM7:
        units = (2 if ch in GSM7_EXTENDED else 1 for ch in body)
        return Segments(encoding, _pack(units, single=160, part=153))
    units = (len(ch.encode("utf-16-le")) // 2 for ch in body)
    return Segments(encoding, _pack(units, single=70, part=67))


def _pack(sizes: Iterable[int], *, single: int, part: int) -> int:
    units = list(sizes)
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts
