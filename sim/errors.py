"""The one exception family users see: every message names the file, the place and what was expected.

The CLI turns a ChipsimError into one clear line and exit status 2; anything else is a bug.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


class ChipsimError(Exception):
    """A problem with the user's input (file, option, name) — never a crash."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located precisely enough to fix it."""

    source: str
    expected: str
    line: int | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.source + (f":{self.line}" if self.line is not None else "")
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            parts.append(f"value {shown!r}")
        head = ", ".join(parts)
        return f"{where}: {head + ': ' if head else ''}expected {self.expected}"


class ValidationError(ChipsimError):
    """An input file with one or more problems; all of them are reported at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems[:200])
        more = f"\n  ... and {n - 200} more" if n > 200 else ""
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found:\n{lines}{more}")


def unknown_name(kind: str, name: str, known) -> ChipsimError:
    """An 'unknown X' error that lists the closest known names, so a typo is a one-step fix."""
    known = sorted(known)
    name = str(name)
    if len(name) > 200:  # a pasted blob is not a typo: say what it is, do not echo it back
        return ChipsimError(f"unknown {kind} (a name of {len(name):,} characters: {name[:60]!r}...); "
                            f"known: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}")
    close = difflib.get_close_matches(name, known, n=5, cutoff=0.5)
    if not close:
        close = [k for k in known if name.lower() in k.lower()][:5]
    hint = f"; did you mean: {', '.join(close)}?" if close else f"; known: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}"
    return ChipsimError(f"unknown {kind} {name!r}{hint}")
