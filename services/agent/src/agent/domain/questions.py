"""Questions answered from the spa's own configuration, each with a score.

The FAQ entries (matched by their keywords and words), plus topics every spa's
configuration answers: opening hours, the address, packages, memberships and
specials. The caller decides what a score is worth: below the spa's confidence
threshold the agent does not guess, it hands off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.domain.text import contains_phrase, fuzzy_phrase, normalize, tokens

STOPWORDS = frozenset(
    "a an the i me my you your we our us is are do does did can could would should will "
    "what when where which who how to of for in on at and or it this that there be have has "
    "any about with from just so please hi hello hey".split()
)


@dataclass(frozen=True)
class FaqItem:
    question: str
    answer: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    topic: str  # "faq:<n>", "hours", "address", "packages", "memberships", "specials"
    score: float


BUILT_IN: dict[str, tuple[str, ...]] = {
    "hours": (
        "hours", "open", "opening hours", "close", "closing", "what time do you",
        "are you open", "open on", "open today", "open tomorrow", "business hours",
    ),
    "address": ("address", "located", "location", "where are you located", "what street", "find you"),
    "packages": ("package", "packages", "bundle", "bundles", "series price"),
    "memberships": ("membership", "memberships", "member", "members", "club", "monthly plan"),
    "specials": (
        "specials", "special", "deals", "deal", "promotion", "promotions", "promo", "discount",
        "discounts", "offers", "coupon", "sale",
    ),
}  # fmt: skip
QUESTION_START = re.compile(
    r"^\s*(what|when|where|which|who|how|do|does|did|is|are|can|could|would|will|may|"
    r"should|any|tell me|i was wondering|wondering|info|information)\b"
)


def looks_like_question(text: str) -> bool:
    t = normalize(text)
    return "?" in t or bool(QUESTION_START.match(t)) or " do you " in f" {t} "


def _keyword_score(words: Sequence[str], phrase: str) -> float:
    target = tokens(phrase)
    if not target:
        return 0.0
    if contains_phrase(words, target):
        return min(0.95, 0.6 + 0.12 * len(target))
    if fuzzy_phrase(words, target):
        return min(0.8, 0.45 + 0.1 * len(target))
    return 0.0


def _overlap(words: Sequence[str], other: str) -> float:
    mine = {w for w in words if w not in STOPWORDS}
    theirs = {w for w in tokens(other) if w not in STOPWORDS}
    if not mine or not theirs:
        return 0.0
    return len(mine & theirs) / len(mine | theirs)


def match_questions(text: str, faq: Sequence[FaqItem]) -> list[Match]:
    """Every topic the text touches, best first, each scored 0 to 1."""
    words = tokens(text)
    found: list[Match] = []
    for i, item in enumerate(faq):
        keyword = max((_keyword_score(words, k) for k in item.keywords), default=0.0)
        score = min(1.0, keyword + 0.4 * _overlap(words, item.question))
        if score > 0:
            found.append(Match(f"faq:{i}", round(score, 3)))
    for topic, phrases in BUILT_IN.items():
        score = max(_keyword_score(words, p) for p in phrases)
        if score > 0:
            found.append(Match(topic, round(score, 3)))
    found.sort(key=lambda m: -m.score)
    return found
