"""Compute flows: how much compute the rules let through, as enacted and under the scenario being edited.

The answer first (one sentence with its band), then H100e per quarter by outcome for both, the per-chip
breakdown, and the assumptions (volume source and vintage, draws, correlation, straddling rule).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from sim.analysis.flows import PASSED, FlowOptions, passed_by, run_flows, shipment_parts, summarise
from sim.data.volumes import load_prices, load_volumes
from sim.report.flows_text import difference_sentence, method_lines
from sim.report.plots import OUTCOME_COLORS
from sim.report.provenance import csv_bytes

from . import view
from .exports import download
from .words import abbreviate

DRAWS = 2000
ENACTED = "as enacted"


@st.cache_data(show_spinner=False)
def bundled_volumes() -> pd.DataFrame:
    return load_volumes()


@st.cache_data(show_spinner=False)
def bundled_prices() -> pd.DataFrame:
    return load_prices()


@st.cache_data(show_spinner=False, max_entries=8)
def enacted_parts(volumes: pd.DataFrame, table: pd.DataFrame, ctx) -> pd.DataFrame:
    """The as-enacted verdict of every shipment part: it does not depend on the sidebar's edits, so it is cached."""
    return shipment_parts(volumes, None, table=table, options=FlowOptions(draws=DRAWS), ctx=ctx)


def _quarters(run, label: str) -> pd.DataFrame:
    out = summarise(run, "period")
    out = out[out["outcome"] != "expected shipped"]
    return out.assign(rules=label, quarter=quarter_labels(out["period_start"]))


def quarter_labels(starts: pd.Series) -> pd.Series:
    """'2023 Q4' for a period starting in that quarter (bars and bands share these ordinal positions)."""
    d = pd.to_datetime(starts)
    return d.dt.year.astype(str) + " Q" + d.dt.quarter.astype(str)


def _panel(enacted, other, other_label: str) -> alt.HConcatChart:
    """Two panels on one y scale: as enacted, and under the scenario being edited."""
    pieces = [_one(_quarters(run, label), passed_by(run, ["period_start"]), label)
              for run, label in ((enacted, ENACTED), (other, other_label))]
    y = alt.Y("h100e_p50:Q", stack=True, title="H100-equivalents per quarter", axis=alt.Axis(format=",.0f"),
              scale=alt.Scale(domain=[0, max(top for *_, top in pieces)]))
    return alt.hconcat(*[alt.layer(bars.encode(y=y), whisker).properties(height=260, width=430)
                         for bars, whisker, _ in pieces]).resolve_scale(color="shared")


def _one(rows: pd.DataFrame, band: pd.DataFrame, label: str):
    """Stacked medians by outcome and the passed band for one rule set, and the top its y axis needs."""
    band = band.assign(quarter=quarter_labels(band["period_start"]))
    outcomes = [o for o in OUTCOME_COLORS if o in set(rows["outcome"])]
    color = alt.Color("outcome:N", scale=alt.Scale(domain=list(OUTCOME_COLORS), range=list(OUTCOME_COLORS.values())),
                      legend=alt.Legend(title="Outcome", orient="top", values=outcomes))
    x = alt.X("quarter:O", title="Quarter shipped", sort="ascending", axis=alt.Axis(labelAngle=-45))
    tip = [alt.Tooltip("period_start:N", title="quarter from"), alt.Tooltip("outcome:N"),
           alt.Tooltip("h100e_p50:Q", title="H100e median", format=",.0f"),
           alt.Tooltip("h100e_p5:Q", title="H100e 5th pct", format=",.0f"),
           alt.Tooltip("h100e_p95:Q", title="H100e 95th pct", format=",.0f"),
           alt.Tooltip("units_p50:Q", title="units median", format=",.0f"),
           alt.Tooltip("straddles:N", title="a rule changed inside")]
    bars = alt.Chart(rows, title=label).mark_bar().encode(x=x, color=color, order=alt.Order("outcome:N"), tooltip=tip)
    whisker = alt.Chart(band).mark_rule(color="black", strokeWidth=1.5).encode(
        x=x, y="h100e_p5:Q", y2="h100e_p95:Q",
        tooltip=[alt.Tooltip("period_start:N", title="quarter from"),
                 alt.Tooltip("h100e_p5:Q", title="passed, 5th pct", format=",.0f"),
                 alt.Tooltip("h100e_p50:Q", title="passed, median", format=",.0f"),
                 alt.Tooltip("h100e_p95:Q", title="passed, 95th pct", format=",.0f")])
    stacked = rows.groupby("period_start")["h100e_p50"].sum().max() if len(rows) else 0.0
    top = float(max(band["h100e_p95"].max() if len(band) else 0.0, stacked))
    return bars, whisker, top * 1.05


def chip_breakdown(enacted, other, other_label: str, names: dict) -> pd.DataFrame:
    """Per chip: H100e that passed without a licence, as enacted and under the scenario (median, 5th–95th)."""
    a = passed_by(enacted, ["chip_id"]).set_index("chip_id")
    b = passed_by(other, ["chip_id"]).set_index("chip_id")
    total_a = summarise(enacted, "chip").groupby("chip_id")["h100e_p50"].sum()
    out = pd.DataFrame({"chip": [names.get(c, c) for c in a.index]}, index=a.index)
    fmt = lambda r: f"{r['h100e_p50']:,.0f} ({r['h100e_p5']:,.0f}–{r['h100e_p95']:,.0f})"  # noqa: E731
    out["bought (H100e, all outcomes, sum of medians)"] = total_a.reindex(a.index).map("{:,.0f}".format)
    out[f"passed {ENACTED}"] = a.apply(fmt, axis=1)
    out[f"passed under {other_label}"] = b.reindex(a.index).apply(fmt, axis=1)
    out["change (median)"] = (b["h100e_p50"].reindex(a.index) - a["h100e_p50"]).map("{:+,.0f}".format)
    return out.reset_index(drop=True)


def render(state) -> None:
    st.header("Compute flows: how much compute the rules let through")
    volumes = bundled_volumes()
    owners = list(dict.fromkeys(["China"] + sorted(volumes["owner"].unique())))
    c1, c2 = st.columns([1, 3])
    owner = view.bound(c1.selectbox, "Owner (buyer)", owners, "fl_owner_w", "fl_owner", fallback="China")
    mine = volumes[volumes["owner"] == owner].reset_index(drop=True)
    options = FlowOptions(draws=DRAWS)
    prices = bundled_prices()
    parts = enacted_parts(mine, state.table, state.ctx)
    enacted = run_flows(mine, None, options=options, table=state.table, prices=prices, ctx=state.ctx, parts=parts)
    other = run_flows(mine, state.scenario, options=options, table=state.table, prices=prices, ctx=state.ctx)
    names = dict(zip(state.table["chip_id"], state.table["name"]))
    st.markdown(f"**{difference_sentence(enacted, other, owner, names)}**")
    c2.caption(abbreviate(
        f"Each shipment of {owner} evaluated **as enacted** (the rules in force on its days; a quarter holding a rule "
        f"change split by days) and under **{other.label}** applied to every shipment, on the scenario's own date. "
        f"Volumes: {enacted.volume_source}."), unsafe_allow_html=True)
    st.altair_chart(_panel(enacted, other, other.label), width="stretch")
    st.caption(f"Bars: median H100e per quarter by outcome. Black line: the 5th–95th percentile of what passed "
               f"without a licence ({' or '.join(PASSED)}), from {DRAWS:,} draws of the volume bands. "
               "H100e = TPP ÷ TPP of the H100 SXM.")
    st.subheader("By chip")
    st.dataframe(chip_breakdown(enacted, other, other.label, names), hide_index=True, width="stretch")
    prov = state.provenance()
    table = pd.concat([summarise(enacted, "shipment"), summarise(other, "shipment")], ignore_index=True)
    download(st, "Download the flows (CSV)", "fl_csv", prov.file_name("flows", "csv", owner.lower()), "text/csv",
             lambda: csv_bytes(table, prov),
             help="One row per shipment quarter, outcome and rule set (as enacted, and under the scenario), with "
                  "units, H100e and revenue bands, the volume source and vintage, and the scenario's provenance.")
    with st.expander("How these numbers are made"):
        for line in method_lines():
            st.markdown("- " + line)
        for note in enacted.notes + other.notes:
            st.markdown(f"- Note: {note}")
