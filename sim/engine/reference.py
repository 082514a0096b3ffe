"""A plain, one-pair-at-a-time evaluator that reads like the regulation.

It shares the scenario data with the vectorised engine but none of its array code: for one chip
and one destination it walks the classification rules in order, then each licensing chain in
order, in ordinary Python with None for "unknown". Property tests check that both evaluators
agree on random chips, parameters and destinations; it is also the yardstick of `chipsim bench`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.chips import day_ordinals
from ..data.destinations import ear_country, parse_date, set_members
from ..rules.conventions import DEFAULT_CONVENTIONS
from ..rules.predicates import HI, eccn_match, leaves, names_match, split_points
from ..rules.scenario import (
    DATE_METRICS,
    NOT_AN_EXPORT,
    NOT_CONTROLLED,
    SEVERITY,
    Scenario,
    rule_in_force,
    transaction_as_export,
)

INDETERMINATE = "indeterminate"


FACT_METRICS = ("tpp", "pd", "dram_bw_gbps", "io_bw_gbps", "dram_plus_io_gbps", "h100e", "interconnect_bw_gbps",
                "dram_plus_interconnect_gbps")


def _text(chip_row, name: str) -> str:
    v = chip_row.get(name, "")
    return "" if v is None or v != v else str(v).strip()


def chip_record(metrics_row, chip_row, quantity: float = 1.0) -> dict:
    """One chip's facts as this evaluator reads them: metrics, HBM density, consignment TPP, flags, names."""
    record = {}
    for k in FACT_METRICS:  # each metric as its low (k) and high (k:hi): a point has low == high
        record[k], record[k + HI] = float(metrics_row[f"{k}_low"]), float(metrics_row[f"{k}_high"])
    density = chip_row.get("memory_bw_density_gbps_mm2")
    made_in, designer = _text(chip_row, "made_in"), _text(chip_row, "designer_country")
    for name in DATE_METRICS:  # dated facts as day ordinals, as the vectorised engine reads them
        record[name] = record[name + HI] = float(day_ordinals(pd.Series([_text(chip_row, name)]))[0])
    record.update(memory_bw_density_gbps_mm2=float("nan") if density is None else float(density),
                  consignment_tpp=record["tpp"] * quantity, **{"consignment_tpp" + HI: record["tpp" + HI] * quantity},
                  datacenter=bool(chip_row["datacenter"]) if chip_row["datacenter"] == chip_row["datacenter"] else True,
                  hbm_item=chip_row.get("item_type") == "hbm",
                  consumer=_text(chip_row, "segment") == "consumer",
                  foreign_made=made_in not in ("", "US"), foreign_designed=designer not in ("", "US"),
                  chip_id=_text(chip_row, "chip_id"), eccn=_text(chip_row, "eccn_below_3a090"))
    return record


def _compare(low: float, high: float, op: str, limit: float):
    """True if every value in [low, high] satisfies "value op limit", False if none does, else None."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return None
    test = {">=": lambda v: v >= limit, ">": lambda v: v > limit, "<": lambda v: v < limit, "<=": lambda v: v <= limit}[op]
    weakest, strongest = (low, high) if op in (">=", ">") else (high, low)
    if test(weakest):
        return True
    return False if not test(strongest) else None


def _all(values):
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _any(values):
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def holds(pred: dict, chip: dict, pair: dict, scenario: Scenario, cls: str | None = None):
    """True, False or None (unknown) for one predicate, one chip, one destination."""
    if "all" in pred:
        return _all(holds(p, chip, pair, scenario, cls) for p in pred["all"])
    if "any" in pred:
        return _any(holds(p, chip, pair, scenario, cls) for p in pred["any"])
    if "not" in pred:
        v = holds(pred["not"], chip, pair, scenario, cls)
        return None if v is None else not v
    if "ref" in pred:
        return holds(scenario.predicates[pred["ref"]], chip, pair, scenario, cls)
    if "metric" in pred:
        low = chip.get(pred["metric"], float("nan"))
        return _compare(low, chip.get(pred["metric"] + HI, low), pred["op"], scenario.value(pred["param"]))
    if "flag" in pred:
        return bool(chip.get(pred["flag"])) == pred.get("is", True)
    if "class_in" in pred:
        return cls in pred["class_in"]
    if "dest_in" in pred:
        return pair["dest"] in pair["sets"][pred["dest_in"]]
    if "hq_in" in pred:
        return pair["hq"] in pair["sets"][pred["hq_in"]]
    if "export" in pred:
        return pair["export"] == pred["export"]
    if "chip_in" in pred:
        return bool(names_match([chip.get("chip_id", "")], pred["chip_in"])[0])
    if "eccn_in" in pred:
        eccn = chip.get("eccn", "")
        return None if not eccn else bool(eccn_match([eccn], pred["eccn_in"])[0])
    if "party" in pred:
        return pred["party"] in pair.get("party", ())
    if "convention" in pred:
        return pair.get("conventions", {}).get(pred["convention"]) == pred["is"]
    if "on_or_after" in pred:
        return None if pair.get("day") is None else pair["day"] >= scenario.value(pred["on_or_after"]) + pred.get("plus_days", 0)
    raise ValueError(f"unknown predicate {pred!r}")


def could_hold(pred: dict, chip: dict, scenario: Scenario, classes=None) -> bool:
    """False only if a chip's own facts (and the classes it may have) rule the predicate out,
    whatever the destination and transaction."""
    pair = {"dest": None, "hq": None, "sets": {}, "export": None, "party": frozenset(), "conventions": {}, "day": None}

    def walk(p):
        if "all" in p:
            return _all(walk(q) for q in p["all"])
        if "any" in p:
            return _any(walk(q) for q in p["any"])
        if "not" in p:
            v = walk(p["not"])
            return None if v is None else not v
        if "ref" in p:
            return walk(scenario.predicates[p["ref"]])
        if {"metric", "flag", "chip_in", "eccn_in"} & set(p):
            return holds(p, chip, pair, scenario)
        if "class_in" in p and classes is not None:
            inside = [c in p["class_in"] for c in classes]
            return True if all(inside) else False if not any(inside) else None
        return None  # destination, transaction: open here
    return walk(pred) is not False


def holds_metric_only(pred: dict, chip: dict, scenario: Scenario):
    """Truth of a predicate that reads only chip facts (used to explain classification)."""
    return holds(pred, chip, {"dest": None, "hq": None, "sets": {}, "export": "us"}, scenario, None)


def possible_classes(scenario: Scenario, chip: dict, day) -> list[str]:
    """Classes the chip may have; a ranged metric is also split at the thresholds it meets (see
    predicates.split_points) and the answers of the parts united, then intersected."""
    base = _possible_once(scenario, chip, day)
    order = {c: i for i, c in enumerate(base)}
    keep = set(base)
    thresholds: dict = {}
    for rule in scenario.classification:
        if rule_in_force(rule, day):
            for leaf in leaves(rule["when"], scenario.predicates):
                thresholds.setdefault(leaf["metric"], []).append(scenario.value(leaf["param"]))
    for name, limits in thresholds.items():
        low, high = chip.get(name, float("nan")), chip.get(name + HI, chip.get(name, float("nan")))
        if math.isnan(low) or math.isnan(high) or low == high:  # a point: nothing to split
            continue
        union = set()
        for point in split_points(np.float64(low), np.float64(high), [np.float64(v) for v in dict.fromkeys(limits)]):
            union |= set(_possible_once(scenario, {**chip, name: float(point), name + HI: float(point)}, day))
        keep &= union
    return sorted(keep, key=order.get)


def _possible_once(scenario: Scenario, chip: dict, day) -> list[str]:
    """Classes the chip may have: the first rule that surely holds, plus any unknown rules before it."""
    possible = []
    for rule in scenario.classification:
        if not rule_in_force(rule, day):
            continue
        v = holds_metric_only(rule["when"], chip, scenario)
        if v is True:
            possible.append(rule["class"])
            return list(dict.fromkeys(possible))
        if v is None:
            possible.append(rule["class"])
    possible.append(NOT_CONTROLLED)
    return list(dict.fromkeys(possible))


def _chain_rule(rules, chip, pair, scenario, cls):
    """The deciding rule of one chain (None = no requirement, INDETERMINATE when it hinges on a gap)."""
    for i, rule in enumerate(rules):
        v = holds(rule["when"], chip, pair, scenario, cls)
        if v is True:
            return rule
        if v is None:
            rest = _chain_rule(rules[i + 1:], chip, pair, scenario, cls)
            return rest if _outcome(rest) == rule["outcome"] else INDETERMINATE
    return None


def _outcome(rule) -> str:
    if rule is None:
        return "allowed"
    if rule == INDETERMINATE:
        return INDETERMINATE
    return rule["outcome"]


def _decisive(result) -> bool:
    """A rule marked decisive (an item decided by its naming) is not overridden by another chain's open answer."""
    return isinstance(result, dict) and bool(result.get("decisive"))


def decide(scenario: Scenario, chip: dict, dest: str, day, *, hq: str | None = None, export: str = "us",
           party=frozenset(), conventions: dict | None = None):
    """(outcome, deciding rule id or '') for one chip and one destination.

    party: screening facts ({"entity_list", "military_end_use", ...}); conventions: rule readings
    such as {"is_informed_scope": "all"} (default: the engine's defaults).
    """
    ear_dest = str(ear_country([dest])[0])
    ear_hq = ear_dest if hq is None else str(ear_country([hq])[0])
    sets = {name: set_members(spec, day) for name, spec in scenario.destination_sets.items()}
    if ear_dest in sets.get(NOT_AN_EXPORT, ()):
        return "allowed", "no-export"
    export = transaction_as_export(scenario, export)
    pair = {"dest": ear_dest, "hq": ear_hq, "sets": sets, "export": export, "party": frozenset(party),
            "day": float(parse_date(day, "as of").toordinal()),
            "conventions": {"is_informed_scope": DEFAULT_CONVENTIONS.is_informed_scope, **(conventions or {})}}
    classes = possible_classes(scenario, chip, day)
    best = None
    for rules in scenario.chains.values():
        active = [r for r in rules if rule_in_force(r, day)]
        per_class = [_chain_rule(active, chip, pair, scenario, c) for c in classes]
        outcomes = {_outcome(r) for r in per_class}
        result = per_class[0] if len(outcomes) == 1 else INDETERMINATE
        if best is None:
            best = result
        else:
            new, old = _outcome(result), _outcome(best)
            if new == INDETERMINATE:  # an open chain loses to a sure denial and to a decisive rule
                if old != "denied" and not _decisive(best):
                    best = result
            elif old == INDETERMINATE:
                if new == "denied" or _decisive(result):
                    best = result
            elif SEVERITY[new] > SEVERITY[old]:
                best = result
    outcome = _outcome(best)
    rule_id = best["id"] if isinstance(best, dict) else ""
    return outcome, rule_id
