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

from ..data import destinations as dest_mod
from ..data.chips import day_ordinals
from ..errors import ChipsimError
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from ..rules.predicates import HI, Facts, evaluate, leaves, split_points, uses
from ..rules.scenario import (
    DATE_METRICS,
    NOT_AN_EXPORT,
    NOT_CONTROLLED,
    SEVERITY,
    TRANSACTIONS,
    Scenario,
    period_warning,
    rule_in_force,
    status_text,
    transaction_as_export,
)
from .derived import derived_values, resolve_derived
from .importer import import_answers
from .metrics import RANGED_METRICS, compute_metrics
from .reasons import INDET, NLR, NO_EXPORT, class_label, fill_params, verdict_text

INDET_SEVERITY = 9
VERDICT_COLUMNS = ["chip_id", "destination", "destination_name", "classification", "outcome", "review_policy",
                   "exception", "rule", "citation", "conditions", "reason", "scenario", "as_of", "advisories", "warning",
                   "scenario_status", "import", "import_measures"]
ENTITY_LIST = ("none", "listed", "fn1", "fn3", "fn4")
SCREENING_CITATION = "15 CFR 744.11, 744.21, 744.22 (the screening answers given reach no rule here)"


@dataclass(frozen=True)
class Context:
    """The transaction: who is the end user, where from, how many, and what screening found.

    hq: ISO code of the end user's headquarters (or ultimate parent); None = same as destination.
    export: "us" (export from the United States), "reexport" (from abroad), "transfer" (in-country), or
        "remote_access" (cloud access by a party in the destination, only where a scenario adopts it).
    quantity: units in the transaction, for per-consignee caps such as LPP.
    entity_list: a party is on the Entity List: "none", "listed" (any entry), or the footnote that
        changes the rule — "fn1" (Huawei), "fn3" (Russian/Belarusian military end users), "fn4".
    military_end_use: known military end use or end user (15 CFR 744.21).
    military_intelligence: known military-intelligence end use or end user (15 CFR 744.22).
    listed_affiliate: owned 50 % or more (directly or indirectly, in aggregate) by parties on the Entity List or
        the MEU list: the BIS Affiliates rule treats it as listed on the dates that rule is in force.
    The screening defaults say "nobody is listed, no military end use": verdicts then say so where
    those rules could bite, because chipsim cannot screen a party for the user.
    """

    hq: str | None = None
    export: str = "us"
    quantity: float = 1.0
    entity_list: str = "none"
    military_end_use: bool = False
    military_intelligence: bool = False
    listed_affiliate: bool = False

    def __post_init__(self):
        if self.export not in TRANSACTIONS:
            raise ChipsimError(f"export must be one of {', '.join(TRANSACTIONS)}, not {self.export!r}")
        if not (isinstance(self.quantity, (int, float)) and self.quantity >= 1):
            raise ChipsimError(f"quantity must be a number >= 1, not {self.quantity!r}")
        if self.entity_list not in ENTITY_LIST:
            raise ChipsimError(f"entity_list must be one of {', '.join(ENTITY_LIST)}, not {self.entity_list!r}")

    @property
    def party(self) -> frozenset:
        """The screening facts rules read ({party = ...} predicates)."""
        out = set()
        if self.entity_list != "none":
            out.add("entity_list")
        if self.entity_list == "fn3":
            out.add("entity_list_fn3")
        if self.entity_list in ("fn1", "fn4"):  # footnotes that carry a foreign-direct-product rule
            out.add("entity_list_fdp")
        if self.military_end_use:
            out.add("military_end_use")
        if self.military_intelligence:
            out.add("military_intelligence")
        if self.listed_affiliate:
            out.add("listed_affiliate")
        return frozenset(out)


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
    decisions = [(None, None), (None, None), (None, None)]  # NLR, indeterminate, no export
    severity = [SEVERITY["allowed"], INDET_SEVERITY, SEVERITY["allowed"]]
    chains = {}
    for name, rules in scenario.chains.items():
        active = []
        for rule in rules:
            if rule_in_force(rule, day):
                active.append((len(decisions), rule))
                decisions.append((name, rule))
                severity.append(SEVERITY[rule["outcome"]])
        chains[name] = active
    names = {NOT_AN_EXPORT} if NOT_AN_EXPORT in scenario.destination_sets else set()
    for pred in [r["when"] for r in class_rules] + [r["when"] for _, rs in chains.items() for _, r in rs] + \
            [c["when"] for c in scenario.conditions + scenario.advisories]:
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


CHIP_TEXT = ("chip_id", "eccn")  # chip facts that are names, not numbers or flags


def _text_column(chips: pd.DataFrame, name: str) -> np.ndarray:
    col = chips[name] if name in chips else pd.Series("", index=chips.index)
    return col.fillna("").astype(str).str.strip().to_numpy(dtype=str)


def chip_facts(metrics: pd.DataFrame, chips: pd.DataFrame, ctx: Context):
    """Chip metrics and flags shaped (1, N, 1); flags also carry the chip's id and ECCN as text."""
    def col(values):
        return np.asarray(values, dtype=float)[None, :, None]

    # each ranged metric as its low (NAME) and high (NAME:hi); a point figure has low == high
    m = {}
    for name in RANGED_METRICS:
        m[name], m[name + HI] = col(metrics[f"{name}_low"]), col(metrics[f"{name}_high"])
    m["memory_bw_density_gbps_mm2"] = col(chips["memory_bw_density_gbps_mm2"])
    m["consignment_tpp"], m["consignment_tpp" + HI] = m["tpp"] * float(ctx.quantity), m["tpp" + HI] * float(ctx.quantity)
    for name in DATE_METRICS:  # dated facts as day ordinals ('no' = never: +inf)
        m[name] = m[name + HI] = col(day_ordinals(chips[name]) if name in chips else np.full(len(chips), np.nan))
    made_in, designer = _text_column(chips, "made_in"), _text_column(chips, "designer_country")
    segment = _text_column(chips, "segment")
    flags = {"datacenter": chips["datacenter"].fillna(True).to_numpy(dtype=bool),
             "hbm_item": (chips["item_type"] == "hbm").to_numpy(dtype=bool),
             "consumer": segment == "consumer",
             # made or designed abroad: US rules reach it through the foreign-direct-product rules
             "foreign_made": (made_in != "") & (made_in != "US"),
             "foreign_designed": (designer != "") & (designer != "US"),
             "chip_id": _text_column(chips, "chip_id"),
             "eccn": _text_column(chips, "eccn_below_3a090")}
    out = {k: v[None, :, None] for k, v in flags.items()}
    # rule readings travel with the metrics (compute_metrics records its conventions)
    conv = metrics.attrs.get("conventions", {})
    out["_conventions"] = {"is_informed_scope": conv.get("is_informed_scope", DEFAULT_CONVENTIONS.is_informed_scope)}
    return m, out


def make_facts(comp: Compiled, m: dict, flags: dict, dest: dict, hq: dict, params: dict, ctx: Context) -> Facts:
    """The Facts predicates read, from prepared chip, destination and transaction facts."""
    low = {k: v for k, v in m.items() if not k.endswith(HI)}
    high = {k[: -len(HI)]: v for k, v in m.items() if k.endswith(HI)}
    return Facts(low, {k: v for k, v in flags.items() if k not in CHIP_TEXT and not k.startswith("_")}, dest, hq, params,
                 transaction_as_export(comp.scenario, ctx.export), comp.scenario.predicates,
                 chip={k: flags[k] for k in CHIP_TEXT if k in flags}, party=ctx.party,
                 metrics_hi=high, conventions=flags.get("_conventions", {}), day=float(comp.as_of.toordinal()))


def _classify_once(comp: Compiled, facts: Facts, shape) -> np.ndarray:
    bit = {c: np.int64(1) << i for i, c in enumerate(comp.classes)}
    possible = np.broadcast_to(bit[NOT_CONTROLLED], shape).copy()
    for rule in reversed(comp.class_rules):
        t, f = evaluate(rule["when"], facts)
        b = bit[rule["class"]]
        possible = np.where(t, b, np.where(f, possible, possible | b))
    return np.broadcast_to(possible, shape)


def classify(comp: Compiled, facts: Facts, shape) -> np.ndarray:
    """Bit set of the classes each chip may have (P, N, 1); first matching rule wins.

    A metric known only as a range is also split at the thresholds it is compared with, each part
    classified on its own and the answers united (split_points); the result is the intersection of
    these sound answers, so "PD >= 2.1" with TPP 3,610 is 3A090.a or .b, never "not controlled".
    """
    possible = _classify_once(comp, facts, shape)
    for name, thresholds in class_thresholds(comp).items():
        low, high = facts.metrics.get(name), facts.metrics_hi.get(name)
        if high is None or not np.any(low < high):  # only where some chip has a real range
            continue
        union = np.zeros(shape, dtype=np.int64)
        for point in split_points(low, high, [facts.params[t] for t in thresholds]):
            facts.metrics[name], facts.metrics_hi[name] = point, point
            union = union | _classify_once(comp, facts, shape)
        facts.metrics[name], facts.metrics_hi[name] = low, high
        possible = possible & union
    return np.broadcast_to(possible, shape)


def class_thresholds(comp: Compiled) -> dict:
    """Metric -> the parameters classification rules compare it with."""
    out: dict = {}
    for rule in comp.class_rules:
        for leaf in leaves(rule["when"], comp.scenario.predicates):
            out.setdefault(leaf["metric"], []).append(leaf["param"])
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def decide_chain(comp: Compiled, rules, facts: Facts, shape) -> np.ndarray:
    """Decision-table row per (point, chip, destination class) for one chain, one assumed class."""
    sev = comp.severity
    res = np.full(shape, NLR, dtype=np.int32)
    for idx, rule in reversed(rules):
        t, f = evaluate(rule["when"], facts)
        if not np.any(t) and np.all(f):
            continue
        # an unknown rule whose outcome equals what follows changes nothing: name the rule that surely holds
        same = sev[res] == sev[idx]
        res = np.where(t, idx, np.where(f, res, np.where(same, res, INDET))).astype(np.int32)
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
    params = derived_values(comp.scenario, params)
    facts = make_facts(comp, m, flags, dest, hq, params, ctx)
    possible = classify(comp, facts, (n_points, n, 1))
    final = decide(comp, facts, possible, (n_points, n, n_classes))
    if NOT_AN_EXPORT in dest:  # the exporting country itself: no export, whatever the chains say
        final = np.where(dest[NOT_AN_EXPORT], NO_EXPORT, final).astype(np.int32)
    return possible, final, facts


def run(comp: Compiled, metrics, chips, codes, ctx: Context, params: dict | None = None):
    """Core arrays: (possible-class bits (P,N), decision rows (P,N,M), facts, destination-class index)."""
    dest_facts = destination_facts(comp, codes, ctx)
    m, flags = chip_facts(metrics, chips, ctx)
    params = default_params(comp.scenario) if params is None else params
    possible, final, facts = evaluate_points(comp, m, flags, dest_facts, ctx, params)
    inverse = dest_facts[0]
    return possible[..., 0], final[..., inverse], facts, inverse


def evaluate_over_classes(comp: Compiled, pred: dict, facts: Facts, possible: np.ndarray):
    """(surely true, surely false) of a predicate that may read the class: it must hold for every class
    the chip may have (conditions and advisories such as "a 5A992.c item below 3A090")."""
    t_all, f_all = None, None
    for k, cls in enumerate(comp.classes):
        mask = ((possible >> k) & 1).astype(bool)
        if not mask.any():
            continue
        facts.cls = cls
        t, f = evaluate(pred, facts)
        t, f = t | ~mask, f | ~mask  # a class the chip cannot have does not count
        t_all = t if t_all is None else t_all & t
        f_all = f if f_all is None else f_all & f
    facts.cls = None
    if t_all is None:
        return evaluate(pred, facts)
    return t_all, f_all


def decide(comp: Compiled, facts: Facts, possible: np.ndarray, shape) -> np.ndarray:
    """Most restrictive decision over chains, each resolved over the chip's possible classes."""
    sev = comp.severity
    decisive = np.array([bool(r and r.get("decisive")) for _, r in comp.decisions])
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
        # indeterminate loses to a sure denial and to a decisive rule (an item decided by its naming);
        # otherwise the stricter chain wins, ties keep the first
        new_wins = np.where(s_new == INDET_SEVERITY, (s_best != SEVERITY["denied"]) & ~decisive[best],
                            np.where(s_best == INDET_SEVERITY, (s_new == SEVERITY["denied"]) | decisive[res],
                                     s_new > s_best))
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
    metrics = compute_metrics(chips, conv) if metrics is None else metrics
    scenario = resolve_derived(scenario, chips, scenario.as_of(as_of), metrics)
    comp = compile_scenario(scenario, as_of)
    possible, final, facts, inverse = run(comp, metrics, chips, codes, ctx)
    possible, final = possible[0], final[0]
    n, m = final.shape
    n_dest_classes = len(np.unique(inverse))

    def spread(arr):  # (1, N or 1, classes or 1) -> (N, destinations)
        return np.broadcast_to(arr, (1, n, n_dest_classes))[0][:, inverse]

    rule_ids = np.array([r["id"] if r else "" for _, r in comp.decisions], dtype=object)[final]
    notes = {"conditions": [], "advisories": []}
    for key in notes:
        for cond in getattr(scenario, key):
            if rule_in_force(cond, comp.as_of):
                t, f = evaluate_over_classes(comp, cond["when"], facts, possible[None, :, None])
                t, u = spread(t), ~spread(f) & ~spread(t)
                if cond.get("on_rules"):  # a note about one rule's outcome only (e.g. the Sec. 232 duty)
                    on = np.isin(rule_ids, cond["on_rules"])
                    t, u = t & on, u & on
                if cond.get("on_outcomes"):  # a note on every authorization, not on a denial (location verification)
                    on = np.isin(OUTCOME_WORDS[comp.severity[final]], cond["on_outcomes"])
                    t, u = t & on, u & on
                notes[key].append((cond, t, u))
    chip_ids = chips["chip_id"].to_numpy()
    chip_vals = [{**{k: float(v[0, i, 0]) for k, v in facts.metrics.items()},
                  **{k + HI: float(v[0, i, 0]) for k, v in facts.metrics_hi.items()},
                  **{k: bool(v[0, i, 0]) for k, v in facts.flags.items()},
                  **{k: str(v[0, i, 0]) for k, v in facts.chip.items()}} for i in range(n)]
    # texts are built once per distinct (chip, decision) — a few hundred — then spread over all pairs
    chip_index = np.repeat(np.arange(n), m)
    combo = chip_index.astype(np.int64) * len(comp.decisions) + final.reshape(-1)
    uniq, inv = np.unique(combo, return_inverse=True)
    texts = [verdict_text(comp, int(c % len(comp.decisions)), int(possible[c // len(comp.decisions)]),
                           chip_vals[c // len(comp.decisions)]) for c in uniq]
    field = [np.array([t[k] for t in texts] + [None], dtype=object)[:-1][inv] for k in range(6)]
    outcome, policy, exception, rule_id, citation, reason = field
    conditions = pd.Series(np.array(["; ".join(t[6]) for t in texts], dtype=object)[inv])
    advisories = pd.Series("", index=conditions.index, dtype=object)
    for key, column in (("conditions", conditions), ("advisories", advisories)):
        for cond, t, u in notes[key]:
            text = fill_params(cond["text"], scenario) + (f" ({cond['citation']})" if key == "advisories" else "")
            for mask, shown in ((t.reshape(-1), text), (u.reshape(-1), "possibly: " + text)):
                if mask.any():
                    cur = column[mask]
                    column[mask] = cur.where(cur == "", cur + "; ") + shown
    if ctx.party:  # screening answers were given and no Part 744 rule reached the pair: say which rules were read
        free = np.isin(rule_id, ["no-license-required", "not-controlled"])
        citation = np.where(free, citation + "; " + SCREENING_CITATION, citation)
    countries = dest_mod.countries()
    codes_arr = np.asarray(codes, dtype=object)
    dest_col = np.tile(codes_arr, n)
    reason = pd.Series(reason, dtype=object)
    treated_as = np.tile(countries["ear_treated_as"].reindex(codes).fillna("").to_numpy(dtype=object), n)
    as_other = treated_as != ""  # Hong Kong as China, Sevastopol as the Crimea region
    reason[as_other] = reason[as_other] + " (" + pd.Series(dest_col[as_other]).map(countries["name"]).to_numpy() + \
        " is treated as " + pd.Series(treated_as[as_other]).map(countries["name"]).to_numpy() + ")"
    labels = np.array([class_label(int(b), comp.classes) for b in possible], dtype=object)
    import_word, import_notes = import_answers(chips, codes, comp.as_of)  # the destination's own side, never merged
    return pd.DataFrame({
        "chip_id": np.repeat(chip_ids, m), "destination": dest_col,
        "destination_name": np.tile(countries["name"].reindex(codes).to_numpy(dtype=object), n),
        "classification": labels[chip_index], "outcome": outcome, "review_policy": policy, "exception": exception,
        "rule": rule_id, "citation": citation, "conditions": conditions.to_numpy(dtype=object), "reason": reason.to_numpy(),
        "scenario": scenario.id, "as_of": comp.as_of.isoformat(), "advisories": advisories.to_numpy(dtype=object),
        "warning": period_warning(scenario, comp.as_of) or "", "scenario_status": status_text(scenario),
        "import": import_word.reshape(-1), "import_measures": import_notes.reshape(-1)},
        columns=VERDICT_COLUMNS)


OUTCOME_WORDS = np.array(["allowed", "exception", "license", "denied"] + ["indeterminate"] * 6, dtype=object)


def outcome_matrix(scenario: Scenario, chips: pd.DataFrame, destinations=None, *, as_of=None, ctx: Context = Context(),
                   conv: MetricConventions = DEFAULT_CONVENTIONS, metrics=None) -> pd.DataFrame:
    """Outcome words only (chips x destinations), without reasons: the fast path for sweeps and tests."""
    codes = dest_mod.resolve_destinations(destinations)
    metrics = compute_metrics(chips, conv) if metrics is None else metrics
    scenario = resolve_derived(scenario, chips, scenario.as_of(as_of), metrics)
    comp = compile_scenario(scenario, as_of)
    _, final, _, _ = run(comp, metrics, chips, codes, ctx)
    words = OUTCOME_WORDS[comp.severity[final[0]]]
    # dtype given: pandas would otherwise scan every object column to infer a type (a fifth of this call)
    return pd.DataFrame(words, index=chips["chip_id"].to_numpy(), columns=codes, dtype=object)
