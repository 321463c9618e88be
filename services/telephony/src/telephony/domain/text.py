"""Text normalised for matching what people type or say, not how they spell it."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9']+")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation dropped, one space between words.

    "  No MÁS!! " becomes "no mas"; apostrophes stay so "don't" is still one word.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("\u2019", "'")
    return _NOT_WORD.sub(" ", bare).strip()
