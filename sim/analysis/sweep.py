"""Scenario sweeps: outcomes over grids of thresholds, fast and in bounded memory.

Why it is fast: a chip's outcome depends on a threshold only through comparisons "metric op
threshold", so two threshold values that fall between the same chip figures give identical
outcomes. Each swept parameter's values are grouped by where they fall among the chip figures
(at most two groups per figure), the engine runs once per distinct combination, and every grid point then reads its
answer by index. Destinations with identical group memberships are evaluated once too. The result
is exact — the same as evaluating every point — which the tests check.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..api import resolve_scenario, select_chips
from ..data import destinations as dest_mod
from ..data.chips import load_chips
from ..engine.derived import resolve_derived
from ..engine.metrics import compute_metrics
from ..engine.vectorised import (
    INDET_SEVERITY,
    Context,
    chip_facts,
    compile_scenario,
    default_params,
    destination_facts,
    evaluate_points,
    outcome_matrix,
    verdicts,
)
from ..errors import ChipsimError, unknown_name
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from ..rules.predicates import HI, leaves
from ..rules.scenario import Scenario

OUTCOME_ORDER = ("allowed", "exception", "license", "denied", "indeterminate")
MAX_ELEMENTS = 4_000_000  # per chunk: points x chips x destination classes
MAX_POINTS = 100_000_000  # per sweep, checked before any work; a file or the class form holds them
MAX_MEMORY_ROWS = 50_000_000  # rows sweep() builds in memory; larger results stream to a file
MAX_GRID = MAX_POINTS  # older name


@dataclass
class Prepared:
    """A scenario, chip table and destination list made ready for evaluating many parameter points."""

    scenario: Scenario
    comp: object
    codes: list
    dest_facts: tuple
    m: dict
    flags: dict
    ctx: Context
    chip_ids: np.ndarray
    metrics: pd.DataFrame

    @property
    def n_classes(self) -> int:
        return self.dest_facts[3]

    @property
    def inverse(self) -> np.ndarray:
        return self.dest_facts[0]


def prepare(scenario, table=None, chips=None, destinations=None, *, as_of=None, ctx: Context = Context(),
            conv: MetricConventions = DEFAULT_CONVENTIONS) -> Prepared:
    s = resolve_scenario(scenario)
    full = load_chips() if table is None else table
    # a threshold derived from the chip table reads the whole table on the sweep's date, not the chips selected
    s = resolve_derived(s, full, s.as_of(as_of), conv=conv, force=True)
    table = select_chips(full, chips)
    codes = dest_mod.resolve_destinations(destinations)
    comp = compile_scenario(s, as_of)
    metrics = compute_metrics(table, conv)
    m, flags = chip_facts(metrics, table, ctx)
    return Prepared(s, comp, codes, destination_facts(comp, codes, ctx), m, flags, ctx, table["chip_id"].to_numpy(), metrics)


def outcome_chunks(prep: Prepared, params: dict, metrics: dict | None = None):
    """Yield (first point, outcome index (p, N, destination classes)) chunk by chunk, so memory stays bounded.

    params: name -> 1-D values (length 1 = fixed); metrics: optional (P, N, 1) arrays of drawn chip
    figures (Monte Carlo) in place of the table's own.
    """
    varied = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
    m = prep.m if metrics is None else metrics
    n_points = max([len(v) for v in varied.values()] + [v.shape[0] for v in m.values()] + [1])
    step = max(1, MAX_ELEMENTS // max(len(prep.chip_ids) * prep.n_classes, 1))
    sev_to_idx = np.where(prep.comp.severity == INDET_SEVERITY, 4, prep.comp.severity).astype(np.int8)
    base = default_params(prep.scenario)
    for start in range(0, n_points, step):
        sl = slice(start, start + step)
        chunk = {**base, **{k: (v[sl] if len(v) > 1 else v)[:, None, None] for k, v in varied.items()}}
        m_chunk = {k: v[sl] if v.shape[0] > 1 else v for k, v in m.items()}
        _, final, _ = evaluate_points(prep.comp, m_chunk, prep.flags, prep.dest_facts, prep.ctx, chunk)
        yield start, sev_to_idx[final]


def outcome_index(prep: Prepared, params: dict) -> np.ndarray:
    """Outcome as an index into OUTCOME_ORDER, shape (P, N, destination classes)."""
    n_points = max([len(np.atleast_1d(v)) for v in params.values()] + [1])
    out = np.empty((n_points, len(prep.chip_ids), prep.n_classes), dtype=np.int8)
    for start, idx in outcome_chunks(prep, params):
        out[start:start + len(idx)] = idx
    return out


def param_leaves(scenario: Scenario, name: str) -> list[dict]:
    """Every metric comparison that reads parameter `name` (classification, chains, conditions)."""
    preds = [r["when"] for r in scenario.classification] + [r["when"] for rs in scenario.chains.values() for r in rs]
    preds += [c["when"] for c in scenario.conditions] + list(scenario.predicates.values())
    found = {}
    for pred in preds:
        for leaf in leaves(pred, scenario.predicates):
            if leaf["param"] == name:
                found[(leaf["metric"], leaf["op"])] = leaf
    return list(found.values())


def chip_figures(prep: Prepared, metric: str) -> np.ndarray:
    """Every chip figure a comparison on `metric` can turn at: the value, or both ends of a range."""
    low = prep.m[metric].reshape(-1)
    high = prep.m.get(metric + HI)
    return low if high is None else np.concatenate([low, high.reshape(-1)])


def representatives(prep: Prepared, name: str, values: np.ndarray, others=()) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, index of each input value): values that compare alike with every chip collapse.

    Every comparison reading the parameter is "chip figure op value", so its result for all chips is
    fixed by where the value falls among the chips' figures: below, on or between them. That position
    (2 x rank + on-a-figure) is the value's class; memory stays O(number of values). A chip figure
    known as a range is split at every threshold on the same metric (engine.classify), so there the
    value's place among those other thresholds matters too: their values (fixed, or the values of
    `others`, other swept parameters) are breaks as well.
    """
    values = np.asarray(values, dtype=float)
    scaled = margin_of(prep.scenario, name)
    if scaled is not None:  # a margin acts through the threshold it scales
        derived_name, basis = scaled
        _, inverse = representatives(prep, derived_name, basis * (1.0 + values), others)
        _, first, inverse = np.unique(inverse, return_index=True, return_inverse=True)
        return values[first], inverse.reshape(-1)
    metric_leaves = param_leaves(prep.scenario, name)
    figures = [chip_figures(prep, leaf["metric"]) for leaf in metric_leaves]
    metrics = {leaf["metric"] for leaf in metric_leaves}
    ranged = any(np.any((prep.m[k] < prep.m.get(k + HI, prep.m[k]))) for k in metrics if k in prep.m)
    if ranged:
        swept = dict(others)
        for other, p in prep.scenario.parameters.items():
            if other != name and any(leaf["metric"] in metrics for leaf in param_leaves(prep.scenario, other)):
                figures.append(np.atleast_1d(np.asarray(swept.get(other, p.value), dtype=float)))
    if not figures:  # the parameter is read by nothing: every value gives the same answer
        return values[:1], np.zeros(len(values), dtype=np.int64)
    breaks = np.unique(np.concatenate(figures))
    breaks = breaks[np.isfinite(breaks)]
    rank = np.searchsorted(breaks, values, side="left")
    on_break = (rank < len(breaks)) & (breaks[np.minimum(rank, max(len(breaks) - 1, 0))] == values) if len(breaks) else \
        np.zeros(len(values), dtype=bool)
    _, first, inverse = np.unique(rank * 2 + on_break, return_index=True, return_inverse=True)
    return values[first], inverse.reshape(-1)


def parse_vary(spec: str, scenario: Scenario) -> tuple[str, np.ndarray]:
    """NAME=START:STOP:N (N evenly spaced values, inclusive) or NAME=v1,v2,... ; errors name the problem."""
    if "=" not in spec:
        raise ChipsimError(f"--vary expects NAME=START:STOP:N or NAME=v1,v2,..., not {spec!r}")
    name, _, rhs = spec.partition("=")
    name = name.strip()
    if name not in scenario.parameters:
        raise unknown_name(f"parameter in --vary (scenario {scenario.id})", name, scenario.parameters)
    try:
        if ":" in rhs:
            parts = rhs.split(":")
            if len(parts) != 3:
                raise ValueError
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
            if count < 1 or count > MAX_POINTS:
                raise ChipsimError(f"--vary {name}: N must be between 1 and {MAX_POINTS:,}, not {count:,}")
            values = np.linspace(start, stop, count)
        else:
            values = np.array([float(v) for v in rhs.split(",") if v.strip() != ""])
            if values.size == 0:
                raise ValueError
    except ValueError:
        raise ChipsimError(f"--vary {name}: expected START:STOP:N (e.g. 1000:20000:191) or a list v1,v2,...; got {rhs!r}") from None
    if not np.all(np.isfinite(values)):
        raise ChipsimError(f"--vary {name}: values must be finite numbers")
    return name, values


@dataclass
class SweepPlan:
    """A sweep ready to be written: each parameter's values, their groups, and the outcomes of every group.

    The evaluated points ("classes") are every combination of the parameters' groups (grid) or the
    combinations that occur (zip); `outcomes` holds each class's outcome per chip and destination
    class. Every grid point's class follows from its values' groups, so rows can be produced in any
    order and any chunk without holding a per-point array.
    """

    prep: Prepared
    names: list
    values: list  # per parameter: every swept value, in the order given
    mode: str
    groups: list  # per parameter: the group of each value
    class_groups: np.ndarray  # (U, parameters): the group of each parameter in each class
    class_values: list  # per parameter: the representative value each class was evaluated at
    outcomes: np.ndarray  # (U, N, destination classes) index into OUTCOME_ORDER
    zip_class: np.ndarray | None  # zip: the class of each point
    n_points: int
    n_groups: tuple = field(init=False)
    _order: tuple = field(init=False, default=(None, None), repr=False)

    def __post_init__(self):
        self.n_groups = tuple(int(self.class_groups[:, a].max()) + 1 for a in range(len(self.names)))

    @property
    def shape(self) -> tuple:
        return tuple(len(v) for v in self.values)

    def points(self, start: int, stop: int, lead: int | None = None) -> tuple[list, np.ndarray]:
        """Points start..stop-1 as (each parameter's values, class of each point).

        lead: enumerate a grid with this parameter outermost (points sharing its value are then
        contiguous); the others keep their order.
        """
        flat = np.arange(start, stop, dtype=np.int64)
        if self.mode == "zip":
            order = self._zip_order(lead)
            pick = flat if order is None else order[flat]
            return [v[pick] for v in self.values], self.zip_class[pick]
        axes = list(range(len(self.values)))
        if lead is not None:
            axes = [lead] + [a for a in axes if a != lead]
        pos = np.unravel_index(flat, [len(self.values[a]) for a in axes])
        index = [None] * len(axes)
        for a, p in zip(axes, pos):
            index[a] = p
        cls = np.zeros(len(flat), dtype=np.int64)
        for a in range(len(axes)):  # class id: groups in ij (row-major) order, as evaluated
            cls = cls * self.n_groups[a] + self.groups[a][index[a]]
        return [v[i] for v, i in zip(self.values, index)], cls

    def _zip_order(self, lead):
        if lead is None:
            return None
        if self._order[0] != lead:
            self._order = (lead, np.argsort(self.values[lead], kind="stable"))
        return self._order[1]


def plan_sweep(scenario, vary: dict, *, chips=None, destinations=None, mode: str = "grid", as_of=None,
               ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS, table=None,
               prepared: Prepared | None = None) -> SweepPlan:
    """Check a sweep, group each parameter's values and evaluate every group combination once."""
    if mode not in ("grid", "zip"):
        raise ChipsimError(f"mode must be 'grid' or 'zip', not {mode!r}")
    if not vary:
        raise ChipsimError("a sweep needs at least one parameter to vary")
    names = list(vary)
    values = [np.atleast_1d(np.asarray(vary[k], dtype=float)) for k in names]
    if mode == "zip" and len({len(v) for v in values}) > 1:
        raise ChipsimError("mode='zip' needs every varied parameter to have the same number of values")
    check_points(values, mode)
    prep = prepared or prepare(scenario, table, chips, destinations, as_of=as_of, ctx=ctx, conv=conv)
    for name in names:
        if name not in prep.scenario.parameters:
            raise unknown_name("parameter to vary", name, prep.scenario.parameters)
        margin = (prep.scenario.parameters[name].derived or {}).get("times_one_plus")
        if prep.scenario.parameters[name].derived is not None:
            raise ChipsimError(f"{name} is derived from the chip table on the evaluation date, not set"
                               + (f": sweep its margin {margin} instead" if margin else ""))
    n_points = count_points(values, mode)
    reps = [representatives(prep, k, v, others=[(o, ov) for o, ov in zip(names, values) if o != k])
            for k, v in zip(names, values)]
    groups = [r[1] for r in reps]
    zip_class = None
    if mode == "grid":
        mesh = np.meshgrid(*[np.arange(len(r[0])) for r in reps], indexing="ij")
        class_groups = np.stack([g.reshape(-1) for g in mesh], axis=1)
    else:
        class_groups, zip_class = np.unique(np.stack(groups, axis=1), axis=0, return_inverse=True)
        zip_class = zip_class.reshape(-1)
    class_values = [reps[i][0][class_groups[:, i]] for i in range(len(names))]
    outcomes = outcome_index(prep, dict(zip(names, class_values)))  # (U, N, D')
    return SweepPlan(prep, names, values, mode, groups, class_groups, class_values, outcomes, zip_class, n_points)


def count_points(values: list, mode: str) -> int:
    return math.prod(len(v) for v in values) if mode == "grid" else (len(values[0]) if values else 0)


def check_points(values: list, mode: str) -> int:
    """The number of points, refused above MAX_POINTS before any work."""
    n_points = count_points(values, mode)
    if n_points > MAX_POINTS:
        shape = " x ".join(f"{len(v):,}" for v in values) if mode == "grid" and len(values) > 1 else ""
        raise ChipsimError(f"{n_points:,} points{' (' + shape + ')' if shape else ''} is more than the "
                           f"{MAX_POINTS:,} a sweep may have; use fewer values per parameter")
    return n_points


def sweep(scenario, vary: dict, *, chips=None, destinations=None, mode: str = "grid", summary: str = "counts",
          as_of=None, ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS, table=None,
          progress=None, prepared: Prepared | None = None) -> pd.DataFrame:
    """Outcomes over a grid (every combination) or zip (aligned lists) of parameter values, in memory.

    summary="counts": one row per point and destination with the number of chips per outcome;
    summary="pairs": one row per point, chip and destination with its outcome.
    For results too large for memory, sim.analysis.sweep_io.write_sweep streams the same rows to a file.
    """
    if summary not in ("counts", "pairs"):
        raise ChipsimError(f"summary must be 'counts' or 'pairs', not {summary!r}")
    if mode not in ("grid", "zip"):
        raise ChipsimError(f"mode must be 'grid' or 'zip', not {mode!r}")
    values = [np.atleast_1d(np.asarray(v, dtype=float)) for v in vary.values()]
    n = check_points(values, mode)  # before any work
    prep = prepared or prepare(scenario, table, chips, destinations, as_of=as_of, ctx=ctx, conv=conv)
    if values and not (mode == "zip" and len({len(v) for v in values}) > 1):
        n *= len(prep.codes) * (len(prep.chip_ids) if summary == "pairs" else 1)
        if n > MAX_MEMORY_ROWS:
            raise ChipsimError(f"this sweep has {n:,} rows, more than the {MAX_MEMORY_ROWS:,} held in memory; "
                               "write it to a file instead (chipsim sweep --out, or sim.analysis.sweep_io.write_sweep)")
    plan = plan_sweep(None, vary, mode=mode, prepared=prep)
    names, n_points = plan.names, plan.n_points
    if progress:
        progress(0.1)
    if mode == "grid":
        point_values = _grid_columns(plan.values)
        # flat index of each point's class, built by broadcasting (no k x P index arrays)
        shape = plan.n_groups
        strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1]
        point_rep = np.zeros(plan.shape, dtype=np.int32 if math.prod(shape) < 2**31 else np.int64)
        for axis, (g, stride) in enumerate(zip(plan.groups, strides)):
            point_rep += _along(axis, (g * stride).astype(point_rep.dtype), len(names))
        point_rep = point_rep.reshape(-1)
    else:
        point_rep = plan.zip_class
        point_values = plan.values
    codes = plan.outcomes  # (U, N, D')
    if progress:
        progress(0.6)
    dest_class = prep.inverse
    n_dest = len(prep.codes)
    if summary == "counts":
        counts = np.stack([(codes == k).sum(axis=1, dtype=np.int32) for k in range(5)])  # (5, U, D')
        block = np.empty((5, n_points * n_dest), dtype=np.int32)
        n_cls = counts.shape[2]
        flat_index = (point_rep[:, None] * n_cls + dest_class[None, :]).reshape(-1)
        for k in range(5):  # one outcome at a time keeps the peak at one (P x M) column
            np.take(counts[k].reshape(-1), flat_index, out=block[k])
        del counts
        result = pd.DataFrame(block.T, columns=list(OUTCOME_ORDER), copy=False)
        result.insert(0, "destination", pd.Categorical.from_codes(
            np.tile(np.arange(n_dest, dtype=np.int16), n_points), categories=prep.codes))
        for i, (k, v) in enumerate(zip(names, point_values)):
            result.insert(i, k, np.repeat(v, n_dest) if n_dest > 1 else v)
    else:
        n = len(prep.chip_ids)
        per = codes[point_rep][:, :, dest_class]  # (P, N, M)
        out = {k: np.repeat(v, n * n_dest) for k, v in zip(names, point_values)}
        out["chip_id"] = np.tile(np.repeat(prep.chip_ids, n_dest), n_points)
        out["destination"] = pd.Categorical.from_codes(np.tile(np.arange(n_dest, dtype=np.int16), n_points * n),
                                                       categories=prep.codes)
        out["outcome"] = pd.Categorical.from_codes(per.reshape(-1), categories=list(OUTCOME_ORDER))
        result = pd.DataFrame(out, copy=False)
    if progress:
        progress(1.0)
    result.attrs.update(scenario=prep.scenario.id, points=n_points, evaluated_points=len(codes), mode=mode)
    return result


def _along(axis: int, v: np.ndarray, ndim: int) -> np.ndarray:
    """v shaped to lie along one axis of an ndim grid, ready to broadcast."""
    view = [1] * ndim
    view[axis] = len(v)
    return v.reshape(view)


def _grid_columns(values: list[np.ndarray]) -> list[np.ndarray]:
    """Each parameter's value at every grid point (ij order), one column at a time."""
    shape = [len(v) for v in values]
    return [np.broadcast_to(_along(axis, v, len(values)), shape).reshape(-1) for axis, v in enumerate(values)]


# ---------------------------------------------------------------------------------------------
# sensitivity: closed-form flip points

def _neighbours(values: np.ndarray) -> np.ndarray:
    return np.unique(np.concatenate([np.nextafter(values, -np.inf), values, np.nextafter(values, np.inf)]))


def margins(scenario, chip_id: str, destination: str, *, as_of=None, ctx: Context = Context(),
            conv: MetricConventions = DEFAULT_CONVENTIONS, table=None) -> pd.DataFrame:
    """For every parameter: where this pair's outcome would change, to what, and the headroom.

    The outcome can change only where a comparison that reads the parameter flips, i.e. at this
    chip's own figure for that comparison; those break points come straight from the predicates,
    and the outcome is evaluated just either side of each (no search).
    """
    prep = prepare(scenario, table, [chip_id], [destination], as_of=as_of, ctx=ctx, conv=conv)
    s = prep.scenario
    rows = []
    for name, p in s.parameters.items():
        breaks = sorted({float(f) for leaf in param_leaves(s, name) for f in chip_figures(prep, leaf["metric"])})
        breaks = [b for b in breaks if b == b]
        current = p.value
        row = {"parameter": name, "unit": p.unit, "value": current, "stricter": p.stricter}
        grid = np.unique(np.concatenate([_neighbours(np.array(breaks, dtype=float)), [current]])) if breaks else np.array([current])
        out = outcome_index(prep, {name: grid})[:, 0, prep.inverse[0]]
        words = np.asarray(OUTCOME_ORDER, dtype=object)[out]
        i = int(np.searchsorted(grid, current))
        now = words[i]
        row["outcome"] = now
        for direction, rng in (("lower", range(i - 1, -1, -1)), ("higher", range(i + 1, len(grid)))):
            flip = next((j for j in rng if words[j] != now), None)
            row[f"flip_if_{direction}_to"] = None if flip is None else float(grid[flip])
            row[f"outcome_if_{direction}"] = None if flip is None else words[flip]
            row[f"headroom_{direction}"] = None if flip is None else abs(current - float(grid[flip]))
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs.update(chip_id=chip_id, destination=destination, scenario=s.id)
    return frame


def margin_sentences(frame: pd.DataFrame) -> list[str]:
    """Plain-language lines: 'RLP.tpp: denied if lowered to 20,919 or below (headroom 81 TPP)'."""
    lines = []
    for _, r in frame.iterrows():
        parts = []
        for d in ("lower", "higher"):
            v = r[f"flip_if_{d}_to"]
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                parts.append(f"{r[f'outcome_if_{d}']} if {'lowered' if d == 'lower' else 'raised'} to {v:,.6g}"
                             f" (headroom {r[f'headroom_{d}']:,.6g} {r['unit']})")
        lines.append(f"{r['parameter']} = {r['value']:,.6g} {r['unit']}: " + ("; ".join(parts) if parts else "no change on this axis")
                     + f" [now {r['outcome']}]")
    return lines


def margin_of(scenario: Scenario, name: str):
    """(derived parameter, its basis) when `name` is the margin a derived threshold is scaled by, else None."""
    for derived_name, p in scenario.parameters.items():
        if p.basis is not None and (p.derived or {}).get("times_one_plus") == name:
            return derived_name, p.basis
    return None


def flip_points(prep: Prepared, name: str, lo: float, hi: float, destination: str) -> pd.DataFrame:
    """Every chip's flip values for one parameter within [lo, hi], for one destination."""
    d = prep.codes.index(destination)
    rows = []
    scaled = margin_of(prep.scenario, name)
    leaves_ = param_leaves(prep.scenario, scaled[0] if scaled else name)
    cand = np.unique(np.concatenate([chip_figures(prep, leaf["metric"]) for leaf in leaves_])) if leaves_ else np.array([])
    if scaled:  # a chip figure f flips the derived threshold basis x (1 + margin) at margin f / basis - 1
        cand = cand / scaled[1] - 1.0
    cand = cand[np.isfinite(cand) & (cand >= lo) & (cand <= hi)]
    grid = np.unique(np.concatenate([_neighbours(cand), [lo, hi]]))
    out = outcome_index(prep, {name: grid})[:, :, prep.inverse[d]]  # (G, N)
    for i, cid in enumerate(prep.chip_ids):
        col = out[:, i]
        change = np.flatnonzero(col[1:] != col[:-1])
        for j in change:
            rows.append({"chip_id": cid, "flip_at": float(grid[j] if grid[j] in cand else grid[j + 1]),
                         "below": OUTCOME_ORDER[col[j]], "above": OUTCOME_ORDER[col[j + 1]]})
    return pd.DataFrame(rows, columns=["chip_id", "flip_at", "below", "above"]).drop_duplicates(["chip_id", "flip_at"])


# ---------------------------------------------------------------------------------------------
# the best chip a destination may receive, and allocations

BEST_METRICS = {"tpp": "tpp", "dram_bw": "dram_bw_gbps", "h100e": "h100e", "pd": "pd"}


def _metric_column(metric: str) -> str:
    if metric not in BEST_METRICS:
        raise ChipsimError(f"--metric must be one of {', '.join(BEST_METRICS)}, not {metric!r}")
    return BEST_METRICS[metric]


def best(scenario, destination: str, *, metric: str = "tpp", as_of=None, ctx: Context = Context(),
         conv: MetricConventions = DEFAULT_CONVENTIONS, table=None, top: int = 10) -> pd.DataFrame:
    """The highest-performing chips the destination may receive (allowed or by exception)."""
    column = _metric_column(metric)
    s = resolve_scenario(scenario)
    table = load_chips() if table is None else table
    v = verdicts(s, table, destinations=[destination], as_of=as_of, ctx=ctx, conv=conv)
    metrics = compute_metrics(table, conv)
    v[metric] = metrics[column].to_numpy()
    v["name"] = table["name"].to_numpy()
    ok = v[v["outcome"].isin(["allowed", "exception"]) & v[metric].notna()]
    return ok.sort_values(metric, ascending=False).head(top)[["chip_id", "name", metric, "outcome", "exception", "rule"]] \
        .reset_index(drop=True)


def frontier(scenario, destination: str, name: str, values, *, metric: str = "tpp", as_of=None, ctx: Context = Context(),
             conv: MetricConventions = DEFAULT_CONVENTIONS, table=None) -> pd.DataFrame:
    """How the best receivable chip moves as one parameter is swept."""
    column = _metric_column(metric)
    prep = prepare(scenario, table, None, [destination], as_of=as_of, ctx=ctx, conv=conv)
    pairs = sweep(None, {name: values}, summary="pairs", prepared=prep)
    pairs[metric] = np.tile(prep.metrics[column].to_numpy(), len(np.atleast_1d(values)))
    ok = pairs[pairs["outcome"].isin(["allowed", "exception"]) & pairs[metric].notna()]
    idx = ok.groupby(name)[metric].idxmax()
    top = ok.loc[idx, [name, "chip_id", metric, "outcome"]].rename(columns={"chip_id": "best_chip"})
    return pd.DataFrame({name: np.atleast_1d(values)}).merge(top, on=name, how="left")


def allocation(scenario, destination: str, *, budget: float | None = None, mix: dict | None = None, as_of=None,
               ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS, table=None) -> pd.DataFrame:
    """Units of each chip that fit a TPP budget (default: the scenario's Tier 2 country allocation),
    and the per-consignee LPP limit; with `mix`, the mix's total TPP against the budget."""
    s = resolve_scenario(scenario)
    if budget is None:
        if "AID.tier2.country_tpp" not in s.parameters:
            raise ChipsimError(f"scenario {s.id} has no country TPP allocation; give --budget")
        budget = s.value("AID.tier2.country_tpp")
    if not budget > 0:
        raise ChipsimError("the budget must be a positive TPP")
    table = load_chips() if table is None else table
    metrics = compute_metrics(table, conv)
    outcomes = outcome_matrix(s, table, [destination], as_of=as_of, ctx=ctx, conv=conv)[destination].to_numpy()
    tpp = metrics["tpp"].to_numpy()
    frame = pd.DataFrame({"chip_id": table["chip_id"], "tpp": tpp, "outcome": outcomes,
                          "units_in_budget": np.where(tpp > 0, np.floor(budget / tpp), np.nan)})
    if "AID.lpp.tpp" in s.parameters:
        frame["units_per_consignee_lpp"] = np.where(tpp > 0, np.floor(s.value("AID.lpp.tpp") / tpp), np.nan)
    if mix:
        unknown = [c for c in mix if c not in set(table["chip_id"])]
        if unknown:
            raise unknown_name("chip in --mix", unknown[0], table["chip_id"])
        frame["mix_units"] = frame["chip_id"].map(mix).fillna(0)
        frame["mix_tpp"] = frame["mix_units"] * frame["tpp"]
        frame = frame[frame["mix_units"] > 0]
        frame.attrs["mix_total_tpp"] = float(frame["mix_tpp"].sum())
        frame.attrs["fits"] = frame.attrs["mix_total_tpp"] <= budget
    frame.attrs["budget"] = budget
    return frame.sort_values("tpp", ascending=False, na_position="last").reset_index(drop=True)


def parse_mix(items) -> dict:
    out = {}
    for item in items or []:
        m = re.fullmatch(r"\s*([^=]+?)\s*=\s*([0-9.eE+]+)\s*", item)
        if not m:
            raise ChipsimError(f"--mix expects CHIP_ID=UNITS, not {item!r}")
        out[m.group(1)] = float(m.group(2))
    return out
