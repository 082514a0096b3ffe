"""Time made visible: each preset's period and status, its phases, and a warning when a preset is
evaluated outside its period — all derived from the presets' `effective` dates, `series` and dated rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from sim.rules.scenario import STATUSES, preset_ids

from .loaders import preset

SERIES = "us-enforced"


@dataclass(frozen=True)
class Phase:
    id: str
    label: str
    start: dt.date
    end: dt.date | None  # last day, None = open


@lru_cache(maxsize=1)
def enforced_chain() -> tuple:
    """The enforced presets in date order (bundled data: built once)."""
    return tuple(sorted((preset(p) for p in preset_ids() if preset(p).series == SERIES), key=lambda s: s.effective))


def successor(scenario):
    """The enforced preset that replaced this one, or None."""
    if scenario.series != SERIES:
        return None
    later = [s for s in enforced_chain() if s.effective > scenario.effective]
    return later[0] if later else None


def period(scenario) -> tuple[dt.date, dt.date | None]:
    """First and last day of a preset's period (last day None while it has no successor)."""
    nxt = successor(scenario)
    return scenario.effective, (nxt.effective - dt.timedelta(days=1)) if nxt else None


def short_title(scenario) -> str:
    return re.split(r"[:(]", scenario.title)[0].strip() or scenario.id


def status_text(scenario, today: dt.date | None = None) -> str:
    """'in force since 2026-01-15', 'superseded 2023-11-17', 'reported, unpublished; superseded 2026-01-15'..."""
    today = today or dt.date.today()
    start, end = period(scenario)
    label = STATUSES.get(scenario.status, scenario.status)
    if scenario.series != SERIES:
        return f"{label} (published {start})" if scenario.status != "hypothetical" else label
    if start > today:
        when = f"takes effect {start}"
    elif end is not None and end < today:
        when = f"superseded {end + dt.timedelta(days=1)}"
    else:
        when = f"since {start}"
    if scenario.status == "in_force":
        return "in force " + when if when.startswith("since") else when
    return f"{label}; {when}"


def grouped_presets() -> list[str]:
    """Preset ids as a rule picker lists them: enacted rules by date, then proposals, then what-ifs."""
    order = {"enacted": 0, "proposed": 1, "what-if": 2}
    return sorted(preset_ids(), key=lambda pid: (order[preset(pid).group], preset(pid).effective, pid))


def option_label(pid: str) -> str:
    s = preset(pid)
    return f"{short_title(s)} — {status_text(s)}"


def _dated_items(scenario):
    items = list(scenario.classification) + [r for rules in scenario.chains.values() for r in rules] + list(scenario.conditions)
    for name, spec in scenario.destination_sets.items():
        for item in spec.get("any", []) + spec.get("except", []):
            if isinstance(item, dict):
                items.append({**item, "id": f"{item.get('code', '?')} in {name}"})
    return items


def phases(scenario) -> list[Phase]:
    """The preset's phases: its own `phases` when the engine provides them, else the dates on which a
    dated part of the preset (a rule, a destination) starts or stops within its period."""
    start, end = period(scenario)
    given = getattr(scenario, "phases", None)
    if given is not None:  # the engine's declared phases (inherited ones clipped to this preset's period)
        given = [p for p in given if end is None or p.start <= end]
        kept = [p for i, p in enumerate(given) if i + 1 == len(given) or given[i + 1].start > start]
        if len(kept) < 2:
            return []
        starts = [(p.id, p.label, max(p.start, start)) for p in sorted(kept, key=lambda p: p.start)]
    else:
        changes: dict[dt.date, list[str]] = {}
        for item in _dated_items(scenario):
            if item.get("from"):
                changes.setdefault(dt.date.fromisoformat(str(item["from"])), []).append(f"{item['id']} starts")
            if item.get("to"):
                changes.setdefault(dt.date.fromisoformat(str(item["to"])) + dt.timedelta(days=1), []).append(
                    f"{item['id']} ends")
        inside = sorted(d for d in changes if start < d and (end is None or d <= end))
        if not inside:
            return []
        starts = [("published", "as published", start)] + [
            (d.isoformat(), "; ".join(changes[d]), d) for d in inside]
    out = []
    for i, (pid, label, day) in enumerate(starts):
        last = starts[i + 1][2] - dt.timedelta(days=1) if i + 1 < len(starts) else end
        out.append(Phase(pid, label, day, last))
    return out


def phase_on(scenario, day: dt.date) -> Phase | None:
    found = None
    for p in phases(scenario):
        if p.start <= day:
            found = p
    return found


def phase_label(p: Phase) -> str:
    span = f"from {p.start}" + (f" to {p.end}" if p.end else "")
    return f"{p.label} ({span})"


def period_warning(scenario, day: dt.date) -> str | None:
    """A warning when the preset is evaluated before it took effect or after a later rule replaced it."""
    try:
        from sim.rules.scenario import period_warning as engine_warning  # lands with scenario phases
    except ImportError:
        engine_warning = None
    if engine_warning is not None:
        return engine_warning(scenario, day)
    start, end = period(scenario)
    if day < start:
        return (f"{scenario.id} took effect on {start}; on {day} it was not yet in force"
                + _in_force_note(day) + ".")
    if end is not None and day > end:
        nxt = successor(scenario)
        return f"{nxt.id} replaced {scenario.id} on {nxt.effective}; on {day}" + _in_force_note(day, lead="") + "."
    return None


def _in_force_note(day: dt.date, lead: str = " —") -> str:
    live = [s for s in enforced_chain() if s.effective <= day]
    if not live:
        return f"{lead} no chip rule was in force yet"
    return f"{lead} the rules in force were {live[-1].id}"
