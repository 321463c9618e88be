"""SMS segment counting, the way carriers split a message.

A body that fits the GSM-7 alphabet is sent in 7-bit septets: 160 in one SMS, 153 per part once it
is split (the user data header takes 7). Anything else goes as UCS-2: 70 UTF-16 code units in one
SMS, 67 per part. Carriers never split an escape sequence or a surrogate pair across parts.
"""

from collections.abc import Iterable

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension-table characters cost two septets: an escape plus the character.
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")


def is_gsm7(body: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body)


def count_segments(body: str) -> int:
    """Number of SMS parts ``body`` is sent as (an empty body is still one SMS)."""
    if is_gsm7(body):
        return _pack((2 if ch in GSM7_EXTENDED else 1 for ch in body), single=160, part=153)
    return _pack((len(ch.encode("utf-16-le")) // 2 for ch in body), single=70, part=67)


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
