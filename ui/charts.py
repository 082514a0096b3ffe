"""Interactive charts (Altair/Vega-Lite) for the screens: hover for a chip's figures and verdict, zoom and
pan, click to choose a chip. The control regions are read from the scenario's own rules (every
comparison of the two plotted metrics), so an edit moves them and a new rule appears without code.
Matplotlib (sim.report.plots) stays for the publication PNG/SVG downloads.
"""

from __future__ import annotations

import itertools
import math

import altair as alt
import numpy as np
import pandas as pd

from sim.engine.reasons import METRIC_LABEL
from sim.report.plots import OUTCOME_COLORS
from sim.rules.scenario import DATE_METRICS, rule_in_force

from .words import OUTCOME_MEANING, fmt_number, outcome_key

OUTCOMES = list(OUTCOME_COLORS)
AXIS_TITLE = {"tpp": "Total processing performance (TPP, log scale)", "pd": "Performance density (TPP per mm² of die)",
              "dram_bw_gbps": "DRAM bandwidth (GB/s)", "io_bw_gbps": "I/O bandwidth (GB/s)",
              "dram_plus_io_gbps": "DRAM + I/O bandwidth (GB/s)",
              "interconnect_bw_gbps": "Chip-to-chip interconnect (GB/s, the bills' reading)",
              "dram_plus_interconnect_gbps": "DRAM + interconnect bandwidth (GB/s)"}
BANDWIDTHS = ("dram_bw_gbps", "io_bw_gbps", "dram_plus_io_gbps", "interconnect_bw_gbps", "dram_plus_interconnect_gbps")
REGION_COLORS = {"3A090.a": "#c62828", "3A090.b": "#fb8c00", "license": "#f9a825", "denied": "#c62828",
                 "exception": "#1e88e5", "condition": "#6a1b9a"}
FALLBACK_COLORS = ["#8e24aa", "#00897b", "#5d4037", "#3949ab", "#d81b60"]
HUGE = 1e9
# the chart toolbar's own PNG/SVG export would carry no provenance: the app's download buttons are the export
NO_EXPORT = {"embedOptions": {"actions": False}}


def without_export(chart):
    """An interactive chart without vega's export menu (its files would carry no provenance)."""
    return chart.properties(usermeta=NO_EXPORT)


# ---------------------------------------------------------------------------------------------
# regions from the rules

def _dnf(pred: dict, predicates: dict, notes: list, depth: int = 0) -> list[list[dict]]:
    """A predicate as alternatives of conjunctions of leaves; negations are left out (and their labels noted)."""
    if depth > 20 or not isinstance(pred, dict):
        return [[]]
    if "all" in pred:
        parts = [_dnf(p, predicates, notes, depth + 1) for p in pred["all"]]
        return [sum(combo, []) for combo in itertools.product(*parts)][:64]
    if "any" in pred:
        return [c for p in pred["any"] for c in _dnf(p, predicates, notes, depth + 1)][:64]
    if "not" in pred:
        inner = pred["not"]
        label = predicates.get(inner.get("ref", ""), {}).get("label") if isinstance(inner, dict) else None
        if label:
            notes.append(label)
        return [[]]
    if "ref" in pred:
        return _dnf(predicates.get(pred["ref"], {}), predicates, notes, depth + 1)
    return [[pred]]


def _other_text(leaf: dict, scenario) -> str | None:
    if "metric" in leaf:
        p = scenario.parameters[leaf["param"]]
        unit = " GB/s" if leaf["metric"].endswith("gbps") else ""
        value = p.text() if p.is_date else f"{p.value:,.6g}"
        return f"{METRIC_LABEL.get(leaf['metric'], leaf['metric'])} {leaf['op']} {value}{unit}"
    if "dest_in" in leaf:
        return "to " + scenario.destination_sets.get(leaf["dest_in"], {}).get("label", leaf["dest_in"])
    if "hq_in" in leaf:
        return "end user headquartered in " + scenario.destination_sets.get(leaf["hq_in"], {}).get("label", leaf["hq_in"])
    if "class_in" in leaf:
        return "classified " + " or ".join(leaf["class_in"])
    if "export" in leaf:
        return {"us": "export from the US", "reexport": "re-export"}.get(leaf["export"], leaf["export"])
    return None


def regions(scenario, day, x: str, y: str) -> tuple[pd.DataFrame, list[str]]:
    """Boxes on the (x, y) plane where a rule in force on `day` can hold, with what else it needs.

    Returns (regions: label, kind, x0, x1, y0, y1, needs, citation; notes on exclusions left out).
    """
    items = [("class", r["class"], r) for r in scenario.classification]
    items += [("rule", r["outcome"], r) for rules in scenario.chains.values() for r in rules]
    items += [("condition", "condition", r) for r in scenario.conditions]
    items = [i for i in items if rule_in_force(i[2], day)]
    rows, notes, found = [], [], {}
    for kind, what, rule in items:
        found[(kind, rule["id"])] = _dnf(rule["when"], scenario.predicates, notes)
    # a kind of rule (classification, licensing, condition) is drawn only where some rule of that kind reads y:
    # classification reads PD, not DRAM, so its TPP-only regions do not clutter the bandwidth plane
    reads_y = {kind for kind, _, rule in items for conj in found[(kind, rule["id"])] for leaf in conj
               if leaf.get("metric") == y}
    for kind, what, rule in items:
        if kind not in reads_y and not (kind == "condition" and "rule" in reads_y):
            continue
        for conj in found[(kind, rule["id"])]:
            on_axes = [leaf for leaf in conj if leaf.get("metric") in (x, y)]
            # a dated fact (US availability) is no axis of any plane: it is listed with what the region needs
            off_plane = [leaf for leaf in conj if "metric" in leaf and leaf not in on_axes
                         and leaf["metric"] not in DATE_METRICS]
            if not on_axes or (off_plane and kind != "class"):
                continue  # a licensing rule that also reads another figure belongs on that figure's plane
            box = {x: [0.0, HUGE], y: [0.0, HUGE]}
            for leaf in on_axes:
                v = scenario.parameters[leaf["param"]].value
                if leaf["op"] in (">=", ">"):
                    box[leaf["metric"]][0] = max(box[leaf["metric"]][0], v)
                else:
                    box[leaf["metric"]][1] = min(box[leaf["metric"]][1], v)
            if box[x][0] >= box[x][1] or box[y][0] >= box[y][1]:
                continue
            needs = [t for t in (_other_text(leaf, scenario) for leaf in conj if leaf not in on_axes) if t]
            bounds = " and ".join(_other_text(leaf, scenario) for leaf in on_axes)
            if kind == "class":
                label = f"{rule['id']} ({what}): {bounds}"
            elif kind == "rule":
                label = f"{rule['id']} → {what}" + (f" ({rule['exception']})" if rule.get("exception") else "") + f": {bounds}"
            else:
                label = f"{rule['id']} (flagged condition): {bounds}"
            rows.append({"label": label, "kind": kind, "what": what, "rule": rule["id"], "x0": box[x][0], "x1": box[x][1],
                         "y0": box[y][0], "y1": box[y][1], "needs": "; ".join(dict.fromkeys(needs)) or "nothing else",
                         "citation": rule.get("citation", "")})
    frame = pd.DataFrame(rows, columns=["label", "kind", "what", "rule", "x0", "x1", "y0", "y1", "needs", "citation"])
    return frame.drop_duplicates("label").reset_index(drop=True), list(dict.fromkeys(notes))


def _region_colors(frame: pd.DataFrame) -> list[str]:
    out, spare = [], iter(itertools.cycle(FALLBACK_COLORS))
    for _, r in frame.iterrows():
        key = r["what"] if r["kind"] != "condition" else "condition"
        out.append(REGION_COLORS.get(key) or next(spare))
    return out


# ---------------------------------------------------------------------------------------------
# points

def chip_points(metrics: pd.DataFrame, verdicts: pd.DataFrame, x: str, y: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(plottable chips with tooltip fields, chips left out because x or y is unknown).

    Where the metrics give y only as a range (y_low/y_high, e.g. PD from a die area known as a bound),
    the chip is kept with `ranged` set, y_low/y_high clipped to finite values and `open_high` marking
    an unknown upper end.
    """
    v = verdicts.set_index("chip_id")
    frame = pd.DataFrame({
        "chip_id": metrics["chip_id"].to_numpy(), "name": metrics["name"].to_numpy(), "vendor": metrics["vendor"].to_numpy(),
        "tpp": metrics["tpp"].to_numpy(dtype=float), "pd": metrics["pd"].to_numpy(dtype=float),
        **{m: metrics[m].to_numpy(dtype=float) for m in BANDWIDTHS},
    })
    frame["outcome"] = frame["chip_id"].map(v["outcome"]).fillna("indeterminate")
    frame["meaning"] = frame["outcome"].map(OUTCOME_MEANING)
    frame["key"] = frame["outcome"].map(outcome_key)
    frame["classification"] = frame["chip_id"].map(v["classification"]).fillna("")
    frame["reason"] = frame["chip_id"].map(v["reason"]).fillna("")
    frame["rule"] = frame["chip_id"].map(v["rule"]).fillna("")
    for col, unit, digits in (("tpp", "", 0), ("pd", "TPP/mm²", 2)) + tuple((m, "GB/s", 0) for m in BANDWIDTHS):
        frame[f"{col}_text"] = [fmt_number(val, unit, digits) for val in frame[col]]
    frame["ranged"] = False
    if f"{y}_low" in metrics.columns and f"{y}_high" in metrics.columns:
        lo = metrics[f"{y}_low"].to_numpy(dtype=float)
        hi = metrics[f"{y}_high"].to_numpy(dtype=float)
        ranged = ~np.isnan(lo) & ~np.isnan(hi) & (lo != hi) & ~((lo <= 0) & np.isinf(hi))  # 0 to infinity says nothing
        frame["ranged"] = ranged
        frame["open_high"] = ranged & np.isinf(hi)
        frame["y_low"] = np.where(ranged, lo, np.nan)
        frame["y_high"] = np.where(ranged & np.isfinite(hi), hi, np.nan)
        unit = {"pd": "TPP/mm²"}.get(y, "GB/s")
        digits = 2 if y == "pd" else 0
        for i in np.flatnonzero(ranged):
            text = (f"at least {lo[i]:,.{digits}f} {unit}" if np.isinf(hi[i]) else
                    f"at most {hi[i]:,.{digits}f} {unit}" if lo[i] <= 0 else
                    f"{lo[i]:,.{digits}f} to {hi[i]:,.{digits}f} {unit}")
            frame.loc[i, f"{y}_text"] = text + " (a figure is known only as a range)"
    ok = frame[x].notna() & (frame[x] > 0) & (frame[y].notna() | frame["ranged"])
    return frame[ok].reset_index(drop=True), frame[~ok].reset_index(drop=True)


def _tooltip(y: str):
    return [alt.Tooltip("name:N", title="Chip"), alt.Tooltip("vendor:N", title="Vendor"),
            alt.Tooltip("chip_id:N", title="chip_id"), alt.Tooltip("tpp_text:N", title="TPP"),
            alt.Tooltip("pd_text:N", title="Performance density"), alt.Tooltip("dram_bw_gbps_text:N", title="DRAM bandwidth"),
            alt.Tooltip("io_bw_gbps_text:N", title="I/O bandwidth"), alt.Tooltip("outcome:N", title="Outcome"),
            alt.Tooltip("meaning:N", title="Meaning"), alt.Tooltip("classification:N", title="Classification"),
            alt.Tooltip("reason:N", title="Why")]


def plane_chart(points: pd.DataFrame, region_frame: pd.DataFrame, x: str, y: str, *, x_domain, y_domain,
                dest_label: str, selected: str | None = None, height: int = 460) -> alt.LayerChart:
    """Chips on an (x, y) plane over the rule regions; hover, zoom/pan (drag, wheel), click to choose."""
    xs = alt.Scale(type="log", domain=list(x_domain)) if x == "tpp" else alt.Scale(domain=list(x_domain))
    ys = alt.Scale(domain=list(y_domain))
    layers = []
    if len(region_frame):
        reg = region_frame.copy()  # open ends drawn a decade past the view (browsers drop absurd coordinates)
        reg["x0"] = reg["x0"].clip(lower=x_domain[0] / 10 if x == "tpp" else -abs(x_domain[1]))
        reg["x1"] = reg["x1"].clip(upper=x_domain[1] * 10)
        reg["y0"] = reg["y0"].clip(lower=-abs(y_domain[1]))
        reg["y1"] = reg["y1"].clip(upper=y_domain[1] * 10)
        colors = _region_colors(reg)
        layers.append(alt.Chart(reg).mark_rect(opacity=0.16, clip=True, strokeWidth=1.2, strokeOpacity=0.8).encode(
            x=alt.X("x0:Q", scale=xs, title=AXIS_TITLE[x]), x2="x1:Q",
            y=alt.Y("y0:Q", scale=ys, title=AXIS_TITLE[y]), y2="y1:Q",
            fill=alt.Fill("label:N", scale=alt.Scale(domain=list(reg["label"]), range=colors),
                          legend=alt.Legend(title="Regions of the rules in force (hover a region for what else it needs)",
                                            orient="bottom", direction="vertical", labelLimit=900, titleLimit=900,
                                            symbolOpacity=0.5)),
            stroke=alt.Stroke("label:N", scale=alt.Scale(domain=list(reg["label"]), range=colors), legend=None),
            tooltip=[alt.Tooltip("label:N", title="Region"), alt.Tooltip("needs:N", title="Also needs"),
                     alt.Tooltip("citation:N", title="Citation")]
            + ([alt.Tooltip("others:N", title="Chips inside it decides otherwise")] if "others" in reg else [])))
    pick = alt.selection_point(fields=["chip_id"], name="pick", on="click", clear=False)
    zoom = alt.selection_interval(bind="scales", name="zoom")
    color = outcome_color(f"Outcome for {dest_label}", "right")
    points = points.copy()
    if points["ranged"].any():
        top = float(y_domain[1]) * 50
        ranged = points[points["ranged"]].copy()
        ranged["y_low"] = ranged["y_low"].clip(lower=0)
        ranged["y_high"] = ranged["y_high"].fillna(top)
        layers.append(alt.Chart(ranged).mark_rule(strokeWidth=4, opacity=0.75, clip=True).encode(
            x=alt.X(f"{x}:Q", scale=xs), y=alt.Y("y_low:Q", scale=ys), y2="y_high:Q", color=color, tooltip=_tooltip(y)))
        open_low = ranged[ranged["y_low"] > 0]
        layers.append(alt.Chart(open_low).mark_point(shape="triangle-up", filled=True, size=70, stroke="black",
                                                     strokeWidth=0.5, clip=True).encode(
            x=alt.X(f"{x}:Q", scale=xs), y=alt.Y("y_low:Q", scale=ys), color=color, tooltip=_tooltip(y)))
    exact = points[points[y].notna()]
    base = alt.Chart(exact)
    layers.append(base.mark_point(filled=True, size=90, stroke="black", strokeWidth=0.6, opacity=0.95).encode(
        x=alt.X(f"{x}:Q", scale=xs, title=AXIS_TITLE[x]), y=alt.Y(f"{y}:Q", scale=ys, title=AXIS_TITLE[y]),
        color=color, tooltip=_tooltip(y), shape=alt.value("circle")).add_params(pick, zoom))
    if selected is not None and selected in set(points["chip_id"]):
        chosen = points[points["chip_id"] == selected]
        layers.append(alt.Chart(chosen).mark_point(size=420, strokeWidth=2.5, color="black", filled=False).encode(
            x=alt.X(f"{x}:Q", scale=xs), y=alt.Y(f"{y}:Q", scale=ys), tooltip=_tooltip(y)))
        layers.append(alt.Chart(chosen).mark_text(align="left", dx=14, dy=-10, fontSize=13, fontWeight="bold").encode(
            x=alt.X(f"{x}:Q", scale=xs), y=alt.Y(f"{y}:Q", scale=ys), text="name:N"))
    n_regions = len(region_frame)
    return alt.layer(*layers).properties(height=height + 24 * n_regions + (40 if n_regions else 0))


def outcome_color(title: str, orient: str | None) -> alt.Color:
    """Colour by outcome; the key names each outcome and what it means ('license: license required')."""
    legend = None if orient is None else alt.Legend(title=title, orient=orient, labelLimit=400,
                                                     columns=2 if orient in ("top", "bottom") else 1)
    return alt.Color("key:N", scale=alt.Scale(domain=[outcome_key(o) for o in OUTCOMES],
                                              range=[OUTCOME_COLORS[o] for o in OUTCOMES]), legend=legend)


# ---------------------------------------------------------------------------------------------
# the sweep

def sweep_runs(chip_ids, names, values: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
    """One bar per chip and run of equal outcome along the swept values (far fewer marks than cells)."""
    from sim.analysis.sweep import OUTCOME_ORDER

    values = np.asarray(values, dtype=float)
    edges = np.concatenate([values[:1], (values[1:] + values[:-1]) / 2, values[-1:]])
    rows = []
    for i, cid in enumerate(chip_ids):
        col = codes[:, i]
        starts = np.concatenate([[0], np.flatnonzero(col[1:] != col[:-1]) + 1])
        ends = np.concatenate([starts[1:], [len(col)]])
        for s, e in zip(starts, ends):
            rows.append({"chip_id": cid, "name": names.get(cid, cid), "outcome": OUTCOME_ORDER[col[s]],
                         "key": outcome_key(OUTCOME_ORDER[col[s]]),
                         "from": edges[s], "to": edges[e], "from_text": f"{values[s]:,.6g}", "to_text": f"{values[e - 1]:,.6g}"})
    return pd.DataFrame(rows)


SWEEP_Y_EXTENT = 270  # both sweep charts reserve the same y-axis width, so their x axes (and "now" lines) align


def sweep_chart(runs: pd.DataFrame, counts: pd.DataFrame, flips: pd.DataFrame, order: list[str], *, param: str,
                xtitle: str, preset_value: float, dest_label: str,
                selected: str | None = None) -> tuple[alt.LayerChart, alt.LayerChart]:
    """(how many chips get each outcome along the sweep, each chip's outcome with its flip points ticked); the
    axis says the parameter in plain words (`xtitle`), its tooltips name its id (`param`)."""
    xs = alt.Scale(domain=[float(runs["from"].min()), float(runs["to"].max())])
    color = outcome_color(f"Outcome for {dest_label}", "top")
    quiet = outcome_color("", None)
    zoom = alt.selection_interval(bind="scales", encodings=["x"], name="zoom")
    pick = alt.selection_point(fields=["chip_id"], name="pick", on="click", clear=False)
    top = alt.Chart(counts).mark_area(interpolate="step-after").encode(
        x=alt.X("value:Q", scale=xs, title=xtitle),
        # the axis title sits above the chart, so both charts' y axes take exactly SWEEP_Y_EXTENT pixels
        y=alt.Y("chips:Q", stack=True, title=None, axis=alt.Axis(minExtent=SWEEP_Y_EXTENT, maxExtent=SWEEP_Y_EXTENT)),
        color=color, order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("value:Q", title=param, format=",.6g"), alt.Tooltip("outcome:N"), alt.Tooltip("chips:Q")],
    )
    preset_rule = alt.Chart(pd.DataFrame({"v": [preset_value], "label": [f"current value {preset_value:,.6g}"]}))
    top = alt.layer(top, preset_rule.mark_rule(strokeDash=[4, 3], color="black").encode(
        x=alt.X("v:Q", scale=xs), tooltip=alt.Tooltip("label:N", title=""))).properties(
        height=170, title=alt.TitleParams(f"Number of chips per outcome (to {dest_label})", anchor="start", fontSize=12,
                                          fontWeight="normal"))
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=SWEEP_Y_EXTENT - 10, labelFontSize=11,
                                                             labelOverlap=False, minExtent=SWEEP_Y_EXTENT,
                                                             maxExtent=SWEEP_Y_EXTENT))
    bars = alt.Chart(runs).mark_rect(stroke="white", strokeWidth=0.4).encode(
        x=alt.X("from:Q", scale=xs, title=xtitle), x2="to:Q", y=y, color=quiet,
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)) if selected else alt.value(1.0),
        tooltip=[alt.Tooltip("name:N", title="Chip"), alt.Tooltip("chip_id:N"), alt.Tooltip("outcome:N", title="Outcome"),
                 alt.Tooltip("from_text:N", title=f"from {param}"), alt.Tooltip("to_text:N", title="to")],
    ).add_params(pick, zoom)
    layers = [bars, alt.Chart(pd.DataFrame({"v": [preset_value]})).mark_rule(strokeDash=[4, 3], color="black").encode(
        x=alt.X("v:Q", scale=xs))]
    if len(flips):
        layers.append(alt.Chart(flips).mark_tick(color="black", thickness=2, size=12).encode(
            x=alt.X("flip_at:Q", scale=xs), y=y,
            tooltip=[alt.Tooltip("name:N", title="Chip"), alt.Tooltip("flip_at:Q", title="flips at", format=",.6g"),
                     alt.Tooltip("below:N", title="below"), alt.Tooltip("above:N", title="at or above")]))
    bottom = alt.layer(*layers).properties(height=alt.Step(21))
    return top, bottom


def linear_top(points: pd.DataFrame, y: str, floor: float) -> float:
    """Top of a linear y axis that shows every plotted chip: its point, or the low end of its range bar
    (a chip known only as "PD ≥ 46.6" would otherwise sit above the axis, out of sight)."""
    ends = [points[y]] + ([points["y_low"]] if "y_low" in points else [])
    top = pd.concat(ends).dropna().max() if len(points) else float("nan")
    return max(floor, float(top) * 1.1) if top == top else floor


def log_domain(values, lo_default: float, hi_default: float) -> tuple[float, float]:
    v = pd.Series(values, dtype=float).dropna()
    v = v[v > 0]
    if v.empty:
        return lo_default, hi_default
    return min(lo_default, 10 ** math.floor(math.log10(v.min()))), max(hi_default, float(v.max()) * 1.3)


def metric_reads(scenario, day, metrics=BANDWIDTHS) -> dict[str, int]:
    """How many comparisons of the rules in force read each metric (to pick a plane's default axis); a bandwidth
    no rule reads is offered only if it is one of the three the enacted rules use."""
    items = [r for r in scenario.classification] + [r for rules in scenario.chains.values() for r in rules]
    items += list(scenario.conditions)
    counts = dict.fromkeys(metrics, 0)
    for rule in items:
        if rule_in_force(rule, day):
            for conj in _dnf(rule["when"], scenario.predicates, []):
                for leaf in conj:
                    if leaf.get("metric") in counts:
                        counts[leaf["metric"]] += 1
    return {k: n for k, n in counts.items() if n or k in BANDWIDTHS[:3]}


def mark_undecided(region_frame: pd.DataFrame, points: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """A licensing region's label names the plotted chips inside it that it does not decide (another rule or
    chain does: the H20 sits in the April 2025 letters' bandwidth region, yet its licence by name decides it),
    so no region's colour claims an outcome those chips do not get."""
    out = region_frame.copy()
    names, others = [], []
    for r in out.itertuples():
        inside = points[(points[x] >= r.x0) & (points[x] < r.x1) & (points[y] >= r.y0) & (points[y] < r.y1)]
        # a chip another rule decides differently: the region's colour is not its answer
        other = inside[(inside["rule"] != r.rule) & (inside["outcome"] != r.what)] if r.kind == "rule" else inside.iloc[0:0]
        listed = [f"{n}: {o}" for n, o in zip(other["name"], other["outcome"])]
        names.append(r.label + (f" (not for {len(listed)} chips inside: other rules decide them)" if listed else ""))
        others.append("; ".join(listed[:8]) + (f"; and {len(listed) - 8} more" if len(listed) > 8 else "") or "none")
    out["label"], out["others"] = names, others
    return out

