"""What a patient's words ask for, matched against the spa's real menu.

Pure: plain strings and values in, a decision out. The full conversation
engine grows from here; this recognises greetings and names of services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    GREETING = "greeting"
    BOOK = "book"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class MenuItem:
    service_id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Understanding:
    intent: Intent
    service_id: str | None = None


_GREETINGS = re.compile(
    r"^\s*(hi+|hello+|hey+|hiya|yo|good (morning|afternoon|evening)|howdy)\b", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _mentions(words: list[str], phrase: str) -> bool:
    target = _words(phrase)
    if not target:
        return False
    n = len(target)
    return any(words[i : i + n] == target for i in range(len(words) - n + 1))


def understand(text: str, menu: Iterable[MenuItem]) -> Understanding:
    words = _words(text)
    best: tuple[int, str] | None = None
    for item in menu:
        for phrase in (item.name, *item.aliases):
            # The longest matching phrase wins: "lip filler" over "filler".
            if _mentions(words, phrase) and (best is None or len(phrase) > best[0]):
                best = (len(phrase), item.service_id)
    if best is not None:
        return Understanding(Intent.BOOK, best[1])
    if _GREETINGS.match(text) or not words:
        return Understanding(Intent.GREETING)
    return Understanding(Intent.UNKNOWN)
