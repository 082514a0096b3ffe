"""Compute flows: how much compute a rule lets through, counted on shipment estimates with their bands.

A verdict says whether one chip may go to one place. Analysts argue about the next question: what a
threshold *does* — how many H100-equivalents went to China under the rules as they were, and how many a
different rule would have stopped. This module evaluates every shipment (owner x chip x period of a
volumes table) either **as enacted** (the rules in force on the shipment's days) or **under a scenario**
(the counterfactual "had this rule applied then", on the scenario's own date), and totals units, H100e
and revenue by outcome with bands from seeded draws (`volume_draws`): percentiles are never added.

A period that straddles a rule change is split pro rata by days (default) and flagged; the alternatives
(the rules of the period's first or last day) are options. Shipments before the first rule chipsim
encodes (the is-informed letters of 2022-08-26) meet that preset's embargoes and end-user rules and none of its
chip rules (`before_3a090`): an A100 to China was free then, a chip to Iran was not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from ..api import TIMELINE_START, change_dates, resolve_scenario
from ..data.chips import load_chips
from ..data.volumes import load_prices, volume_provenance
from ..engine.derived import resolve_derived
from ..engine.metrics import compute_metrics
from ..engine.vectorised import Context, verdicts
from ..errors import ChipsimError, unknown_name
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from ..rules.predicates import leaves, uses
from ..rules.scenario import Scenario
from .sweep import OUTCOME_ORDER
from .volume_draws import DEFAULT_CROSS_CORRELATION, DEFAULT_SERIES_CORRELATION, normal_scores, two_piece_lognormal

STRADDLE_RULES = {
    "prorata": "split by days at each rule change (each part under the rules of its own days)",
    "start": "the whole period under the rules in force on its first day",
    "end": "the whole period under the rules in force on its last day",
}
H100E_BASES = {
    "tpp": "chipsim's TPP / TPP of the H100 SXM (15,832): the regulation's own measure",
    "source": "the volume source's own H100e per unit (its median H100e / median units)",
}
GROUPINGS = {
    "outcome": ["owner", "outcome"],
    "chip": ["owner", "chip_id", "outcome"],
    "period": ["owner", "period_start", "period_end", "outcome"],
    "shipment": ["owner", "chip_id", "period_start", "period_end", "outcome"],
}
BEFORE_RULES = "before-3a090"  # no chip rule chipsim encodes was in force yet
BEFORE_RULES_TEXT = "before 3A090 (embargoes and end-user rules only)"
PASSED = ("allowed", "exception")  # outcomes under which a shipment needs no licence
EXPECTED = "expected shipped"
QUANTILES = (5, 50, 95)
MEASURES = ("units", "h100e", "revenue")


@dataclass(frozen=True)
class FlowOptions:
    """Every assumption a flows figure rests on; each one is printed with the result."""

    draws: int = 2000
    seed: int = 0
    series_correlation: float = DEFAULT_SERIES_CORRELATION
    cross_correlation: float = DEFAULT_CROSS_CORRELATION
    straddle: str = "prorata"
    h100e_basis: str = "tpp"
    approval_share: float | None = None  # share of `license` volume assumed approved and shipped
    through: dt.date | None = None  # count shipments up to this day (a period it cuts is counted pro rata)

    def __post_init__(self):
        if self.straddle not in STRADDLE_RULES:
            raise ChipsimError(f"straddle must be one of {', '.join(STRADDLE_RULES)}, not {self.straddle!r}")
        if self.h100e_basis not in H100E_BASES:
            raise ChipsimError(f"h100e basis must be one of {', '.join(H100E_BASES)}, not {self.h100e_basis!r}")
        if self.approval_share is not None and not 0.0 <= self.approval_share <= 1.0:
            raise ChipsimError(f"approval share must be between 0 and 1, not {self.approval_share!r}")


@dataclass
class FlowRun:
    """Shipment parts with their verdicts, and per-part draws (parts x draws) of each measure."""

    parts: pd.DataFrame
    units: np.ndarray
    h100e: np.ndarray
    revenue: np.ndarray  # NaN where the price source has no range for the chip and year
    label: str  # "as enacted" or the scenario id with its edits
    options: FlowOptions
    volume_source: str = ""
    volume_vintage: str = ""
    notes: list[str] = field(default_factory=list)


def metric_by_chip(table: pd.DataFrame, metrics: pd.DataFrame, name: str) -> pd.Series:
    """One metric per chip_id (metrics are row-aligned with the table; the first row of a repeated id counts)."""
    return pd.Series(metrics[name].to_numpy(dtype=float), index=table["chip_id"]).groupby(level=0).first()


def _days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")


def split_periods(start: np.ndarray, end: np.ndarray, cuts: np.ndarray):
    """Cut each [start, end] (inclusive days) at every cut day inside it: (row index, part start, part end)."""
    lo = np.searchsorted(cuts, start, side="right")  # a cut on the first day splits nothing
    hi = np.searchsorted(cuts, end, side="right")
    parts = hi - lo + 1
    row = np.repeat(np.arange(len(start)), parts)
    j = np.arange(len(row)) - np.repeat(np.cumsum(parts) - parts, parts)
    safe = np.clip(lo[row] + j - 1, 0, max(len(cuts) - 1, 0))
    first = j == 0
    last = j == parts[row] - 1
    cut_at = cuts[safe] if len(cuts) else start[row]
    part_start = np.where(first, start[row], cut_at)
    nxt = cuts[np.clip(lo[row] + j, 0, max(len(cuts) - 1, 0))] if len(cuts) else end[row]
    part_end = np.where(last, end[row], nxt - np.timedelta64(1, "D"))
    return row, part_start, part_end


def _contexts(volumes: pd.DataFrame) -> np.ndarray:
    """The headquarters a verdict needs per row: '' where it is the destination itself (or not stated)."""
    hq = volumes["hq"].fillna("").astype(str).str.upper() if "hq" in volumes else pd.Series("", index=volumes.index)
    return np.where(hq.to_numpy() == volumes["destination"].to_numpy(), "", hq.to_numpy()).astype(object)


def reads_quantity(scenario: Scenario) -> bool:
    """Whether any rule compares a consignment's total (TPP x units), e.g. the AI Diffusion LPP exception."""
    rules = scenario.classification + [r for rs in scenario.chains.values() for r in rs] + scenario.conditions
    return any("consignment_tpp" in uses(r["when"], scenario.predicates, "metric") for r in rules)


def _verdict_lookup(keys: pd.DataFrame, table: pd.DataFrame, metrics: pd.DataFrame, scenario_for, ctx: Context,
                    conv: MetricConventions) -> pd.DataFrame:
    """Outcome and rule for each distinct (regime, hq, quantity, chip, destination): one engine call per regime,
    hq and (only where a rule reads a consignment's size) quantity."""
    frames = []
    for (regime, hq), by_regime in keys.groupby(["regime", "hq"], sort=False):
        scenario, as_of = scenario_for(regime)
        if not reads_quantity(scenario):
            frames.append(_lookup_one(by_regime, regime, hq, None, scenario, as_of, table, metrics, ctx, conv))
            continue
        size_class = _size_classes(by_regime, scenario, table, metrics)
        for _, group in by_regime.groupby(size_class, sort=False):  # one engine call per class of sizes
            quantity = float(group["quantity"].iloc[0])
            found = _lookup_one(group.iloc[:1], regime, hq, quantity, scenario, as_of, table, metrics, ctx, conv)
            frames.append(group.drop(columns="regime").merge(found.drop(columns=["quantity", "hq"]),
                                                             on=["chip_id", "destination"]))
    return pd.concat(frames, ignore_index=True)


def _size_classes(keys: pd.DataFrame, scenario: Scenario, table: pd.DataFrame, metrics: pd.DataFrame) -> np.ndarray:
    """Rows whose consignments fall on the same side of every consignment threshold share a class (and a verdict)."""
    rules = scenario.classification + [r for rs in scenario.chains.values() for r in rs] + scenario.conditions
    limits = sorted({scenario.value(leaf["param"]) for r in rules for leaf in leaves(r["when"], scenario.predicates)
                     if leaf["metric"] == "consignment_tpp"})
    tpp = metric_by_chip(table, metrics, "tpp")
    size = keys["quantity"].to_numpy(dtype=float) * tpp.reindex(keys["chip_id"]).to_numpy()
    sides = [size > v for v in limits] + [size >= v for v in limits]
    code = sum((s.astype(np.int64) << i) for i, s in enumerate(sides)) if sides else np.zeros(len(keys), dtype=np.int64)
    return pd.Series(keys["chip_id"].to_numpy().astype(str), index=keys.index) + "|" + \
        keys["destination"].astype(str) + "|" + pd.Series(code, index=keys.index).astype(str)


def _lookup_one(group, regime, hq, quantity, scenario, as_of, table, metrics, ctx, conv) -> pd.DataFrame:
    """One engine call: the verdicts (and the volume cap each deciding rule carries) of a group's chips and places."""
    chips, dests = group["chip_id"].unique(), list(group["destination"].unique())
    sel = table["chip_id"].isin(chips).to_numpy()
    caps = {r: cap for cap in scenario.caps for r in cap["on_rules"]}
    context = replace(ctx, hq=hq or None, quantity=ctx.quantity if quantity is None else quantity)
    scenario = resolve_derived(scenario, table, scenario.as_of(as_of), metrics)  # from the whole table, not `sel`
    v = verdicts(scenario, table[sel].reset_index(drop=True), destinations=dests, as_of=as_of, ctx=context, conv=conv,
                 metrics=metrics[sel].reset_index(drop=True))
    cap = v["rule"].map(lambda r: caps.get(r, {}))
    found = pd.DataFrame({
        "regime": regime, "hq": hq, "chip_id": v["chip_id"], "destination": v["destination"], "outcome": v["outcome"],
        "rule": v["rule"], "rules": (BEFORE_RULES_TEXT if regime == BEFORE_RULES else v["scenario"]) + " on " + v["as_of"],
        "cap_id": cap.map(lambda c: c.get("id")), "cap_kind": cap.map(lambda c: c.get("kind", "share") if c else None),
        "cap_of": cap.map(lambda c: c.get("share_of")), "cap_metric": cap.map(lambda c: c.get("metric")),
        "cap_from": cap.map(lambda c: c.get("from")), "cap_to": cap.map(lambda c: c.get("to")),
        "cap_value": cap.map(lambda c: scenario.value(c["param"]) if c else np.nan)})
    if quantity is None:  # no rule reads the consignment's size: the verdict holds for every quantity
        return found.merge(group[["chip_id", "destination", "quantity"]].drop_duplicates(), on=["chip_id", "destination"])
    return found.assign(quantity=quantity)


def before_3a090(first_rule_day: dt.date) -> tuple[Scenario, dt.date]:
    """The rules before the first chip rule: its preset's layers (embargoes, end-user rules) and nothing of its
    own, on the eve of its effective date. An A100 to China was then free; a chip to Iran was not."""
    first = resolve_scenario(None, first_rule_day)
    layers_only = {name: [r for r in rules if r["id"] in first.layer_rules] for name, rules in first.chains.items()}
    return replace(first, chains=layers_only, classification=[]), first_rule_day - dt.timedelta(days=1)


def enacted_cuts(until: dt.date) -> np.ndarray:
    """Every day on which the rules chipsim encodes changed, up to `until` (the first is the first rule's)."""
    return np.array(sorted(change_dates(until)), dtype="datetime64[D]")


def shipment_parts(volumes: pd.DataFrame, scenario: Scenario | None, *, table: pd.DataFrame, options: FlowOptions,
                   ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS,
                   metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per part of a shipment with its share of the shipment's days, its outcome and rule."""
    start, end = _days(volumes["period_start"]), _days(volumes["period_end"])
    last_day = pd.Timestamp(end.max()).date() if len(end) else dt.date.today()
    cuts = enacted_cuts(max(last_day, TIMELINE_START))
    extra = [] if options.through is None else [np.datetime64(options.through + dt.timedelta(days=1), "D")]
    rule_cuts = cuts if scenario is None and options.straddle == "prorata" else np.array([], dtype="datetime64[D]")
    all_cuts = np.unique(np.concatenate([rule_cuts, np.array(extra, dtype="datetime64[D]")]))
    row, p_start, p_end = split_periods(start, end, all_cuts)
    length = (end - start).astype(int) + 1
    share = ((p_end - p_start).astype(int) + 1) / length[row]
    if options.through is not None:
        keep = p_start <= np.datetime64(options.through, "D")
        row, p_start, p_end, share = row[keep], p_start[keep], p_end[keep], share[keep]
    if scenario is None:
        day = {"prorata": p_start, "start": start[row], "end": end[row]}[options.straddle]
        k = np.searchsorted(cuts, day, side="right") - 1  # the last change on or before that day: its regime
        regime = np.where(k >= 0, cuts[np.clip(k, 0, None)].astype(str), BEFORE_RULES).astype(object)

        def scenario_for(r):
            if r == BEFORE_RULES:
                return before_3a090(cuts[0].item())
            day = dt.date.fromisoformat(r)
            return resolve_scenario(None, day), day
    else:
        regime = np.full(len(row), scenario.id, dtype=object)

        def scenario_for(_):
            return scenario, None
    hq = _contexts(volumes)[row]
    parts = pd.DataFrame({
        "shipment": row, "owner": volumes["owner"].to_numpy()[row], "destination": volumes["destination"].to_numpy()[row],
        "hq": hq, "chip_id": volumes["chip_id"].to_numpy()[row],
        "period_start": start[row], "period_end": end[row], "part_start": p_start, "part_end": p_end,
        "share": share, "regime": regime,
        # one row = one consignee's purchase over its period: its median units size per-consignee rules (LPP)
        "quantity": np.maximum(volumes["units_p50"].to_numpy(dtype=float)[row], 1.0)})
    metrics = compute_metrics(table, conv) if metrics is None else metrics
    keys = parts[["regime", "hq", "quantity", "chip_id", "destination"]].drop_duplicates()
    looked = _verdict_lookup(keys, table, metrics, scenario_for, ctx, conv)
    parts = parts.merge(looked, on=["regime", "hq", "quantity", "chip_id", "destination"], how="left", sort=False)
    parts["straddles"] = _straddles(volumes, scenario, parts, table, metrics, ctx, conv, options)
    return parts


def _straddles(volumes, scenario, parts, table, metrics, ctx, conv, options) -> np.ndarray:
    """A part is flagged when its shipment's period holds a rule change that changes the shipment's outcome."""
    if scenario is not None:
        return np.zeros(len(parts), dtype=bool)
    if options.straddle != "prorata":  # the outcome is that of one day: ask what a day-by-day split would say
        split = shipment_parts(volumes, None, table=table, options=FlowOptions(through=options.through), ctx=ctx,
                               conv=conv, metrics=metrics)
        differs = split.groupby("shipment")["outcome"].nunique() > 1
        return differs.reindex(parts["shipment"]).fillna(False).to_numpy()
    return (parts.groupby("shipment")["outcome"].transform("nunique") > 1).to_numpy()


def _h100e_per_unit(volumes: pd.DataFrame, parts: pd.DataFrame, table: pd.DataFrame, metrics: pd.DataFrame,
                    basis: str) -> np.ndarray:
    if basis == "tpp":
        return metric_by_chip(table, metrics, "h100e").reindex(parts["chip_id"]).to_numpy(dtype=float)
    own = volumes.get("h100e_p50", pd.Series(np.nan, index=volumes.index)).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = own / volumes["units_p50"].to_numpy(dtype=float)
    return per_unit[parts["shipment"].to_numpy()]


def _price_draws(parts: pd.DataFrame, prices: pd.DataFrame | None, draws: int, seed: int) -> np.ndarray:
    """USD per unit (parts x draws), uniform on the source's low-high range for the chip and the part's year."""
    out = np.full((len(parts), draws), np.nan)
    if prices is None or prices.empty or parts.empty:
        return out
    year = pd.DatetimeIndex(parts["part_start"]).year.to_numpy()
    table = prices.drop_duplicates(["chip_id", "year"]).set_index(["chip_id", "year"])
    idx = pd.MultiIndex.from_arrays([parts["chip_id"].to_numpy(), year])
    low = table["price_low_usd"].reindex(idx).to_numpy(dtype=float)
    high = table["price_high_usd"].reindex(idx).to_numpy(dtype=float)
    keys, inverse = np.unique(np.char.add(parts["chip_id"].to_numpy().astype(str), year.astype(str)), return_inverse=True)
    u = np.random.default_rng(seed + 1).random((len(keys), draws))[inverse]  # one price per chip-year and draw
    return low[:, None] + (high - low)[:, None] * u


@lru_cache(maxsize=1)
def _bundled_prices() -> pd.DataFrame:
    """The bundled price ranges, read and validated once per process (they never change while it runs)."""
    return load_prices()


def select_owner(volumes: pd.DataFrame, owner) -> np.ndarray:
    """Rows of one owner or a list of owners (case-insensitive) as a mask; an unknown owner lists the known ones."""
    if not owner:
        return np.ones(len(volumes), dtype=bool)
    owners = {str(o).casefold(): o for o in volumes["owner"].unique()}
    wanted = [owner] if isinstance(owner, str) else list(owner)
    for name in wanted:
        if str(name).casefold() not in owners:
            raise unknown_name("owner in the volumes table", name, owners.values())
    return volumes["owner"].isin([owners[str(n).casefold()] for n in wanted]).to_numpy()


def draw_volumes(volumes: pd.DataFrame, options: FlowOptions) -> np.ndarray:
    """Units per shipment row (rows x draws); the same table, seed and correlations always give the same draws."""
    series = (volumes["source"].astype(str) + "|" + volumes["owner"].astype(str) + "|" +
              volumes["chip_id"].astype(str)).to_numpy()
    z = normal_scores(series, options.draws, seed=options.seed, series_correlation=options.series_correlation,
                      cross_correlation=options.cross_correlation)
    cols = [volumes[f"units_{q}"].to_numpy(dtype=float) if f"units_{q}" in volumes else np.full(len(volumes), np.nan)
            for q in ("p5", "p50", "p95")]
    return two_piece_lognormal(*cols, z)


def apply_caps(parts: pd.DataFrame, units: np.ndarray, volumes: pd.DataFrame, drawn: np.ndarray,
               metrics_by_chip: pd.DataFrame):
    """Volume caps a rule attaches, applied per draw to the units it licenses.

    - share: at most `cap_value` x the same product's shipments to `cap_of` in the same days (91 FR 1684's
      China <= 50 % of US shipments). Without any such shipment in the volumes the cap cannot be
      evaluated: the units stay licensed and a note says so.
    - budget: a destination's cumulative metric (TPP) over the cap's days, counted in date order, at most
      `cap_value` (the AI Diffusion Tier 2 country allocation).
    Units above a cap leave the licensed line for a `denied` line under the cap's id; `cap_binds` is the
    share of draws in which the cap bound.
    """
    notes: list[str] = []
    parts = parts.assign(cap_binds=np.nan, over_cap=False)
    if "cap_id" not in parts:
        return parts, units, notes
    capped = parts["cap_id"].notna().to_numpy() & parts["outcome"].eq("license").to_numpy()
    if not capped.any():
        return parts, units, notes
    units = units.copy()
    over = np.zeros_like(units)
    share = capped & parts["cap_kind"].eq("share").to_numpy()
    budget = capped & parts["cap_kind"].eq("budget").to_numpy()
    if share.any():
        notes += _share_caps(parts, units, over, np.flatnonzero(share), volumes, drawn)
    if budget.any():
        _budget_caps(parts, units, over, np.flatnonzero(budget), metrics_by_chip)
    hit = np.flatnonzero(capped)
    evaluated = hit[~parts["cap_binds"].iloc[hit].isna().to_numpy()]
    units[evaluated] -= over[evaluated]
    extra = parts.iloc[evaluated].assign(outcome="denied", rule=parts["cap_id"].iloc[evaluated].to_numpy(), over_cap=True)
    return pd.concat([parts, extra], ignore_index=True), np.vstack([units, over[evaluated]]), notes


def _share_caps(parts, units, over, k, volumes, drawn) -> list[str]:
    notes = []
    start, end = _days(volumes["period_start"]), _days(volumes["period_end"])
    for cap_of in parts["cap_of"].iloc[k].unique():
        kk = k[parts["cap_of"].iloc[k].to_numpy() == cap_of]
        ref = np.flatnonzero(volumes["destination"].to_numpy() == cap_of)
        p_start = parts["part_start"].to_numpy(dtype="datetime64[D]")[kk][:, None]
        p_end = parts["part_end"].to_numpy(dtype="datetime64[D]")[kk][:, None]
        overlap = (np.minimum(p_end, end[ref][None, :]) - np.maximum(p_start, start[ref][None, :])).astype(int) + 1
        same = parts["chip_id"].to_numpy()[kk][:, None] == volumes["chip_id"].to_numpy()[ref][None, :]
        weight = np.where(same, np.clip(overlap, 0, None) / ((end[ref] - start[ref]).astype(int) + 1)[None, :], 0.0)
        known = weight.sum(axis=1) > 0
        limit = parts["cap_value"].to_numpy(dtype=float)[kk][:, None] * (weight @ drawn[ref])
        over[kk] = np.where(known[:, None], np.maximum(units[kk] - limit, 0.0), 0.0)
        parts.loc[parts.index[kk], "cap_binds"] = np.where(known, (over[kk] > 0).mean(axis=1), np.nan)
        for chip, day in parts[["chip_id", "part_start"]].iloc[kk[~known]].drop_duplicates().itertuples(index=False):
            notes.append(f"cap {parts['cap_id'].iloc[kk[0]]} not evaluated for {chip} from {str(day)[:10]}: the volumes "
                         f"hold no shipment of it to {cap_of} in those days (units stay under 'license')")
    return notes


def _budget_caps(parts, units, over, k, metrics_by_chip) -> None:
    """Cumulative metric per destination in date order; what exceeds the budget is over the cap."""
    day = parts["part_start"].to_numpy(dtype="datetime64[D]")
    first = np.array(parts["cap_from"].iloc[k].to_numpy(dtype=str), dtype="datetime64[D]")
    last = np.array(parts["cap_to"].iloc[k].to_numpy(dtype=str), dtype="datetime64[D]")
    inside = (day[k] >= first) & (day[k] <= last)
    k = k[inside]
    order = k[np.lexsort((day[k], parts["destination"].to_numpy()[k], parts["cap_id"].to_numpy()[k]))]
    per_unit = np.array([metrics_by_chip.at[c, m] for c, m in zip(parts["chip_id"].iloc[order],
                                                                   parts["cap_metric"].iloc[order])], dtype=float)
    value = units[order] * per_unit[:, None]
    group = pd.factorize(pd.Series(parts["cap_id"].to_numpy()[order]) + "|" + parts["destination"].to_numpy()[order])[0]
    cum = np.cumsum(value, axis=0)
    first = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    before_group = np.where(first[group][:, None] > 0, cum[np.maximum(first[group] - 1, 0)], 0.0)
    used_before = cum - value - before_group
    room = np.clip(parts["cap_value"].to_numpy(dtype=float)[order][:, None] - used_before, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        over[order] = np.where(per_unit[:, None] > 0, np.maximum(value - room, 0.0) / per_unit[:, None], 0.0)
    parts.loc[parts.index[order], "cap_binds"] = (over[order] > 0).mean(axis=1)


def run_flows(volumes: pd.DataFrame, scenario=None, *, owner=None, options: FlowOptions = FlowOptions(),
              table=None, prices: pd.DataFrame | None = None, ctx: Context = Context(),
              conv: MetricConventions = DEFAULT_CONVENTIONS, metrics: pd.DataFrame | None = None,
              parts: pd.DataFrame | None = None) -> FlowRun:
    """Evaluate every shipment (of `owner`, or all) as enacted (scenario None) or under `scenario`, and draw it.

    Volumes are drawn for the whole table, so the same table, seed and correlations give the same draws
    whatever the scenario or owner: two runs compare draw by draw (`blocked`), and a cap can read the
    shipments to its reference destination. `parts` lets a caller reuse an evaluation of the owner's rows
    (the app caches the as-enacted one).
    """
    table = load_chips() if table is None else table
    metrics = compute_metrics(table, conv) if metrics is None else metrics
    prices = _bundled_prices() if prices is None else prices  # the bundled ranges; an empty frame means no revenue
    s = resolve_scenario(scenario) if scenario is not None else None
    mask = select_owner(volumes, owner)
    rows_of = np.flatnonzero(mask)
    mine = volumes[mask].reset_index(drop=True)
    if parts is None:
        parts = shipment_parts(mine, s, table=table, options=options, ctx=ctx, conv=conv, metrics=metrics)
    drawn = draw_volumes(volumes, options)
    units = drawn[rows_of[parts["shipment"].to_numpy()]] * parts["share"].to_numpy()[:, None]
    parts, units, notes = apply_caps(parts, units, volumes, drawn, metrics.set_index(table["chip_id"]))
    h100e = units * _h100e_per_unit(mine, parts, table, metrics, options.h100e_basis)[:, None]
    revenue = units * _price_draws(parts, prices, options.draws, options.seed)
    label = "as enacted" if s is None else scenario_label(s)
    vintage = pd.to_datetime(mine["vintage"], errors="coerce").max() if "vintage" in mine else pd.NaT
    missing = parts.loc[np.isnan(h100e[:, 0]), "chip_id"].unique() if len(parts) else []
    if len(missing):
        notes.append(f"no H100e for {', '.join(missing)} ({H100E_BASES[options.h100e_basis]} unknown): counted in units only")
    return FlowRun(parts=parts, units=units, h100e=h100e, revenue=revenue, label=label, options=options,
                   volume_source=volume_provenance(mine), notes=notes,
                   volume_vintage="" if pd.isna(vintage) else vintage.date().isoformat())


def scenario_label(s: Scenario) -> str:
    edits = ", ".join(f"{k}={s.parameters[k].text(v)}" for k, v in sorted(s.edits.items()))
    return s.id + (f" with {edits}" if edits else "")


def _bands(values: np.ndarray, prefix: str) -> dict:
    finite = np.isfinite(values)
    q = np.percentile(np.where(finite, values, 0.0), QUANTILES, axis=1)
    return {f"{prefix}_p{p}": q[i] for i, p in enumerate(QUANTILES)}


def _group_sum(codes: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """Sum rows of (parts x draws) into (groups x draws) per draw (never adding percentiles)."""
    onehot = np.zeros((n, len(codes)))
    onehot[codes, np.arange(len(codes))] = 1.0
    return onehot @ np.where(np.isfinite(values), values, 0.0)


def summarise(run: FlowRun, by: str = "outcome") -> pd.DataFrame:
    """Totals with 5th/50th/95th percentiles per group; `license` its own line; an optional expected-shipped line."""
    if by not in GROUPINGS:
        raise ChipsimError(f"--by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    keys = GROUPINGS[by]
    parts = run.parts
    frames = [_summary_rows(run, parts, keys, np.ones(len(parts)))]
    if run.options.approval_share is not None:
        weight = parts["outcome"].map({**{o: 1.0 for o in PASSED}, "license": run.options.approval_share}).fillna(0.0)
        expected = parts.assign(outcome=EXPECTED)
        frames.append(_summary_rows(run, expected, keys, weight.to_numpy()))
    out = pd.concat(frames, ignore_index=True)
    out["_order"] = out["outcome"].map({o: i for i, o in enumerate(OUTCOME_ORDER + (EXPECTED,))})
    out = out.sort_values([k for k in keys if k != "outcome"] + ["_order"], kind="stable")
    out = out.drop(columns="_order").reset_index(drop=True)
    out["rules"] = out.pop("rules")
    out["basis"] = run.label
    out["volume_source"] = run.volume_source
    out["volume_vintage"] = run.volume_vintage
    return out


def _summary_rows(run: FlowRun, parts: pd.DataFrame, keys: list[str], weight: np.ndarray) -> pd.DataFrame:
    codes, uniques = pd.MultiIndex.from_frame(parts[keys].astype(object)).factorize()
    n = len(uniques)
    rows = pd.DataFrame(list(uniques), columns=keys)
    w = weight[:, None]
    for measure in MEASURES:
        rows = rows.assign(**_bands(_group_sum(codes, n, getattr(run, measure) * w), measure))
    priced = np.isfinite(run.revenue[:, 0])
    units_mid = np.median(run.units, axis=1)
    covered = np.bincount(codes, weights=units_mid * priced * weight, minlength=n)
    total = np.bincount(codes, weights=units_mid * weight, minlength=n)
    rows["revenue_covers"] = np.divide(covered, total, out=np.zeros(n), where=total > 0)
    for q in QUANTILES:  # no price for any of the group's units: no revenue figure, not a zero
        rows[f"revenue_p{q}"] = rows[f"revenue_p{q}"].where(covered > 0)
    rows["straddles"] = np.bincount(codes, weights=parts["straddles"].to_numpy(dtype=float), minlength=n) > 0
    if "cap_binds" in parts and parts["cap_binds"].notna().any():  # share of draws in which a volume cap bound
        rows["cap_binds"] = parts.groupby(codes)["cap_binds"].max().reindex(range(n)).to_numpy()
    rows["rules"] = parts.groupby(codes)["rules"].agg(lambda r: "; ".join(dict.fromkeys(r))).reindex(range(n)).to_numpy()
    for col in ("period_start", "period_end"):
        if col in rows:
            rows[col] = pd.to_datetime(rows[col]).dt.date.astype(str)
    return rows


def passed_by(run: FlowRun, keys: list[str], label: str = "passed without a licence") -> pd.DataFrame:
    """Bands of what needed no licence (allowed or an exception) per group of `keys`, e.g. per quarter."""
    weight = run.parts["outcome"].isin(PASSED).to_numpy(dtype=float)
    return _summary_rows(run, run.parts.assign(outcome=label), keys + ["outcome"], weight)


def passed_draws(run: FlowRun, measure: str = "h100e") -> np.ndarray:
    """Per draw, the total that needed no licence (allowed or under an exception)."""
    ok = run.parts["outcome"].isin(PASSED).to_numpy()
    values = getattr(run, measure)
    return np.where(np.isfinite(values[ok]), values[ok], 0.0).sum(axis=0)


def blocked(enacted: FlowRun, other: FlowRun, measure: str = "h100e") -> dict:
    """What `other` would have stopped of what passed as enacted: draw-by-draw difference and per-chip shares."""
    diff = passed_draws(enacted, measure) - passed_draws(other, measure)
    per_chip = {}
    for chip in enacted.parts["chip_id"].unique():
        a = enacted.parts["chip_id"].eq(chip).to_numpy() & enacted.parts["outcome"].isin(PASSED).to_numpy()
        b = other.parts["chip_id"].eq(chip).to_numpy() & other.parts["outcome"].isin(PASSED).to_numpy()
        per_chip[chip] = float(np.median(np.nan_to_num(getattr(enacted, measure)[a]).sum(axis=0)
                                         - np.nan_to_num(getattr(other, measure)[b]).sum(axis=0)))
    q = np.percentile(diff, QUANTILES)
    return {"p5": float(q[0]), "p50": float(q[1]), "p95": float(q[2]), "per_chip": per_chip}
