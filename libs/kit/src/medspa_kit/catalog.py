"""Message catalogs: every word a caller hears or reads, outside the code.

Each service keeps `<package>/catalog/<locale>.yaml` (flat keys to templates
with `{placeholders}`), so tone can be tuned and languages added without
touching logic. A missing key or placeholder fails loudly, never silently
sending a half-filled text.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

import yaml

DEFAULT_LOCALE = "en-US"


class CatalogError(LookupError):
    pass


class Catalog:
    def __init__(self, entries: dict[str, str], locale: str) -> None:
        self._entries = entries
        self.locale = locale

    @classmethod
    def load(cls, package: str, locale: str = DEFAULT_LOCALE) -> Catalog:
        entries = dict(_read(package, DEFAULT_LOCALE))
        if locale != DEFAULT_LOCALE:
            entries.update(_read(package, locale))
        return cls(entries, locale)

    def keys(self) -> set[str]:
        return set(self._entries)

    def placeholders(self, key: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self._template(key)) if f}

    def say(self, key: str, **values: Any) -> str:
        template = self._template(key)
        try:
            return template.format(**values)
        except (KeyError, IndexError) as exc:
            raise CatalogError(f"catalog {key!r} needs {exc}") from exc

    def _template(self, key: str) -> str:
        try:
            return self._entries[key]
        except KeyError:
            raise CatalogError(f"no catalog entry {key!r} for {self.locale}") from None


@cache
def _read(package: str, locale: str) -> dict[str, str]:
    path = resources.files(package) / "catalog" / f"{locale}.yaml"
    if not path.is_file():
        if locale == DEFAULT_LOCALE:
            raise CatalogError(f"{package} has no {DEFAULT_LOCALE} catalog")
        return {}
    raw = yaml.safe_load(path.read_text()) or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise CatalogError(f"{package}/catalog/{locale}.yaml must map keys to strings")
    return {str(k): v.strip() for k, v in raw.items()}
