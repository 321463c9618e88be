"""`scheduler | ...`: each service's lines under its padded, coloured name."""

from __future__ import annotations

from dataclasses import dataclass

# ANSI foreground colours that read on dark and light terminals alike.
PALETTE = ("36", "33", "32", "35", "34", "96", "93", "92", "95")
BOLD = "1"
RESET = "\033[0m"


@dataclass(frozen=True)
class LinePrefixer:
    names: tuple[str, ...]
    colour: bool = False

    def __call__(self, name: str, line: str) -> str:
        width = max((len(n) for n in self.names), default=0)
        label = name.ljust(width)
        if self.colour:
            known = name in self.names
            code = PALETTE[self.names.index(name) % len(PALETTE)] if known else BOLD
            label = f"\033[{code}m{label}{RESET}"
        return f"{label} | {line.rstrip()}"
