"""Sweep: move one threshold across a range and watch every chip's outcome; margins for the chosen chip.

The chart is interactive (hover a bar for the chip and the range of values it covers, drag/scroll to
zoom the axis, click a chip to choose it); the PNG/SVG downloads are the publication figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from sim.analysis.sweep import OUTCOME_ORDER, flip_points, frontier, margin_sentences, margins, outcome_index, prepare
from sim.engine.vectorised import verdicts
from sim.report.plots import sweep_figure

from . import view
from .charts import sweep_chart, sweep_runs, without_export
from .common import chart_pick, country_label
from .exports import figure_downloads
from .matrix import chip_picker, dest_picker
from .words import abbreviate, outcome_key


def _param_changed() -> None:
    view.put("sw_param", st.session_state["sw_param"])
    view.put("sw_lo", None)
    view.put("sw_hi", None)


def looser_when_stricter(state, s, name: str, p, flips: pd.DataFrame, dest: str) -> pd.Series:
    """For a flip whose stricter side gets the looser outcome, why (the class moved and another rule governs it)."""
    from sim.rules.scenario import SEVERITY

    rank = {**SEVERITY, "indeterminate": -1}
    out = pd.Series("", index=flips.index, dtype=object)
    for i, r in flips.iterrows():
        strict, loose = (r["below"], r["above"]) if p.stricter == "lower" else (r["above"], r["below"])
        if min(rank[strict], rank[loose]) < 0 or rank[strict] >= rank[loose]:
            continue
        x = r["flip_at"]
        value = np.nextafter(x, -np.inf) if p.stricter == "lower" else x
        row = state.table[state.table["chip_id"] == r["chip_id"]]
        v = verdicts(s.with_values({name: float(value)}), row, destinations=[dest], as_of=state.as_of, ctx=state.ctx).iloc[0]
        out[i] = f"on the stricter side it is classified {v['classification']} and rule {v['rule']} gives {v['outcome']}"
    return out


def render(state) -> None:
    st.header("Sweep a threshold")
    s = state.scenario
    names = [n for n, p in s.parameters.items() if p.derived is None and not p.is_date]  # numbers to sweep
    c1, c2 = st.columns([3, 2])
    default = "3A090.a.1.tpp" if "3A090.a.1.tpp" in names else names[0]
    current = view.get("sw_param") if view.get("sw_param") in names else default
    st.session_state["sw_param"] = current
    name = c1.selectbox("Parameter", names, key="sw_param", on_change=_param_changed,
                        format_func=lambda n: s.parameters[n].plain_label,
                        help=f"The threshold to move; now `{current}`: {s.parameters[current].label}. "
                             f"{s.parameters[current].citation}.")
    view.put("sw_param", name)
    dest = dest_picker(c2, "sw_dest")
    p = s.parameters[name]
    c1, c2, c3, c4 = st.columns([2, 2, 1, 2])
    lo = view.bound_value(c1.number_input, f"From ({p.unit})", "sw_lo_w", "sw_lo", float(p.value) * 0.2, format="%g")
    hi = view.bound_value(c2.number_input, f"To ({p.unit})", "sw_hi_w", "sw_hi", float(p.value) * 4 or 1.0, format="%g")
    n = view.bound_value(c3.number_input, "Points", "sw_n_w", "sw_n", 191, min_value=2, max_value=2000)
    only = view.bound_value(c4.toggle, "Only chips whose outcome changes", "sw_only_w", "sw_only", True)
    if not hi > lo:
        st.error("'To' must be above 'From'.")
        return
    values = np.linspace(lo, hi, int(n))
    prep = prepare(s, state.table, None, [dest], as_of=state.as_of, ctx=state.ctx)
    codes = outcome_index(prep, {name: values})[:, :, prep.inverse[0]]  # (V, N)
    flips = flip_points(prep, name, float(values[0]), float(values[-1]), dest)
    chip_names = dict(zip(state.table["chip_id"], state.table["name"]))
    first_flip = flips.groupby("chip_id")["flip_at"].min()
    order_idx = sorted(range(len(prep.chip_ids)), key=lambda i: (first_flip.get(prep.chip_ids[i], np.inf), -codes[0, i],
                                                                  prep.chip_ids[i]))
    changing = set(flips["chip_id"])
    keep = [i for i in order_idx if not only or prep.chip_ids[i] in changing]
    label = country_label(dest)
    counts = pd.DataFrame([{"value": float(v), "outcome": o, "key": outcome_key(o), "rank": k, "chips": int((codes[j] == k).sum())}
                           for j, v in enumerate(values) for k, o in enumerate(OUTCOME_ORDER)])
    st.markdown(f"**{len(changing)}** of {len(prep.chip_ids)} chips change outcome for {label} as "
                f"“{p.words}” moves from {lo:,.6g} to {hi:,.6g} {p.unit} (now {p.value:,.6g}); "
                "the others are decided by another prong or rule.")
    if keep:
        ids = [prep.chip_ids[i] for i in keep]
        runs = sweep_runs(ids, chip_names, values, codes[:, keep])
        f = flips[flips["chip_id"].isin(ids)].copy()
        f["name"] = f["chip_id"].map(chip_names)
        order = [chip_names.get(c, c) for c in ids]
        top, bottom = sweep_chart(runs, counts, f, order, param=name, xtitle=p.plain_label,
                                  preset_value=float(p.value), dest_label=label, selected=view.get("chip"))
        st.altair_chart(without_export(top), key="sweep_counts", width="stretch", height=340)
        st.altair_chart(without_export(bottom), key="sweep_chart", on_select=lambda: chart_pick("sweep_chart"), selection_mode=["pick"],
                        width="stretch")
        st.caption("Hover a bar for the chip and the values it covers; ticks mark flip points; drag or scroll to zoom "
                   "the axis; click a chip to choose it.")
        why = looser_when_stricter(state, s, name, p, f, dest)
        if why.ne("").any():
            first = f[why.ne("")].iloc[0]
            st.warning(f"{int(why.ne('').sum())} flip(s) give a looser outcome on the stricter side — e.g. {first['name']}: "
                       f"{why[why.ne('')].iloc[0]}. A stricter threshold can move a chip into a class whose rules offer "
                       "a licence exception; see 'why looser' in the flip table.")
        with st.expander(f"Flip values: where each chip's outcome changes ({len(f)} flip points)",
                         expanded=bool(why.ne("").any())):
            table = pd.DataFrame({"chip": f["name"], "chip_id": f["chip_id"],
                                  f"flips at ({p.unit})": f["flip_at"].map(lambda x: f"{x:,.6g}"),
                                  "below": f["below"], "at or above": f["above"], "why looser": why.to_numpy()})
            st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.info("No chip changes outcome over this range.")
    figure_downloads(st, state, "sweep", lambda: sweep_figure(prep, name, values, dest), key="dl_sweep",
                     detail=f"{name}-{dest}")

    st.subheader(f"Margins of the chosen chip for {label}")
    chip = chip_picker(st, state, "sw_chip")
    frame = margins(s, chip, dest, as_of=state.as_of, ctx=state.ctx, table=state.table)
    lines = [line for line in margin_sentences(frame) if "no change" not in line]
    st.markdown("\n".join(f"- {abbreviate(line)}" for line in lines) or "No parameter of this scenario changes this outcome.",
                unsafe_allow_html=True)
    with st.expander("Best chip the destination may receive along the sweep (20 points and the current value)"):
        points = np.unique(np.append(values[:: max(1, len(values) // 20)], float(p.value)))
        best = frontier(s, dest, name, points, as_of=state.as_of, ctx=state.ctx, table=state.table)
        shown = pd.DataFrame({
            p.plain_label: [f"{v:,.6g}" + ("  ← current value" if v == float(p.value) else "") for v in best[name]],
            "best chip": best["best_chip"].map(lambda c: f"{chip_names.get(c, c)} ({c})" if isinstance(c, str) else "none"),
            "its TPP": best["tpp"].map(lambda x: f"{x:,.0f}" if x == x else ""), "outcome": best["outcome"]})
        st.dataframe(shown, hide_index=True, width="stretch",
                     column_config={p.plain_label: st.column_config.TextColumn(help=f"`{name}` ({p.unit}): {p.label}")})
