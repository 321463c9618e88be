"""All the spas one deployment serves, found by id or by the number a call or text came to."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import phonenumbers

from .errors import Problem, SpaConfigError, UnknownSpa
from .spa import SpaConfig


class SpaDirectory:
    """An immutable set of spas with unique ids and unique Twilio numbers."""

    def __init__(self, spas: Iterable[SpaConfig], *, sources: Sequence[str] | None = None) -> None:
        """`sources` names where each spa came from (its file), for error messages."""
        self._spas = list(spas)
        names = list(sources) if sources is not None else [f"spa {s.id!r}" for s in self._spas]
        if len(names) != len(self._spas):
            raise ValueError("sources must name every spa, in order")
        self._by_id: dict[str, SpaConfig] = {}
        self._by_number: dict[str, SpaConfig] = {}
        id_source: dict[str, str] = {}
        number_source: dict[str, str] = {}
        problems: list[Problem] = []
        for spa, name in zip(self._spas, names, strict=True):
            if spa.id in self._by_id:
                problems.append(
                    Problem(
                        name,
                        "id",
                        f"{spa.id!r} is already the id of the spa in {id_source[spa.id]}",
                    )
                )
            else:
                self._by_id[spa.id] = spa
                id_source[spa.id] = name
            for i, number in enumerate(spa.phone_numbers):
                if number in self._by_number:
                    problems.append(
                        Problem(
                            name,
                            f"phone_numbers[{i}]",
                            f"{number} is already the number of the spa in {number_source[number]}",
                        )
                    )
                else:
                    self._by_number[number] = spa
                    number_source[number] = name
        if problems:
            raise SpaConfigError(problems)

    def get(self, spa_id: str) -> SpaConfig:
        try:
            return self._by_id[spa_id]
        except KeyError:
            raise UnknownSpa(spa_id) from None

    def by_number(self, number: str, *, default_region: str = "US") -> SpaConfig | None:
        """The spa a call or text to `number` reached (Twilio's `To`), or None.

        Any format is accepted; one without a country code is read in `default_region`.
        """
        try:
            parsed = phonenumbers.parse(number, default_region)
        except phonenumbers.NumberParseException:
            return None
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return self._by_number.get(e164)

    def all(self) -> list[SpaConfig]:
        return list(self._spas)

    def __iter__(self) -> Iterator[SpaConfig]:
        return iter(self._spas)

    def __len__(self) -> int:
        return len(self._spas)
