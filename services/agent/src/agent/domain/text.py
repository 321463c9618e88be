"""Words as patients type and say them: lower-cased tokens, number words, small typos.

Texts arrive with misspellings, no punctuation (speech transcripts) and run-on
sentences; everything that reads a patient's words starts from these helpers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip


def normalize(text: str) -> str:
    """Lower case, straight apostrophes, single spaces."""
    return " ".join(text.translate(_APOSTROPHES).lower().split())


def tokens(text: str) -> list[str]:
    return list(_tokens(text))


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(normalize(text)))


def contains_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    if n == 0:
        return False
    return any(list(words[i : i + n]) == list(phrase) for i in range(len(words) - n + 1))


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (a swap of neighbours costs one), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_budget(word: str) -> int:
    """How many typos a word of this length may carry and still be recognised.

    Short words get none: "lip" and "hip" must stay different.
    """
    if len(word) >= 8:
        return 2
    if len(word) >= 5:
        return 1
    return 0


@lru_cache(maxsize=200_000)
def close_to(typed: str, known: str) -> bool:
    """Whether a typed word is a known word within its typo budget (cached: patients reuse
    the same few hundred words, and menus are small)."""
    if typed == known:
        return True
    budget = typo_budget(known)
    return budget > 0 and edit_distance(typed, known, budget) <= budget


def fuzzy_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    """Whether `phrase` appears in `words`, each word allowed its typo budget.

    Run-together words count too: "hydrafacial" for "hydra facial".
    """
    n = len(phrase)
    if n == 0:
        return False
    for i in range(len(words) - n + 1):
        if all(close_to(words[i + k], phrase[k]) for k in range(n)):
            return True
    if n > 1:
        joined = "".join(phrase)
        return any(close_to(word, joined) for word in words)
    return False


def number_in(word: str) -> int | None:
    """1 from "1", "one", "first", "1st", "#1"."""
    word = word.lstrip("#")
    if word.isdigit():
        return int(word)
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS[word]
    match = re.fullmatch(r"(\d+)(st|nd|rd|th)", word)
    return int(match.group(1)) if match else None


YES = frozenset(
    "yes yeah yep yup ya yea yass sure ok okay k confirm confirmed correct absolutely "
    "definitely please perfect great".split()
)
YES_PHRASES = (("sounds", "good"), ("book", "it"), ("do", "it"), ("go", "ahead"), ("that", "works"))
NO = frozenset("no nope nah not don't dont negative none never".split())
NO_PHRASES = (("changed", "my", "mind"), ("keep", "it"))
UNSURE = (("not", "sure"), ("don't", "know"), ("dont", "know"), ("maybe",), ("idk",))


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None when the words say neither (or both)."""
    words = tokens(text)
    if not words or any(contains_phrase(words, phrase) for phrase in UNSURE):
        return None
    said_yes = any(w in YES for w in words) or any(contains_phrase(words, p) for p in YES_PHRASES)
    said_no = any(w in NO for w in words) or any(contains_phrase(words, p) for p in NO_PHRASES)
    if said_yes == said_no:
        return None
    return said_yes


_NAME_LEAD = re.compile(
    r"^\s*(?:my name is|my name'?s|name is|name'?s|it'?s|it is|this is|i'?m|i am|call me)\s+",
)
_NOT_NAMES = frozenset(
    "yes no yeah yep nope ok okay sure hi hello hey thanks thank you please the a an and or "
    "for with book botox filler lips tomorrow today monday tuesday wednesday thursday friday "
    "saturday sunday morning afternoon evening what when where how why can could would "
    "one two three first second third none nothing cancel help stop".split()
)


def name_in(text: str) -> str | None:
    """A person's name given in reply to "what's your name?", in their own capitalisation.

    One to four words of letters after an optional "my name is", "it's", "I'm"; anything
    that reads like a request or an answer to something else is not a name.
    """
    raw = " ".join(text.translate(_APOSTROPHES).split()).strip(" .!,")
    lead = _NAME_LEAD.match(raw.lower())
    if lead:
        raw = raw[lead.end() :]
    raw = re.split(r"[,.!?;]| and | but ", raw, maxsplit=1)[0].strip()
    words = raw.split()
    if not 1 <= len(words) <= 4:
        return None
    if not all(re.fullmatch(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'\-]*\.?", w) for w in words):
        return None
    if any(w.lower().strip(".") in _NOT_NAMES for w in words):
        return None
    return " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in words)


_NAME_GIVEN = re.compile(
    r"\b(?:my name is|my name's|name is|name's)\s+([A-Za-z][\w'\-]*(?:\s+[A-Za-z][\w'\-]*){0,2})",
    re.IGNORECASE,
)
_SELF_INTRO = re.compile(
    r"\b(?:[Tt]his is|I'm|I am|[Ii]t's)\s+([A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){0,2})"
)


def volunteered_name(text: str) -> str | None:
    """A name offered in passing ("...my name is Ana Lopez", "This is Sam Lee"), else None."""
    text = text.translate(_APOSTROPHES)
    for pattern in (_NAME_GIVEN, _SELF_INTRO):
        if match := pattern.search(text):
            found = name_in(match.group(1))
            if found:
                return found
    return None
