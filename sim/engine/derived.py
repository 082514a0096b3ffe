"""Parameters derived from the chip table: thresholds that move with China's own chips.

A proposal such as the Moolenaar letter (2025-08-25) would allow only chips a margin above "the most
advanced chip China can produce domestically at commercially relevant scale". Such a threshold is not a
constant: it is the best figure among chips designed in a country and in volume production on the
evaluation date, times (1 + margin). It is resolved here, against the whole table and one date, so a new
Chinese chip entering volume production moves it, and a sweep over the margin recomputes it per point.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd

from ..data.chips import day_ordinals
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from ..rules.scenario import Scenario
from .metrics import compute_metrics


def basis(spec: dict, chips: pd.DataFrame, metrics: pd.DataFrame, day: dt.date) -> tuple[float, str, str]:
    """(best value, chip id, its volume-production date) among the qualifying chips; (-inf, '', '') if none.

    A chip qualifies when designed in the spec's country with a volume-production date on or before `day`;
    a blank date is unknown and never counts (a threshold is not set by a guess). A ranged figure counts
    by its low end: the level China surely reached.
    """
    designer = chips.get("designer_country", pd.Series("", index=chips.index)).fillna("").astype(str).str.strip()
    raw = chips.get("volume_production", pd.Series("", index=chips.index)).fillna("")
    since = day_ordinals(raw)
    values = np.asarray(metrics[f"{spec['metric']}_low"], dtype=float)
    ok = (designer.to_numpy() == spec["designer_country"]) & (since <= day.toordinal()) & ~np.isnan(values)
    if not ok.any():
        return -math.inf, "", ""
    best = int(np.flatnonzero(ok)[np.argmax(values[ok])])
    return float(values[best]), str(chips["chip_id"].iat[best]), str(raw.iat[best]).strip()


def resolve_derived(scenario: Scenario, chips: pd.DataFrame, day: dt.date, metrics: pd.DataFrame | None = None, *,
                    conv: MetricConventions = DEFAULT_CONVENTIONS, force: bool = False) -> Scenario:
    """The scenario with every derived parameter set from this table on this day (unchanged if it has none).

    A parameter already resolved for this day is kept unless `force`: the API resolves against the whole
    table before the chips a user asked for are selected, and that answer must survive the selection.
    The table's metrics are computed (under `conv`) only when a parameter needs them and none were given.
    """
    derived = {n: p for n, p in scenario.parameters.items()
               if p.derived is not None and (force or p.resolved_on != day)}
    if not derived:
        return scenario
    if metrics is None:
        metrics = compute_metrics(chips, conv)
    params = dict(scenario.parameters)
    for name, p in derived.items():
        best, chip, since = basis(p.derived, chips, metrics, day)
        margin = p.derived.get("times_one_plus")
        factor = 1.0 + (scenario.value(margin) if margin else 0.0)
        # no qualifying chip: no domestic benchmark yet, so the relative limit does not bite (infinite)
        value = best * factor if best > -math.inf else math.inf
        params[name] = dataclasses.replace(p, value=value, basis=best if best > -math.inf else None, basis_chip=chip,
                                           basis_since=since, resolved_on=day)
    return dataclasses.replace(scenario, parameters=params)


def derived_values(scenario: Scenario, params: dict) -> dict:
    """Parameter arrays with each resolved derived value recomputed from its (possibly swept) margin."""
    out = params
    for name, p in scenario.parameters.items():
        margin = (p.derived or {}).get("times_one_plus")
        if p.basis is not None and margin in params:
            out = dict(out) if out is params else out
            out[name] = p.basis * (1.0 + np.asarray(params[margin], dtype=float))
    return out


def derived_text(p) -> str:
    """One sentence: what a derived parameter is now, which chip sets it and since when."""
    if p.derived is None:
        return ""
    margin = p.derived.get("times_one_plus")
    metric = p.derived["metric"].upper() if p.derived["metric"] in ("tpp", "pd") else p.derived["metric"]
    if p.basis is None:
        return (f"no chip designed in {p.derived['designer_country']} is in volume production in the table on "
                f"{p.resolved_on}: no relative limit applies")
    return (f"{p.value:,.0f} {p.unit} = the best {metric} among chips designed in {p.derived['designer_country']} and in "
            f"volume production on {p.resolved_on} ({p.basis:,.0f}, {p.basis_chip}, in volume production since "
            f"{p.basis_since})" + (f" x (1 + {margin} = {p.value / p.basis - 1:g})" if margin and p.basis else ""))
