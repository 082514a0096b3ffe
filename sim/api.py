"""The Python API: evaluate, explain, diff and timeline — what the CLI and the app call.

    >>> from sim.api import evaluate
    >>> evaluate("us-2023-11", chips=["nvidia-h20"], destinations=["CN"])[["outcome", "reason"]]
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .data import destinations as dest_mod
from .data.chips import load_chips
from .engine.derived import derived_text, resolve_derived
from .engine.metrics import compute_metrics
from .engine.reasons import caught_by_labels, range_text
from .engine.reference import chip_record, holds, possible_classes
from .engine.vectorised import Context, compile_scenario, verdicts
from .errors import unknown_name
from .rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from .rules.predicates import leaves
from .rules.scenario import TRANSACTION_WORDS, Scenario, all_presets, in_force_on, load_scenario, rule_in_force

TIMELINE_START = dt.date(2022, 8, 26)  # the first rule chipsim encodes: the is-informed letters of August 2022


def resolve_scenario(scenario=None, as_of=None, overrides: dict | None = None) -> Scenario:
    """A Scenario from an id, a path or an object; None picks the rules in force on `as_of`."""
    if scenario is None:
        s = in_force_on(as_of or dt.date.today())
    elif isinstance(scenario, Scenario):
        s = scenario
    else:
        s = load_scenario(scenario)
    return s.with_values(overrides) if overrides else s


def select_chips(table: pd.DataFrame, chip_ids=None) -> pd.DataFrame:
    """Rows for the given chip ids (all if None), in the order asked; unknown ids list close matches."""
    if not chip_ids:
        return table
    known = table["chip_id"].tolist()
    for cid in chip_ids:
        if cid not in known:
            raise unknown_name("chip", cid, known)
    idx = [known.index(c) for c in dict.fromkeys(chip_ids)]
    return table.iloc[idx].reset_index(drop=True)


def evaluate(scenario=None, *, chips=None, destinations=None, as_of=None, overrides=None, table=None,
             ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS) -> pd.DataFrame:
    """Verdicts for every chip x destination (or the selected ones)."""
    s = resolve_scenario(scenario, as_of, overrides)
    table = load_chips() if table is None else table
    s = resolve_derived(s, table, s.as_of(as_of), conv=conv, force=True)
    return verdicts(s, select_chips(table, chips), destinations=destinations, as_of=as_of, ctx=ctx, conv=conv)


def diff(from_scenario, to_scenario, *, chips=None, destinations=None, as_of_from=None, as_of_to=None, table=None,
         ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS):
    """(pairs whose outcome changed, count per transition)."""
    a = evaluate(from_scenario, chips=chips, destinations=destinations, as_of=as_of_from, table=table, ctx=ctx, conv=conv)
    b = evaluate(to_scenario, chips=chips, destinations=destinations, as_of=as_of_to, table=table, ctx=ctx, conv=conv)
    keep = ["chip_id", "destination", "destination_name", "classification", "outcome", "rule", "reason"]
    merged = a[keep].merge(b[keep], on=["chip_id", "destination", "destination_name"], suffixes=("_from", "_to"))
    changed = merged[merged["outcome_from"] != merged["outcome_to"]].reset_index(drop=True)
    # the alternatives of the deciding rule that hold (a bill's prongs), as the reason lists them
    changed["caught_by_to"] = changed["reason_to"].map(caught_by_labels)
    counts = (changed.groupby(["outcome_from", "outcome_to"]).size().rename("pairs").reset_index()
              .sort_values("pairs", ascending=False, kind="stable").reset_index(drop=True))
    return changed, counts


def change_dates(until: dt.date | None = None) -> list[dt.date]:
    """Every date since 2022-08-26 on which an enforced rule, a dated rule part or a country group changed."""
    until = until or dt.date.today()
    days = {TIMELINE_START}
    for s in all_presets():
        if s.series != "us-enforced":
            continue
        days.add(s.effective)
        items = s.classification + [r for rules in s.chains.values() for r in rules] + s.conditions
        for spec in s.destination_sets.values():
            items += [i for i in spec.get("any", []) + spec.get("except", []) if isinstance(i, dict)]
        for item in items:
            if item.get("from"):
                days.add(dt.date.fromisoformat(str(item["from"])))
            if item.get("to"):
                days.add(dt.date.fromisoformat(str(item["to"])) + dt.timedelta(days=1))
    m = dest_mod.memberships()
    for col, shift in (("effective_from", 0), ("effective_to", 1)):
        for v in m[col][m[col] != ""]:
            days.add(dt.date.fromisoformat(v) + dt.timedelta(days=shift))
    return sorted(d for d in days if TIMELINE_START <= d <= until)


def timeline(chip_id: str, destination: str, *, table=None, ctx: Context = Context(),
             conv: MetricConventions = DEFAULT_CONVENTIONS, until=None) -> pd.DataFrame:
    """The chip's outcome for one destination at every rule change since 2022-08-26."""
    dest = dest_mod.resolve_destinations([destination])
    table = select_chips(load_chips() if table is None else table, [chip_id])
    rows = []
    previous = None
    for day in change_dates(until):
        s = in_force_on(day)
        v = verdicts(s, table, destinations=dest, as_of=day, ctx=ctx, conv=conv).iloc[0]
        rows.append({"date": day.isoformat(), "scenario": s.id, "status": s.status_label, "classification": v["classification"],
                     "outcome": v["outcome"], "changed": previous is not None and v["outcome"] != previous,
                     "rule": v["rule"], "reason": v["reason"]})
        previous = v["outcome"]
    return pd.DataFrame(rows)


def _range(m, name: str) -> str:
    return range_text(float(m[f"{name}_low"]), float(m[f"{name}_high"]))


def _fmt_num(v: float) -> str:
    return "unknown" if v != v else (f"{v:,.2f}" if abs(v) < 100 else f"{v:,.1f}")


def one_pair(chip_id: str, destination: str, scenario=None, *, as_of=None, overrides=None, table=None,
             conv: MetricConventions = DEFAULT_CONVENTIONS):
    """(scenario, day, destination code, the chip's one-row table) for a single verdict: the scenario resolved on
    its day, with any threshold derived from the whole table before the one chip is selected."""
    s = resolve_scenario(scenario, as_of, overrides)
    day = s.as_of(as_of)
    dest = dest_mod.resolve_destinations([destination])[0]
    table = load_chips() if table is None else table
    s = resolve_derived(s, table, day, conv=conv, force=True)
    return s, day, dest, select_chips(table, [chip_id])


def explain(chip_id: str, destination: str, scenario=None, *, as_of=None, overrides=None, table=None,
            ctx: Context = Context(), conv: MetricConventions = DEFAULT_CONVENTIONS) -> str:
    """The full trace for one pair: metrics, each prong with its numbers, each parameter's citation."""
    s, day, dest, row = one_pair(chip_id, destination, scenario, as_of=as_of, overrides=overrides, table=table,
                                 conv=conv)
    m = compute_metrics(row, conv).iloc[0]
    chip = row.iloc[0]
    verdict = verdicts(s, row, destinations=[dest], as_of=day, ctx=ctx, conv=conv).iloc[0]
    lines = [f"{chip['vendor']} {chip['name']} ({chip_id}) -> {dest_mod.country_name(dest)} ({dest})",
             f"scenario {s.id}: {s.title}", f"  status {s.status_label}; evaluated as of {day}; {s.citation}"]
    if s.edits:
        lines.append("  edited parameters: " + ", ".join(f"{k}={s.parameters[k].text(v)}" for k, v in s.edits.items()))
    prec = m["tpp_precision"]
    lines += ["", "metrics (3A090 Technical Notes 1-4):",
              f"  TPP = {_fmt_num(m['tpp'])}" + (f" = {chip[prec]:g} dense {prec.split('_')[0].upper()} x {m['tpp_bits']:g} bits"
                                                 if prec else " (no throughput figure)"),
              f"  PD = TPP / {_fmt_num(m['applicable_die_area_mm2'])} mm² non-planar die area = {_fmt_num(m['pd'])}",
              f"  DRAM {_fmt_num(m['dram_bw_gbps'])} GB/s, I/O {_fmt_num(m['io_bw_gbps'])} GB/s, sum {_fmt_num(m['dram_plus_io_gbps'])} GB/s",
              f"  interconnect ({conv.interconnect} reading) {_range(m, 'interconnect_bw_gbps')} GB/s, DRAM + interconnect "
              f"{_range(m, 'dram_plus_interconnect_gbps')} GB/s",
              f"  datacenter (designed or marketed): {bool(chip['datacenter'])}; source confidence: {chip['confidence']}",
              f"  conventions: TF32 {conv.tf32_bits} bits, FP6 {conv.fp6_bits} bits, per {conv.count_per}"]
    vals = chip_record(m, chip, ctx.quantity)
    cited = {}

    def leaf_lines(pred, indent):
        out = []
        for leaf in leaves(pred, s.predicates):
            p = s.parameters[leaf["param"]]
            cited[p.name] = p
            v = vals.get(leaf["metric"], float("nan"))
            truth = holds(leaf, vals, {"dest": None, "hq": None, "sets": {}, "export": ctx.export}, s)
            mark = {True: "yes", False: "no", None: "unknown"}[truth]
            edited = f" (edited; preset {p.preset_value:g})" if p.edited else ""
            out.append(f"{indent}{leaf['metric']} {_fmt_num(v)} {leaf['op']} {p.value:g} [{p.name}]{edited}: {mark}")
        return out

    lines += ["", "classification (first rule that holds wins):"]
    for rule in s.classification:
        if not rule_in_force(rule, day):
            continue
        truth = holds(rule["when"], vals, {"dest": None, "hq": None, "sets": {}, "export": ctx.export}, s)
        lines.append(f"  {rule['id']} -> {rule['class']}: {({True: 'HOLDS', False: 'no', None: 'unknown'})[truth]}  ({rule['citation']})")
        lines += leaf_lines(rule["when"], "      ")
    lines.append(f"  => {verdict['classification']} (possible: {', '.join(possible_classes(s, vals, day))})")
    comp = compile_scenario(s, day)
    ear = str(dest_mod.ear_country([dest])[0])
    hq = ear if ctx.hq is None else str(dest_mod.ear_country([ctx.hq])[0])
    kind = TRANSACTION_WORDS[ctx.export]
    screening = ", ".join(sorted(ctx.party)) or "nobody listed, no military or military-intelligence end use (assumed)"
    lines += ["", f"destination {dest}" + (" (evaluated as China)" if ear != dest else "") +
              f"; end user headquartered in {hq}; {kind}", f"  end-user screening: {screening}"]
    for name in comp.set_names:
        members = dest_mod.set_members(s.destination_sets[name], day)
        label = s.destination_sets[name].get("label", name)
        lines.append(f"  {name} ({label}): destination {'in' if ear in members else 'not in'}, HQ {'in' if hq in members else 'not in'}")
    lines += ["", "licensing chains (first rule that holds wins; the strictest chain decides):"]
    for chain, rules in comp.chains.items():
        lines.append(f"  chain {chain}:")
        for _, rule in rules:
            lines.append(f"    {rule['id']} -> {rule['outcome']}{' (' + rule['exception'] + ')' if rule.get('exception') else ''}  ({rule['citation']})")
            lines += leaf_lines(rule["when"], "        ")
    lines += ["", f"VERDICT: {verdict['outcome'].upper()}" + (f" — {verdict['review_policy']}" if verdict["review_policy"] else "")
              + (f" — License Exception {verdict['exception']}" if verdict["exception"] else ""),
              f"  rule {verdict['rule']}: {verdict['citation']}", f"  reason: {verdict['reason']}"]
    if verdict["conditions"]:
        lines.append(f"  conditions: {verdict['conditions']}")
    if verdict["advisories"]:
        lines.append(f"  advisories: {verdict['advisories']}")
    if verdict["warning"]:
        lines.append(f"  WARNING: {verdict['warning']}")
    lines += ["", f"IMPORT SIDE ({dest}'s own measures, never part of the US verdict): {verdict['import']}"]
    if verdict["import_measures"]:
        lines.append(f"  {verdict['import_measures']}")
    if cited:
        lines += ["", "parameters read:"]
        lines += [f"  {p.name} = {p.text()} {p.unit} — {p.label}; {p.citation}"
                  + (f" [{derived_text(p)}]" if p.derived else "") for p in cited.values()]
    lines += ["", "Not legal advice. Entity List, military end-use and end-user rules are applied only as the transaction "
              "states them (chipsim cannot screen a party); the is-informed letters are unpublished and modelled as reported."]
    return "\n".join(lines)
