"""Structured predicates evaluated in three-valued logic over whole arrays.

A predicate is data — {metric, op, param}, {flag}, {class_in}, {dest_in}, {hq_in}, {export},
{chip_in} (items a rule names), {eccn_in} (what the item is below 3A090), {party} (end-user screening),
{convention} (a reading the law leaves open), {on_or_after} (the evaluation date against a date parameter), {ref} — combined with all/any/not — never a string of code. Each evaluates to a pair of boolean arrays
(surely true, surely false); where neither holds the answer is unknown because a figure the
predicate reads is missing. Shapes broadcast as (points, chips, destinations) so one call covers
a whole sweep grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_COMPARE = {">=": np.greater_equal, ">": np.greater, "<": np.less, "<=": np.less_equal}
TRUE = (np.bool_(True), np.bool_(False))
FALSE = (np.bool_(False), np.bool_(True))


@dataclass
class Facts:
    """What predicates read, already shaped for broadcasting.

    metrics: name -> float array (1, N, 1), NaN where unknown; the low end where a figure is a range
    metrics_hi: name -> the high end of a ranged metric (absent: the metric is a point, high = low)
    flags: name -> bool array (1, N, 1)
    dest / hq: set name -> bool array (1, 1, D) (hq: the end user's headquarters country)
    params: name -> float array (P, 1, 1)
    export: "us", "reexport" or "transfer"
    cls: the classification assumed while evaluating a licensing chain (None in classification)
    chip: chip_id / eccn -> str array (1, N, 1); eccn "" where unknown
    party: the screening facts that hold for this transaction (e.g. {"entity_list"})
    conventions: rule readings, e.g. {"is_informed_scope": "below-3a090"}
    """

    metrics: dict
    flags: dict
    dest: dict
    hq: dict
    params: dict
    export: str
    predicates: dict
    cls: str | None = None
    chip: dict = field(default_factory=dict)
    party: frozenset = frozenset()
    conventions: dict = field(default_factory=dict)
    metrics_hi: dict = field(default_factory=dict)
    day: float = 0.0  # the evaluation date as a day ordinal, for {on_or_after} (a rule that bites from a set date)


HI = ":hi"  # suffix of a metric's high end in flat dicts of chip figures


def compare_interval(low, high, op: str, limit):
    """(surely true, surely false) of "figure op limit" for a figure known to lie in [low, high].

    True when the whole range satisfies the comparison, false when none of it does; a point figure
    (low == high) gives the plain comparison, and NaN (unknown) gives neither.
    """
    if op in (">=", ">"):
        return _COMPARE[op](low, limit), ~_COMPARE[op](high, limit) & ~np.isnan(high)
    return _COMPARE[op](high, limit), ~_COMPARE[op](low, limit) & ~np.isnan(low)


def split_points(low, high, thresholds) -> list:
    """Points that stand for every part of [low, high] cut at the thresholds a metric is compared with.

    Between two consecutive thresholds every comparison is constant, so the range's ends, each
    threshold and the floats just either side of it (clipped into the range) cover every case. Three-
    valued logic alone cannot see that "PD >= 5.92 or PD < 5.92" always holds; evaluating each part
    and taking the union of the answers can, and stays sound (the union covers the true value).
    """
    points = [low, high]
    for t in thresholds:
        points += [t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf)]
    return [np.clip(p, low, high) for p in points]


def names_match(values: np.ndarray, names) -> np.ndarray:
    """Which values a list of names covers: exact ids, or a prefix ending in '*' (huawei-ascend-910b*)."""
    values = np.asarray(values, dtype=str)
    exact = [n for n in names if not n.endswith("*")]
    hit = np.isin(values, exact)
    for n in names:
        if n.endswith("*"):
            hit = hit | np.char.startswith(values, n[:-1])
    return hit


def eccn_match(values: np.ndarray, codes) -> np.ndarray:
    """An ECCN matches a code when equal to it or a sub-paragraph of it (3A991.p is in 3A991)."""
    values = np.asarray(values, dtype=str)
    hit = np.zeros(values.shape, dtype=bool)
    for c in codes:
        hit = hit | (values == c) | np.char.startswith(values, c + ".")
    return hit


def evaluate(pred: dict, facts: Facts):
    """(surely_true, surely_false) arrays for one predicate."""
    if "all" in pred:
        t, f = TRUE
        for sub in pred["all"]:
            st, sf = evaluate(sub, facts)
            t, f = t & st, f | sf
        return t, f
    if "any" in pred:
        t, f = FALSE
        for sub in pred["any"]:
            st, sf = evaluate(sub, facts)
            t, f = t | st, f & sf
        return t, f
    if "not" in pred:
        t, f = evaluate(pred["not"], facts)
        return f, t
    if "metric" in pred:
        low = facts.metrics[pred["metric"]]
        return compare_interval(low, facts.metrics_hi.get(pred["metric"], low), pred["op"], facts.params[pred["param"]])
    if "flag" in pred:
        v = facts.flags[pred["flag"]] == pred.get("is", True)
        return v, ~v
    if "class_in" in pred:
        return TRUE if facts.cls in pred["class_in"] else FALSE
    if "dest_in" in pred:
        v = facts.dest[pred["dest_in"]]
        return v, ~v
    if "hq_in" in pred:
        v = facts.hq[pred["hq_in"]]
        return v, ~v
    if "export" in pred:
        return TRUE if facts.export == pred["export"] else FALSE
    if "chip_in" in pred:
        v = names_match(facts.chip["chip_id"], pred["chip_in"])
        return v, ~v
    if "eccn_in" in pred:
        codes = facts.chip["eccn"]
        v = eccn_match(codes, pred["eccn_in"])
        return v, (codes != "") & ~v
    if "party" in pred:
        return TRUE if pred["party"] in facts.party else FALSE
    if "convention" in pred:
        return TRUE if facts.conventions.get(pred["convention"]) == pred["is"] else FALSE
    if "on_or_after" in pred:
        v = facts.day >= facts.params[pred["on_or_after"]] + pred.get("plus_days", 0)
        return v, ~v
    if "ref" in pred:
        return evaluate(facts.predicates[pred["ref"]], facts)
    raise ValueError(f"unknown predicate {pred!r}")  # unreachable: scenarios are checked on load


def leaves(pred: dict, predicates: dict):
    """Every metric comparison in a predicate (following refs), for explanations and margins."""
    if "all" in pred or "any" in pred:
        for sub in pred.get("all", pred.get("any")):
            yield from leaves(sub, predicates)
    elif "not" in pred:
        yield from leaves(pred["not"], predicates)
    elif "ref" in pred:
        yield from leaves(predicates[pred["ref"]], predicates)
    elif "metric" in pred:
        yield pred


def uses(pred: dict, predicates: dict, key: str) -> set:
    """The set of values of `key` (e.g. 'dest_in', 'param') a predicate mentions."""
    if "all" in pred or "any" in pred:
        return set().union(*(uses(s, predicates, key) for s in pred.get("all", pred.get("any"))))
    if "not" in pred:
        return uses(pred["not"], predicates, key)
    if "ref" in pred:
        return uses(predicates[pred["ref"]], predicates, key)
    return {pred[key]} if key in pred else set()
