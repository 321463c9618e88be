"""Turning YAML files into validated spas, or into one error that lists every problem."""

from __future__ import annotations

import os
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .directory import SpaDirectory
from .errors import ConfigProblems, Loc, Problem, SpaConfigError
from .spa import SpaConfig
from .yaml_source import locate, parse_yaml

_SUFFIXES = (".yaml", ".yml")
_SHOULD = re.compile(r"^\w+ should ")


def load_spas(path: str | os.PathLike[str] | None) -> SpaDirectory:
    """Every spa in a YAML file or a folder of them; `None` is the embedded demo spa.

    Raises SpaConfigError listing every problem in every file, including ids and numbers that
    two files both claim.
    """
    if path is None:
        files: list[Path | Traversable] = _spa_files(resources.files("spa_config") / "demo")
    else:
        files = _files_at(Path(path))
    spas: list[SpaConfig] = []
    names: list[str] = []
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(file.name, "", f"cannot be read ({error})"))
            continue
        try:
            spas.append(parse_spa(text, source=file.name))
            names.append(file.name)
        except SpaConfigError as error:
            problems += error.problems
    try:
        directory = SpaDirectory(spas, sources=names)
    except SpaConfigError as error:
        problems += error.problems
    if problems:
        raise SpaConfigError(problems)
    return directory


def parse_spa(text: str, *, source: str = "<string>") -> SpaConfig:
    """One spa from YAML text; `source` names it in error messages."""
    try:
        data, node = parse_yaml(text)
    except yaml.MarkedYAMLError as error:
        raise SpaConfigError([_syntax_problem(error, source)]) from None
    except yaml.YAMLError as error:
        raise SpaConfigError([Problem(source, "", f"is not valid YAML ({error})")]) from None
    if not isinstance(data, dict):
        what = "is empty" if data is None else "must be a mapping of spa settings"
        raise SpaConfigError([Problem(source, "", what)])
    try:
        return SpaConfig.model_validate(data)
    except ValidationError as error:
        details = error.errors(include_url=False)
        raise SpaConfigError(_problems(details, node, source)) from None


def _syntax_problem(error: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    message = error.problem or str(error)
    context_mark = error.context_mark
    if error.context and context_mark is not None and mark and context_mark.line != mark.line:
        # The problem is often found far from its cause (an unclosed bracket is noticed at
        # the end of the file), so say where the unfinished thing began.
        message += f" ({error.context} on line {context_mark.line + 1})"
    return Problem(source, "", message, mark.line + 1 if mark is not None else None)


def _files_at(path: Path) -> list[Path | Traversable]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SpaConfigError([Problem(str(path), "", "does not exist")])
    files = _spa_files(path)
    if not files:
        raise SpaConfigError([Problem(str(path), "", "has no *.yaml or *.yml files")])
    return files


def _spa_files(folder: Path | Traversable) -> list[Path | Traversable]:
    found = (f for f in folder.iterdir() if f.is_file() and f.name.endswith(_SUFFIXES))
    return sorted(found, key=lambda f: f.name)


def _problems(details: list[ErrorDetails], node: Any, source: str) -> list[Problem]:
    problems: list[Problem] = []
    for detail in _without_echoes(details):
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, ConfigProblems):
            entries = [((*detail["loc"], *loc), message) for loc, message in cause.problems]
        else:
            entries = [_describe(detail)]
        for loc, message in entries:
            path, line = locate(node, loc)
            problems.append(Problem(source, path, message, line))
    return problems


def _without_echoes(details: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop "list too short" when its items failed: the short list is only their echo."""
    failed_items = {tuple(d["loc"][:-1]) for d in details if d["loc"]}
    return [
        d for d in details if not (d["type"] == "too_short" and tuple(d["loc"]) in failed_items)
    ]


def _describe(detail: ErrorDetails) -> tuple[Loc, str]:
    """Pydantic's wording, turned into "<path>: must ..." form, with the offending value."""
    loc: Loc = tuple(detail["loc"])
    kind = detail["type"]
    ctx = detail.get("ctx", {})
    if kind == "missing":
        return loc, "is required"
    if kind == "extra_forbidden":
        return loc, "is not a known setting (check the spelling)"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        field = str(ctx["discriminator"]).strip("'")
        if kind == "union_tag_not_found":
            return (*loc, field), "is required"
        return (*loc, field), f"must be one of {ctx['expected_tags']} (got {ctx['tag']!r})"
    if kind == "value_error":
        return loc, detail["msg"].removeprefix("Value error, ")
    message = _SHOULD.sub("must ", detail["msg"])
    value = detail.get("input")
    if isinstance(value, str | int | float | bool):
        message += f" (got {value!r})"
    return loc, message
