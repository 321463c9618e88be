"""Which treatment on the spa's real menu a patient's everyday words point to.

Two sources of evidence, scored: the spa's own names and aliases ("lip filler",
"leg hair"), and everyday concepts that hold for any med spa ("forehead lines"
is a neurotoxin, "get rid of leg hair" is laser hair removal) matched to the
spa's services by category and hint words. The longest, most exact evidence wins;
a tie between different services is a question for the patient, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from agent.domain.text import NUMBER_WORDS, close_to, tokens


@dataclass(frozen=True)
class MenuItem:
    service_id: str
    name: str
    category: str
    aliases: tuple[str, ...] = ()

    @property
    def words(self) -> str:
        return " ".join((self.name, *self.aliases)).lower()


@dataclass(frozen=True)
class Concept:
    """Everyday words for a kind of treatment; `hints` pick the service inside its category."""

    phrases: tuple[str, ...]
    category: str
    hints: tuple[str, ...] = ()


CONCEPTS: tuple[Concept, ...] = (
    Concept(
        (
            "wrinkles", "wrinkle", "forehead", "forehead lines", "frown lines", "frown",
            "lines between my eyebrows", "11s", "elevens", "crows feet", "crow's feet",
            "fine lines", "expression lines", "anti wrinkle", "neurotoxin", "tox", "botox",
            "brow lift", "bunny lines", "gummy smile", "masseter", "jaw slimming",
        ),
        "neurotoxin",
    ),
    Concept(("lip", "lips", "fuller lips", "plump lips", "pout", "lip injections"), "filler", ("lip",)),
    Concept(("cheek", "cheeks", "cheekbones", "hollow cheeks", "midface"), "filler", ("cheek",)),
    Concept(("filler", "fillers", "dermal filler", "volume", "juvederm", "restylane"), "filler"),
    Concept(
        (
            "hair removal", "leg hair", "legs", "underarm", "underarms", "armpit", "armpits",
            "bikini", "brazilian", "unwanted hair", "get rid of hair", "laser hair", "lhr",
            "shaving", "ingrown hairs", "lip hair", "upper lip hair", "chin hair", "back hair",
        ),
        "laser",
        ("hair",),
    ),
    Concept(
        (
            "sun spots", "sunspots", "brown spots", "age spots", "dark spots", "sun damage",
            "redness", "broken capillaries", "freckles", "ipl", "bbl", "photofacial",
        ),
        "laser",
        ("ipl", "photofacial", "spots", "light"),
    ),
    Concept(("laser", "lasers"), "laser"),
    Concept(
        ("facial", "facials", "hydrafacial", "hydra facial", "deep clean", "pores", "blackheads"),
        "facial",
        ("facial",),
    ),
    Concept(("peel", "chemical peel", "peels"), "skin", ("peel",)),
    Concept(
        ("microneedling", "micro needling", "collagen", "skin texture", "skinpen"),
        "skin",
        ("needling", "collagen", "texture"),
    ),
    Concept(("dermaplaning", "dermaplane", "peach fuzz"), "facial", ("dermapl", "fuzz")),
    Concept(("b12", "vitamin", "vitamin shot", "energy shot"), "wellness"),
)  # fmt: skip

# Scores: a spa's own words beat everyday concepts; exact beats a typo; longer beats shorter.
EXACT_ALIAS, TYPO_ALIAS, CONCEPT_HINTED, CONCEPT_CATEGORY = 10.0, 7.0, 5.0, 3.0
CLEAR_MARGIN = 1.0


@dataclass(frozen=True)
class MenuMatch:
    service_id: str | None
    # When unclear: the services the patient may mean, best first, for one short question.
    candidates: tuple[str, ...] = ()
    score: float = 0.0

    @property
    def unclear(self) -> bool:
        return self.service_id is None and len(self.candidates) > 1


Phrase = tuple[str, ...]


def spoken_to_written(words: list[str]) -> list[str]:
    """Speech transcripts spell names out: "b twelve" is "b12", "eleven s" is "11s"."""
    out: list[str] = []
    for word in words:
        word = str(NUMBER_WORDS[word]) if word in NUMBER_WORDS else word
        if out and word.isdigit() and len(out[-1]) == 1 and out[-1].isalpha():
            out[-1] += word
        elif out and word == "s" and out[-1].isdigit():
            out[-1] += word
        else:
            out.append(word)
    return out


class _Words:
    """One message's words, with every known menu word each of them may be a typo of,
    worked out once so that scoring a phrase is set lookups."""

    def __init__(self, text: str, known: frozenset[str]) -> None:
        self.words = spoken_to_written(tokens(text))
        self.present = set(self.words)
        self.near = [{k for k in known if close_to(w, k)} for w in self.words]

    def score(self, phrase: Phrase, exact: float, typo: float) -> float:
        n = len(phrase)
        if not n:
            return 0.0
        windows = range(len(self.words) - n + 1)
        if self.present.issuperset(phrase) and any(
            tuple(self.words[i : i + n]) == phrase for i in windows
        ):
            return exact + n
        if any(all(phrase[k] in self.near[i + k] for k in range(n)) for i in windows):
            return typo + n
        if n > 1 and any("".join(phrase) in near for near in self.near):
            return typo + n
        return 0.0


@lru_cache(maxsize=32)
def _compiled(menu: tuple[MenuItem, ...]) -> tuple[list[tuple[str, list[Phrase]]], frozenset[str]]:
    phrases = [(m.service_id, [tuple(tokens(p)) for p in (m.name, *m.aliases)]) for m in menu]
    known = {w for _, items in phrases for phrase in items for w in phrase}
    known |= {"".join(phrase) for _, items in phrases for phrase in items if len(phrase) > 1}
    for concept in CONCEPTS:
        for phrase in concept.phrases:
            words = tokens(phrase)
            known |= set(words) | ({"".join(words)} if len(words) > 1 else set())
    return phrases, frozenset(known)


def match_service(text: str, menu: Sequence[MenuItem]) -> MenuMatch:
    compiled, known = _compiled(tuple(menu))
    said = _Words(text, known)
    scores: dict[str, float] = {}

    def offer(service_id: str, score: float) -> None:
        if score > scores.get(service_id, 0.0):
            scores[service_id] = score

    for service_id, phrases in compiled:
        for phrase in phrases:
            offer(service_id, said.score(phrase, EXACT_ALIAS, TYPO_ALIAS))
    for concept in CONCEPTS:
        strength = max(
            (
                said.score(tuple(tokens(p)), CONCEPT_HINTED, CONCEPT_HINTED - 1)
                for p in concept.phrases
            ),
            default=0.0,
        )
        if strength == 0.0:
            continue
        in_category = [m for m in menu if m.category == concept.category]
        hinted = [m for m in in_category if any(h in m.words for h in concept.hints)]
        if hinted:
            for item in hinted:
                offer(item.service_id, strength)
        elif len(in_category) > 1 and not concept.hints:
            # A whole category ("filler", "laser"): the first on the menu unless the patient's
            # words leave it open between kinds; below, a tie becomes a question.
            for item in in_category:
                offer(item.service_id, strength - (CONCEPT_HINTED - CONCEPT_CATEGORY))
        elif in_category:
            offer(in_category[0].service_id, strength)
    order = [m.service_id for m in menu]
    ranked = sorted(
        (s for s in scores.items() if s[1] > 0), key=lambda s: (-s[1], order.index(s[0]))
    )
    if not ranked:
        return MenuMatch(None)
    best_id, best = ranked[0]
    rivals = [sid for sid, score in ranked[1:] if best - score < CLEAR_MARGIN]
    if rivals and not _same_kind(best_id, rivals, menu):
        return MenuMatch(None, (best_id, *rivals), best)
    return MenuMatch(best_id, (), best)


def _same_kind(best_id: str, rivals: Sequence[str], menu: Sequence[MenuItem]) -> bool:
    """Neurotoxins are interchangeable at booking time (the provider chooses the brand):
    a tie among them takes the spa's first, instead of a question nobody can answer."""
    category = {m.service_id: m.category for m in menu}
    return category[best_id] == "neurotoxin" and all(category[r] == "neurotoxin" for r in rivals)
