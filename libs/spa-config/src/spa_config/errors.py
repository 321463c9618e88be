"""What goes wrong when a spa configuration is read, said so a spa owner can fix it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A location inside one spa document, as Pydantic reports it: field names and list indexes.
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file: where it is and what is wrong."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        if self.path:
            line = f" (line {self.line})" if self.line is not None else ""
            return f"{self.file}: {self.path}: {self.message}{line}"
        if self.line is not None:
            return f"{self.file}: line {self.line}: {self.message}"
        return f"{self.file}: {self.message}"


class SpaConfigError(Exception):
    """Every problem found while loading spa configuration, reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class ConfigProblems(ValueError):
    """Raised inside a model validator to report several problems at once.

    Pydantic keeps the raised exception in the error's context, so the loader can expand it
    into one `Problem` per entry, each at its own location under the validated model.
    """

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(message for _, message in self.problems))


class UnknownId(LookupError):
    """A lookup by id found nothing (a service, provider or resource the spa does not have)."""

    def __init__(self, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(f"unknown {kind} {id!r}")


class UnknownSpa(UnknownId):
    """No loaded spa has this id."""

    def __init__(self, spa_id: str) -> None:
        super().__init__("spa", spa_id)
        self.spa_id = spa_id
