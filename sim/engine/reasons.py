"""Human reasons for verdicts: the one-line "why" that names the numbers, built from the same
structured predicates the engine evaluated ("TPP 2,368 < 2,400 and PD 2.91 < 3.2").

Texts are built once per distinct (chip, deciding rule), never per pair.
"""

from __future__ import annotations

import datetime as dt
import re

from ..rules.predicates import HI
from ..rules.scenario import DATE_METRICS, NOT_CONTROLLED, Scenario
from .reference import could_hold, holds, holds_metric_only

NLR, INDET, NO_EXPORT = 0, 1, 2  # decision-table rows shared with the engine: no license required /
# indeterminate / not an export (the "destination" is inside the exporting country)


def _fmt(v: float) -> str:
    if v != v:
        return "unknown"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:,.1f}".rstrip("0").rstrip(".")
    return f"{v:.3g}"


METRIC_LABEL = {"tpp": "TPP", "pd": "PD", "dram_bw_gbps": "DRAM", "io_bw_gbps": "I/O", "dram_plus_io_gbps": "DRAM+I/O",
                "memory_bw_density_gbps_mm2": "memory bandwidth density", "consignment_tpp": "consignment TPP",
                "h100e": "H100-equivalents", "interconnect_bw_gbps": "interconnect",
                "dram_plus_interconnect_gbps": "DRAM+interconnect", "us_available": "commercially available in the US"}
_NEGATE = {">=": "<", ">": "<=", "<": ">=", "<=": ">"}


def range_text(low: float, high: float) -> str:
    """A figure as text: a point, a range "5.1–6.8", or a one-sided bound "≥ 7.33"."""
    if low != low or high != high:
        return "unknown"
    if low == high:
        return _fmt(low)
    if high == float("inf"):
        return f"≥ {_fmt(low)}"
    if low == 0:
        return f"≤ {_fmt(high)}"
    return f"{_fmt(low)}–{_fmt(high)}"


def _day(v: float) -> str:
    if v != v:
        return "unknown"
    return "never (not sold there)" if v == float("inf") else dt.date.fromordinal(int(v)).isoformat()


def leaf_text(leaf: dict, value: float, limit: float, holds: bool | None, high: float | None = None) -> str:
    op = leaf["op"] if holds is not False else _NEGATE[leaf["op"]]
    if leaf["metric"] in DATE_METRICS:  # a dated fact against a date: "commercially available in the US 2023-11 <= ..."
        label = METRIC_LABEL[leaf["metric"]]
        if holds is None:
            return f"{label}: unknown (needed: {leaf['op']} {_day(limit)})"
        return f"{label}: {_day(value)} {op} {_day(limit)}"
    unit = " GB/s" if leaf["metric"].endswith("gbps") else ""
    high = value if high is None else high
    label = METRIC_LABEL[leaf["metric"]]
    if holds is None:
        if value == value and high == high:  # a known range with the threshold inside it
            return f"{label} {range_text(value, high)}{unit} straddles {_fmt(limit)}{unit}"
        return f"{label} unknown (needed: {leaf['op']} {_fmt(limit)}{unit})"
    return f"{label} {range_text(value, high)}{unit} {op} {_fmt(limit)}{unit}"


def fill_params(text: str, scenario: Scenario) -> str:
    """Replace {param.name} in a rule's text with the parameter's current value."""
    def sub(match):
        name = match.group(1)
        if name in scenario.parameters:
            p = scenario.parameters[name]
            if p.is_date:
                return p.text()
            return f"{p.value:.0%}" if p.unit == "fraction" else _fmt(p.value)
        return match.group(0)
    return re.sub(r"\{([A-Za-z0-9_.:\-]+)\}", sub, text)


def _positive_leaves(pred: dict, predicates: dict):
    """Metric comparisons outside any `not` (a negated exclusion is not a reason)."""
    if "all" in pred or "any" in pred:
        for sub in pred.get("all", pred.get("any")):
            yield from _positive_leaves(sub, predicates)
    elif "ref" in pred:
        yield from _positive_leaves(predicates[pred["ref"]], predicates)
    elif "metric" in pred:
        yield pred


def explain_leaves(pred: dict, chip_vals: dict, scenario: Scenario, want: bool | None) -> list[str]:
    """Texts of the metric comparisons that decide a predicate's value for one chip."""
    out = []
    for leaf in _positive_leaves(pred, scenario.predicates):
        value = chip_vals.get(leaf["metric"], float("nan"))
        limit = scenario.value(leaf["param"])
        truth = holds_metric_only(leaf, chip_vals, scenario)
        if want is None or truth is want or truth is None:
            out.append(leaf_text(leaf, value, limit, truth, chip_vals.get(leaf["metric"] + HI, value)))
    return list(dict.fromkeys(out))


def class_names(bits: int, classes: list[str]) -> list[str]:
    """The classes a possible-class bit set holds, in rule order."""
    return [c for i, c in enumerate(classes) if (bits >> i) & 1]


def class_label(bits: int, classes: list[str]) -> str:
    names = class_names(bits, classes)
    return names[0] if len(names) == 1 else "indeterminate (" + " or ".join(names) + ")"


def class_reason(comp, bits: int, chip_vals: dict) -> str:
    s = comp.scenario
    names = class_names(bits, comp.classes)
    if len(names) == 1 and names[0] != NOT_CONTROLLED:
        rule = next(r for r in comp.class_rules if r["class"] == names[0]
                    and holds_metric_only(r["when"], chip_vals, s) is True)
        why = explain_leaves(rule["when"], chip_vals, s, True)
        return f"{rule['id']}: " + " and ".join(why) if why else rule["id"]
    if len(names) == 1:
        excluded = [r for r in s.predicates if r.startswith("excluded") and holds_metric_only(s.predicates[r], chip_vals, s)]
        if excluded:
            pred = s.predicates[excluded[0]]
            return (f"not controlled ({pred.get('label', excluded[0])}): "
                    + " and ".join(explain_leaves(pred, chip_vals, s, True)))
        kind_only = {k: (float("nan") if isinstance(v, float) else v) for k, v in chip_vals.items()}
        parts = [t for r in comp.class_rules if could_hold(r["when"], kind_only, s)  # skip rules its kind rules out
                 for t in explain_leaves(r["when"], chip_vals, s, False)]
        return "not controlled" + (": " + ", ".join(dict.fromkeys(parts)) if parts else "")
    return f"could be {' or '.join(names)}: " + gaps_text([r["when"] for r in comp.class_rules], chip_vals, s)


def gaps_text(preds, chip_vals: dict, scenario: Scenario, classes=None) -> str:
    """What a chip's figures leave open in these predicates: unknown metrics, ranges straddling a limit.

    Only predicates the chip's own facts do not already rule out count ("PD 5.1–6.8 straddles 5.92;
    DRAM unknown").
    """
    unknown, straddles = [], []
    for pred in preds:
        if not could_hold(pred, chip_vals, scenario, classes):
            continue
        for leaf in _positive_leaves(pred, scenario.predicates):
            if holds_metric_only(leaf, chip_vals, scenario) is not None:
                continue
            value = chip_vals.get(leaf["metric"], float("nan"))
            if value != value:
                unknown.append(METRIC_LABEL[leaf["metric"]])
            else:
                straddles.append(leaf_text(leaf, value, scenario.value(leaf["param"]), None,
                                           chip_vals.get(leaf["metric"] + HI, value)))
    parts = list(dict.fromkeys(straddles))
    if unknown:
        parts.append(", ".join(dict.fromkeys(unknown)) + " unknown" + _why_pd_unknown(unknown, chip_vals))
    return "; ".join(parts)


def _why_pd_unknown(unknown: list[str], chip_vals: dict) -> str:
    """The missing input behind an unknown PD: with a TPP known, only the die area (or the non-planar
    flag that makes it applicable) can be missing."""
    tpp = chip_vals.get("tpp", float("nan"))
    return " (no applicable die area in the table)" if "PD" in unknown and tpp == tpp else ""


def prongs_text(rule: dict, chip_vals: dict, scenario: Scenario, classes: list[str]) -> str:
    """Every alternative of a rule that holds for the chip, each with its numbers: a bill's prongs
    ("(ii)(I) TPP >= 4,800: TPP 15,832 >= 4,800; (ii)(IV) DRAM ...")."""
    cls = classes[0] if len(classes) == 1 else None
    out = []
    for name in rule.get("prongs", []):
        pred = scenario.predicates[name]
        if holds(pred, chip_vals, {"export": "us"}, scenario, cls) is True:
            numbers = explain_leaves(pred, chip_vals, scenario, True)
            out.append(pred.get("label", name) + (": " + " and ".join(numbers) if numbers else ""))
    return "; ".join(out)


CAUGHT_BY = "; caught by "


def caught_by_labels(reason: str) -> str:
    """The prongs a reason lists as holding, by label only ("3A090/4A090 class + TPP + DRAM"), for tables."""
    listed = reason.partition(CAUGHT_BY)[2]
    return " + ".join(p.split(":")[0] for p in listed.split("; ")) if listed else ""


def verdict_text(comp, d: int, bits: int, chip_vals: dict):
    """(outcome, review policy, exception, rule id, citation, reason, conditions) for one decision row."""
    s = comp.scenario
    why_class = class_reason(comp, bits, chip_vals)
    names = class_names(bits, comp.classes)
    if d == INDET:
        if NOT_CONTROLLED in names and not chip_vals.get("eccn") and len(names) == 1:
            return ("indeterminate", "", "", "indeterminate", s.citation,
                    f"{why_class}; its classification outside 3A090 (EAR99, 3A991, 4A994 or 5A992.c) is not in the "
                    "table (eccn_below_3a090), and the outcome here depends on it", [])
        gaps = (gaps_text([r["when"] for _, rules in comp.chains.items() for _, r in rules], chip_vals, s, names)
                or "which of these classes applies")
        return ("indeterminate", "", "", "indeterminate", s.citation, f"{why_class}; the outcome depends on: {gaps}", [])
    if d == NO_EXPORT:
        return ("allowed", "", "", "no-export", "15 CFR 772.1 ('export', 'United States')",
                f"no export: the destination is inside the exporting country ({s.exporting_country}); "
                "export controls do not apply to a sale within it", [])
    if d == NLR:  # cite the provisions that decide, not the scenario's header
        if names == [NOT_CONTROLLED]:
            return "allowed", "", "", "not-controlled", s.control_citation or s.citation, why_class, []
        scope = "; ".join(c for c in (s.control_citation, s.scope_citation) if c) or s.citation
        return ("allowed", "", "", "no-license-required", scope,
                f"{why_class}; no license requirement of this scenario covers this destination", [])
    chain, rule = comp.decisions[d]
    conds = [fill_params(c, s) for c in rule.get("conditions", [])]
    note = fill_params(rule.get("note", ""), s)
    metric_bits = [] if rule.get("prongs") else explain_leaves(rule["when"], chip_vals, s, True)
    reason = why_class + ("; " + note if note else "") + ("; " + " and ".join(metric_bits) if metric_bits else "")
    caught = prongs_text(rule, chip_vals, s, names)
    reason += CAUGHT_BY + caught if caught else ""
    return (rule["outcome"], rule.get("review_policy", ""), rule.get("exception", ""), rule["id"], rule["citation"],
            reason, conds)
