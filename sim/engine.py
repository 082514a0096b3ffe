"""The verdict engine: every chip x every destination under one scenario, at once, with reasons.

Pipeline (all numpy, shaped (points, chips, destination classes)):
1. classification — ordered rules, first match wins; an unknown figure keeps every class it could
   still be (a bit set), so a chip is indeterminate only where that matters;
2. licensing — each chain of ordered rules (3A090 requirements, an is-informed letter, ...) gives a
   decision per class; a pair whose possible classes disagree is indeterminate;
3. the most restrictive chain wins (a second license requirement never loosens the first).
Destinations that share every group membership are evaluated once ("destination classes").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import destinations as dest_mod
from .conventions import DEFAULT_CONVENTIONS, MetricConventions
from .errors import ChipsimError
from .metrics import compute_metrics
from .predicates import Facts, evaluate, uses
from .reasons import INDET, NLR, class_label, fill_params, verdict_text
from .scenario import NOT_CONTROLLED, SEVERITY, Scenario, rule_in_force

INDET_SEVERITY = 9
VERDICT_COLUMNS = ["chip_id", "destination", "destination_name", "classification", "outcome", "review_policy",
                   "exception", "rule", "citation", "conditions", "reason", "scenario", "as_of"]


@dataclass(frozen=True)
class Context:
    """The transaction: who is the end user, where from, how many.

    hq: ISO code of the end user's headquarters (or ultimate parent); None = same as destination.
    export: "us" (export from the United States) or "reexport".
    quantity: units in the transaction, for per-consignee caps such as LPP.
    """

    hq: str | None = None
    export: str = "us"
    quantity: float = 1.0

    def __post_init__(self):
        if self.export not in ("us", "reexport"):
            raise ChipsimError(f"export must be 'us' or 'reexport', not {self.export!r}")
        if not (isinstance(self.quantity, (int, float)) and self.quantity >= 1):
            raise ChipsimError(f"quantity must be a number >= 1, not {self.quantity!r}")


@dataclass
class Compiled:
    """A scenario resolved at one date: active rules, decision table, destination facts."""

    scenario: Scenario
    as_of: dt.date
    class_rules: list
    classes: list
    chains: dict
    decisions: list  # (chain, rule) per row; rows 0/1 are NLR / indeterminate
    severity: np.ndarray
    set_names: list = field(default_factory=list)


def compile_scenario(scenario: Scenario, as_of=None) -> Compiled:
    day = scenario.as_of(as_of)
    class_rules = [r for r in scenario.classification if rule_in_force(r, day)]
    classes = list(dict.fromkeys([r["class"] for r in class_rules if r["class"] != NOT_CONTROLLED] + [NOT_CONTROLLED]))
    decisions = [(None, None), (None, None)]
    severity = [SEVERITY["allowed"], INDET_SEVERITY]
    chains = {}
    for name, rules in scenario.chains.items():
        active = []
        for rule in rules:
            if rule_in_force(rule, day):
                active.append((len(decisions), rule))
                decisions.append((name, rule))
                severity.append(SEVERITY[rule["outcome"]])
        chains[name] = active
    names = set()
    for pred in [r["when"] for r in class_rules] + [r["when"] for _, rs in chains.items() for _, r in rs] + \
            [c["when"] for c in scenario.conditions]:
        names |= uses(pred, scenario.predicates, "dest_in") | uses(pred, scenario.predicates, "hq_in")
    return Compiled(scenario, day, class_rules, classes, chains, decisions, np.array(severity, dtype=np.int16),
                    sorted(names))


def destination_facts(comp: Compiled, codes: list[str], ctx: Context):
    """Per destination: membership of each named set, for the country and for the end user's HQ.

    Returns (class index per destination, dest facts, hq facts) where facts hold one column per
    destination class — destinations with identical memberships are evaluated once.
    """
    ear = dest_mod.ear_country(codes)
    hq = ear if ctx.hq is None else dest_mod.ear_country([ctx.hq] * len(codes))
    cols = []
    for name in comp.set_names:
        members = dest_mod.set_members(comp.scenario.destination_sets[name], comp.as_of, f"{comp.scenario.source}: ")
        cols.append(np.isin(ear, list(members)))
        cols.append(np.isin(hq, list(members)))
    matrix = np.array(cols, dtype=bool).reshape(len(cols), len(codes)).T
    uniq, inverse = np.unique(matrix, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    dest = {n: uniq[:, 2 * i][None, None, :] for i, n in enumerate(comp.set_names)}
    hqf = {n: uniq[:, 2 * i + 1][None, None, :] for i, n in enumerate(comp.set_names)}
    return inverse, dest, hqf, max(len(uniq), 1)


def chip_facts(metrics: pd.DataFrame, chips: pd.DataFrame, ctx: Context):
    """Chip metrics and flags shaped (1, N, 1)."""
    def col(values):
        return np.asarray(values, dtype=float)[None, :, None]

    m = {name: col(metrics[name]) for name in ("tpp", "pd", "dram_bw_gbps", "io_bw_gbps", "dram_plus_io_gbps", "h100e")}
    m["memory_bw_density_gbps_mm2"] = col(chips["memory_bw_density_gbps_mm2"])
    m["consignment_tpp"] = m["tpp"] * float(ctx.quantity)
    flags = {"datacenter": chips["datacenter"].fillna(True).to_numpy(dtype=bool)[None, :, None],
             "hbm_item": (chips["item_type"] == "hbm").to_numpy(dtype=bool)[None, :, None]}
    return m, flags


def classify(comp: Compiled, facts: Facts, shape) -> np.ndarray:
    """Bit set of the classes each chip may have (P, N, 1); first matching rule wins."""
    bit = {c: np.int64(1) << i for i, c in enumerate(comp.classes)}
    possible = np.broadcast_to(bit[NOT_CONTROLLED], shape).copy()
    for rule in reversed(comp.class_rules):
        t, f = evaluate(rule["when"], facts)
        b = bit[rule["class"]]
        possible = np.where(t, b, np.where(f, possible, possible | b))
    return np.broadcast_to(possible, shape)


def decide_chain(comp: Compiled, rules, facts: Facts, shape) -> np.ndarray:
    """Decision-table row per (point, chip, destination class) for one chain, one assumed class."""
    sev = comp.severity
    res = np.full(shape, NLR, dtype=np.int32)
    for idx, rule in reversed(rules):
        t, f = evaluate(rule["when"], facts)
        if not np.any(t) and np.all(f):
            continue
        same = sev[res] == sev[idx]
        res = np.where(t, idx, np.where(f, res, np.where(same, idx, INDET))).astype(np.int32)
    return np.broadcast_to(res, shape)


def default_params(scenario: Scenario) -> dict:
    """Every parameter as a (1, 1, 1) array: one scenario point."""
    return {k: np.array([p.value], dtype=float)[:, None, None] for k, p in scenario.parameters.items()}


def evaluate_points(comp: Compiled, m: dict, flags: dict, dest_facts, ctx: Context, params: dict):
    """(possible classes (P,N,1), decision rows (P,N,D')) for prepared chip and destination-class facts.

    m may hold (1,N,1) arrays (fixed chips) or (P,N,1) arrays (Monte Carlo draws of chip figures).
    """
    _, dest, hq, n_classes = dest_facts
    shapes = [np.shape(v)[0] for v in params.values()] + [np.shape(v)[0] for v in m.values()]
    n_points = max(shapes) if shapes else 1
    n = next(iter(m.values())).shape[1]
    facts = Facts(m, flags, dest, hq, params, ctx.export, comp.scenario.predicates)
    possible = classify(comp, facts, (n_points, n, 1))
    return possible, decide(comp, facts, possible, (n_points, n, n_classes)), facts


def run(comp: Compiled, metrics, chips, codes, ctx: Context, params: dict | None = None):
    """Core arrays: (possible-class bits (P,N), decision rows (P,N,M), facts, destination-class index)."""
    dest_facts = destination_facts(comp, codes, ctx)
    m, flags = chip_facts(metrics, chips, ctx)
    params = default_params(comp.scenario) if params is None else params
    possible, final, facts = evaluate_points(comp, m, flags, dest_facts, ctx, params)
    inverse = dest_facts[0]
    return possible[..., 0], final[..., inverse], facts, inverse


def decide(comp: Compiled, facts: Facts, possible: np.ndarray, shape) -> np.ndarray:
    """Most restrictive decision over chains, each resolved over the chip's possible classes."""
    sev = comp.severity
    best = None
    for name, rules in comp.chains.items():
        res = np.full(shape, -1, dtype=np.int32)
        for k, cls in enumerate(comp.classes):
            mask = ((possible >> k) & 1).astype(bool)
            if not mask.any():
                continue
            facts.cls = cls
            dk = decide_chain(comp, rules, facts, shape)
            unset = res < 0
            conflict = mask & ~unset & (sev[np.maximum(res, 0)] != sev[dk])
            res = np.where(mask & unset, dk, np.where(conflict, INDET, res))
        facts.cls = None
        res = np.where(res < 0, NLR, res)
        if best is None:
            best = res
            continue
        s_best, s_new = sev[best], sev[res]
        # indeterminate loses only to a sure denial; otherwise the stricter chain wins, ties keep the first
        new_wins = np.where(s_new == INDET_SEVERITY, s_best != SEVERITY["denied"],
                            np.where(s_best == INDET_SEVERITY, s_new == SEVERITY["denied"], s_new > s_best))
        best = np.where(new_wins, res, best)
    if best is None:
        best = np.full(shape, NLR, dtype=np.int32)
    return best


def verdicts(scenario: Scenario, chips: pd.DataFrame, *, destinations=None, as_of=None, ctx: Context = Context(),
             conv: MetricConventions = DEFAULT_CONVENTIONS, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per chip x destination: classification, outcome, policy, exception, rule, citation, reason."""
    codes = dest_mod.resolve_destinations(destinations)
    if ctx.hq is not None:
        dest_mod.resolve_destinations([ctx.hq])
    comp = compile_scenario(scenario, as_of)
    metrics = compute_metrics(chips, conv) if metrics is None else metrics
    possible, final, facts, inverse = run(comp, metrics, chips, codes, ctx)
    possible, final = possible[0], final[0]
    n, m = final.shape
    cond_masks = []
    for cond in scenario.conditions:
        if rule_in_force(cond, comp.as_of):
            t, f = evaluate(cond["when"], facts)
            t = np.broadcast_to(t, (1, n, len(np.unique(inverse))))[0][:, inverse]
            u = ~np.broadcast_to(f, (1, n, len(np.unique(inverse))))[0][:, inverse] & ~t
            cond_masks.append((cond, t, u))
    chip_ids = chips["chip_id"].to_numpy()
    chip_vals = [{**{k: float(v[0, i, 0]) for k, v in facts.metrics.items()},
                  **{k: bool(v[0, i, 0]) for k, v in facts.flags.items()}} for i in range(n)]
    # texts are built once per distinct (chip, decision) — a few hundred — then spread over all pairs
    chip_index = np.repeat(np.arange(n), m)
    combo = chip_index.astype(np.int64) * len(comp.decisions) + final.reshape(-1)
    uniq, inv = np.unique(combo, return_inverse=True)
    texts = [verdict_text(comp, int(c % len(comp.decisions)), int(possible[c // len(comp.decisions)]),
                           chip_vals[c // len(comp.decisions)]) for c in uniq]
    field = [np.array([t[k] for t in texts] + [None], dtype=object)[:-1][inv] for k in range(6)]
    outcome, policy, exception, rule_id, citation, reason = field
    conditions = pd.Series(np.array(["; ".join(t[6]) for t in texts], dtype=object)[inv])
    for cond, t, u in cond_masks:
        text = fill_params(cond["text"], scenario)
        for mask, shown in ((t.reshape(-1), text), (u.reshape(-1), "possibly: " + text)):
            if mask.any():
                cur = conditions[mask]
                conditions[mask] = cur.where(cur == "", cur + "; ") + shown
    countries = dest_mod.countries()
    codes_arr = np.asarray(codes, dtype=object)
    dest_col = np.tile(codes_arr, n)
    reason = pd.Series(reason, dtype=object)
    as_china = np.tile(countries["ear_treated_as"].reindex(codes).to_numpy() == "CN", n)
    reason[as_china] = reason[as_china] + " (" + pd.Series(dest_col[as_china]).map(countries["name"]).to_numpy() + \
        " is treated as China)"
    labels = np.array([class_label(int(b), comp.classes) for b in possible], dtype=object)
    return pd.DataFrame({
        "chip_id": np.repeat(chip_ids, m), "destination": dest_col,
        "destination_name": np.tile(countries["name"].reindex(codes).to_numpy(dtype=object), n),
        "classification": labels[chip_index], "outcome": outcome, "review_policy": policy, "exception": exception,
        "rule": rule_id, "citation": citation, "conditions": conditions.to_numpy(dtype=object), "reason": reason.to_numpy(),
        "scenario": scenario.id, "as_of": comp.as_of.isoformat()}, columns=VERDICT_COLUMNS)


OUTCOME_WORDS = np.array(["allowed", "exception", "license", "denied"] + ["indeterminate"] * 6, dtype=object)


def outcome_matrix(scenario: Scenario, chips: pd.DataFrame, destinations=None, *, as_of=None, ctx: Context = Context(),
                   conv: MetricConventions = DEFAULT_CONVENTIONS, metrics=None) -> pd.DataFrame:
    """Outcome words only (chips x destinations), without reasons: the fast path for sweeps and tests."""
    codes = dest_mod.resolve_destinations(destinations)
    comp = compile_scenario(scenario, as_of)
    metrics = compute_metrics(chips, conv) if metrics is None else metrics
    _, final, _, _ = run(comp, metrics, chips, codes, ctx)
    words = OUTCOME_WORDS[comp.severity[final[0]]]
    return pd.DataFrame(words, index=chips["chip_id"].to_numpy(), columns=codes)
