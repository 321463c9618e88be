"""The short intake a front desk runs before injectables, recorded as flags.

A flag is a note for the provider, never a judgement: the agent does not say
whether anything is fine or not. What happens next (a consultation with a nurse
practitioner, or a handoff) is the spa's policy, decided elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from agent.domain.text import normalize, number_in, tokens, yes_or_no
from agent.domain.when import MONTHS

INJECTABLE_CATEGORIES = frozenset({"neurotoxin", "filler"})
STACKING_DAYS = 90  # neurotoxin inside about three months of the last one


class Step(StrEnum):
    AREA = "area"
    HISTORY = "history"
    LAST_TOXIN = "last_toxin"
    SCREEN = "screen"


class Flag(StrEnum):
    STACKING = "neurotoxin_within_3_months"
    PREGNANT = "pregnant_or_breastfeeding"
    BLOOD_THINNERS = "blood_thinners"
    AUTOIMMUNE = "autoimmune_condition"
    DENTAL = "recent_or_upcoming_dental_work"
    SCREEN_UNCLEAR = "health_answers_unclear"
    LAST_TOXIN_UNKNOWN = "last_neurotoxin_date_unknown"


# Flags the provider must review before treatment; the others are notes.
REVIEW_FLAGS = frozenset(
    {Flag.STACKING, Flag.PREGNANT, Flag.BLOOD_THINNERS, Flag.AUTOIMMUNE, Flag.DENTAL,
     Flag.SCREEN_UNCLEAR}
)  # fmt: skip

AREAS = {
    "forehead": ("forehead", "forehead lines"),
    "frown lines": ("frown", "11s", "elevens", "between my eyebrows", "between my brows", "glabella"),
    "crow's feet": ("crow's feet", "crows feet", "crowsfeet", "around my eyes", "eyes", "eye area"),
    "lips": ("lip", "lips", "lip line", "smokers lines"),
    "cheeks": ("cheek", "cheeks", "cheekbones"),
    "jawline": ("jaw", "jawline", "masseter", "masseters", "chin"),
    "neck": ("neck", "bands", "platysma"),
    "under eyes": ("under eyes", "under my eyes", "tear trough", "bags"),
}  # fmt: skip

SCREEN_WORDS = {
    Flag.PREGNANT: r"\b(pregnan\w*|breast ?feed\w*|nursing|expecting)\b",
    Flag.BLOOD_THINNERS: (
        r"\b(blood thinners?|thinners?|aspirin|eliquis|warfarin|coumadin|xarelto|plavix|"
        r"heparin|fish oil)\b"
    ),
    Flag.AUTOIMMUNE: (
        r"\b(autoimmune|auto immune|lupus|rheumatoid|multiple sclerosis|myasthenia|"
        r"hashimoto\w*|psoriasis|crohn\w*|celiac)\b"
    ),
    Flag.DENTAL: (
        r"\b(dental|dentist|teeth|tooth|root canal|implant|cleaning|filling|crown|"
        r"wisdom|orthodont\w*|braces)\b"
    ),
}
NONE_WORDS = frozenset("none no nope nah nothing n/a na neither nothing".split())


@dataclass(frozen=True)
class Intake:
    """Answers so far (the patient's own words are protected and stored sealed)."""

    area: str | None = None
    treated_before: bool | None = None
    last_toxin: str | None = None  # ISO date, or "unknown"
    screen: tuple[str, ...] | None = None
    asked_again: frozenset[Step] = field(default_factory=frozenset)

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "treated_before": self.treated_before,
            "last_toxin": self.last_toxin,
            "screen": list(self.screen) if self.screen is not None else None,
            "asked_again": sorted(self.asked_again),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Intake:
        if not raw:
            return cls()
        screen = raw.get("screen")
        return cls(
            area=raw.get("area"),
            treated_before=raw.get("treated_before"),
            last_toxin=raw.get("last_toxin"),
            screen=tuple(screen) if screen is not None else None,
            asked_again=frozenset(Step(s) for s in raw.get("asked_again", ())),
        )


def applies(category: str) -> bool:
    return category in INJECTABLE_CATEGORIES


def lower_face(service_words: str) -> bool:
    """Lower-face filler (lips, chin, jaw), where dental work matters."""
    return bool(re.search(r"\b(lip|lips|chin|jaw|jawline|perioral)\b", service_words.lower()))


def area_in(text: str) -> str | None:
    """The treatment areas named, in the spa's words ("forehead, frown lines")."""
    t = normalize(text)
    found = [
        area
        for area, phrases in AREAS.items()
        if any(re.search(rf"\b{re.escape(p)}\b", t) for p in phrases)
    ]
    return ", ".join(found) or None


HISTORY_MENTION = re.compile(
    r"\b(i|i've|ive)\s+(had|got|did|have had|tried)\b|\b(last|previous|before|previously|ago)\b"
)


def mentions_history(text: str) -> bool:
    """ "I had botox 2 months ago": treatment history, not a new booking request."""
    return bool(HISTORY_MENTION.search(normalize(text)))


def next_step(intake: Intake, category: str) -> Step | None:
    """The next question to ask, or None when the intake is done."""
    if category == "neurotoxin" and intake.area is None:
        return Step.AREA
    if intake.treated_before is None:
        return Step.HISTORY
    if category == "neurotoxin" and intake.treated_before and intake.last_toxin is None:
        return Step.LAST_TOXIN
    if intake.screen is None:
        return Step.SCREEN
    return None


def when_last(text: str, today: date) -> date | None:
    """About when something happened: "3 months ago", "in August", "last month", "6 weeks ago"."""
    t = normalize(text)
    if m := re.search(
        r"\b(\d+|a|an|one|two|three|four|five|six|couple of|few)\s+(day|week|month|year)s?\s+ago\b",
        t,
    ):
        raw = m.group(1)
        count = {"a": 1, "an": 1, "couple of": 2, "few": 3}.get(raw) or number_in(raw) or 1
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[m.group(2)] * count
        return today - timedelta(days=days)
    if re.search(r"\blast (month)\b", t):
        return today - timedelta(days=30)
    if re.search(r"\blast (week)\b|\brecently\b|\bjust had\b", t):
        return today - timedelta(days=10)
    if re.search(r"\blast year\b|\bover a year\b|\bages ago\b|\blong time ago\b", t):
        return today - timedelta(days=365)
    for word in tokens(t):
        # "may" is mostly the verb: a month only as "in May".
        if word in MONTHS and (word != "may" or re.search(r"\bin may\b", t)):
            month = MONTHS[word]
            year = today.year if month <= today.month else today.year - 1
            return date(year, month, 15)
    return None


def read_answer(step: Step, text: str, intake: Intake, today: date) -> Intake:
    """Fold one answer into the intake; an unclear answer is asked once more, then noted."""
    t = normalize(text)
    if step is Step.AREA:
        return replace(intake, area=area_in(t) or t[:60])
    if step is Step.HISTORY:
        last = when_last(t, today)
        said = yes_or_no(t)
        if re.search(r"\b(never|first time|no(pe)?|haven'?t)\b", t) and last is None:
            return replace(intake, treated_before=False)
        if last is not None or said is True or re.search(r"\b(yes|had|got|did)\b", t):
            found = last.isoformat() if last else None
            return replace(intake, treated_before=True, last_toxin=found)
        return _again(intake, step)
    if step is Step.LAST_TOXIN:
        last = when_last(t, today)
        if last is not None:
            return replace(intake, last_toxin=last.isoformat())
        if step in intake.asked_again or re.search(r"\b(don'?t (know|remember)|not sure|idk)\b", t):
            return replace(intake, last_toxin="unknown")
        return _again(intake, step)
    return _read_screen(t, intake)


def _again(intake: Intake, step: Step) -> Intake:
    if step in intake.asked_again:
        # Asked twice: note it for the provider instead of asking a third time.
        if step is Step.HISTORY:
            return replace(intake, treated_before=True, last_toxin="unknown")
        return intake
    return replace(intake, asked_again=intake.asked_again | {step})


def _read_screen(t: str, intake: Intake) -> Intake:
    found: list[str] = []
    for word in tokens(t):
        n = number_in(word)
        if n is not None and 1 <= n <= len(SCREEN_WORDS):
            found.append(list(SCREEN_WORDS)[n - 1].value)
    for flag, pattern in SCREEN_WORDS.items():
        negated = rf"\b(no|not|none|never|nor)\s+(\w+\s+){{0,2}}{pattern}"
        if re.search(pattern, t) and not re.search(negated, t):
            found.append(flag.value)
    if found:
        return replace(intake, screen=tuple(dict.fromkeys(found)))
    words = set(tokens(t))
    if words & NONE_WORDS or re.search(
        r"\bnone of (those|these|them|that)\b|\ball good\b|\bnot really\b", t
    ):
        return replace(intake, screen=())
    if Step.SCREEN in intake.asked_again:
        return replace(intake, screen=(Flag.SCREEN_UNCLEAR.value,))
    return replace(intake, asked_again=intake.asked_again | {Step.SCREEN})


def flags(intake: Intake, category: str, *, lower_face_filler: bool, today: date) -> list[Flag]:
    out: list[Flag] = []
    if category == "neurotoxin" and intake.treated_before:
        if intake.last_toxin == "unknown":
            out.append(Flag.LAST_TOXIN_UNKNOWN)
        elif intake.last_toxin:
            last = date.fromisoformat(intake.last_toxin)
            if (today - last).days < STACKING_DAYS:
                out.append(Flag.STACKING)
    for code in intake.screen or ():
        flag = Flag(code)
        if flag is Flag.DENTAL and not lower_face_filler:
            continue
        out.append(flag)
    return list(dict.fromkeys(out))


def needs_review(found: list[Flag]) -> bool:
    return any(f in REVIEW_FLAGS for f in found)
