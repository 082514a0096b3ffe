"""Compute flows: how much compute the rules let through, as enacted and under the scenario being edited.

The answer first (one sentence with its band), then H100e per quarter by outcome for both, the per-chip
breakdown, and the assumptions (volume source and vintage, draws, correlation, straddling rule).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from sim.analysis.flows import PASSED, FlowOptions, passed_by, run_flows, shipment_parts, summarise
from sim.data.volumes import load_volumes
from sim.report.flows_text import difference_sentence, method_lines
from sim.report.plots import OUTCOME_COLORS
from sim.report.provenance import csv_bytes

from . import view
from .charts import without_export
from .exports import download
from .words import abbreviate

DRAWS = 2000
ENACTED = "as enacted"


@st.cache_data(show_spinner=False)
def bundled_volumes() -> pd.DataFrame:
    return load_volumes()


@st.cache_data(show_spinner=False, max_entries=8)
def enacted_parts(volumes: pd.DataFrame, table_key: str, _table: pd.DataFrame, ctx) -> pd.DataFrame:
    """The as-enacted verdict of every shipment part: it does not depend on the sidebar's edits, so it is cached."""
    return shipment_parts(volumes, None, table=_table, options=FlowOptions(draws=DRAWS), ctx=ctx)


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


VIEWS = ["History", "Forward", "Balance"]


def render(state) -> None:
    st.header("Compute flows: how much compute the rules let through")
    c1, c2 = st.columns([1, 3])
    mode = view.bound(c1.segmented_control, "View", VIEWS, "fl_view_w", "fl_view", fallback="History")
    {"History": history, "Forward": forward, "Balance": compute_balance}.get(mode or "History", history)(state, c2)


def history(state, where) -> None:
    volumes = bundled_volumes()
    owners = list(dict.fromkeys(["China"] + sorted(volumes["owner"].unique())))
    owner = view.bound(where.selectbox, "Owner (buyer)", owners, "fl_owner_w", "fl_owner", fallback="China")
    mine = volumes[volumes["owner"] == owner].reset_index(drop=True)
    options = FlowOptions(draws=DRAWS)
    parts = enacted_parts(mine, state.table_key, state.table, state.ctx)
    enacted = run_flows(volumes, None, owner=owner, options=options, table=state.table, ctx=state.ctx,
                        parts=parts)
    other = run_flows(volumes, state.scenario, owner=owner, options=options, table=state.table,
                      ctx=state.ctx)
    names = dict(zip(state.table["chip_id"], state.table["name"]))
    st.markdown(f"**{difference_sentence(enacted, other, owner, names)}**")
    st.caption(abbreviate(
        f"Each shipment of {owner} evaluated **as enacted** (the rules in force on its days; a quarter holding a rule "
        f"change split by days) and under **{other.label}** applied to every shipment, on the scenario's own date. "
        f"Volumes: {enacted.volume_source}."), unsafe_allow_html=True)
    st.altair_chart(without_export(_panel(enacted, other, other.label)), width="stretch")
    st.caption(f"Bars: median H100e per quarter by outcome. Black line: the 5th–95th percentile of what passed "
               f"without a licence ({' or '.join(PASSED)}), from {DRAWS:,} draws of the volume bands. "
               "H100e = TPP ÷ TPP of the H100 SXM.")
    st.subheader("By chip")
    st.dataframe(chip_breakdown(enacted, other, other.label, names), hide_index=True, width="stretch")
    table = pd.concat([summarise(enacted, "shipment"), summarise(other, "shipment")], ignore_index=True)
    _download(state, table, f"flows_{owner.lower()}")
    _method(enacted.notes + other.notes)


def _download(state, table: pd.DataFrame, detail: str) -> None:
    prov = state.provenance()
    download(st, "Download these numbers (CSV)", f"fl_csv_{detail}", prov.file_name("flows", "csv", detail), "text/csv",
             lambda: csv_bytes(table, prov),
             help="Bands (5th, 50th, 95th percentile) with the rules they were evaluated under, the volume source and "
                  "vintage, and the scenario's provenance on every row.")


def _method(notes: list[str]) -> None:
    with st.expander("How these numbers are made"):
        for line in method_lines():
            st.markdown("- " + line)
        for note in notes:
            st.markdown(f"- Note: {note}")


@st.cache_data(show_spinner=False)
def us_reference(chip_id: str, year: int) -> tuple[float, float, float] | None:
    """The US owners' purchases of a chip in a year (p5, p50, p95 of summed draws), as a stand-in for later years."""
    volumes = bundled_volumes()
    rows = (volumes["destination"] == "US") & (volumes["chip_id"] == chip_id) & (volumes["period_start"].dt.year == year)
    if not rows.any():
        return None
    run = run_flows(volumes[rows].reset_index(drop=True), None, options=FlowOptions(draws=DRAWS))
    q = np.percentile(run.units.sum(axis=0), [5, 50, 95])
    return float(q[0]), float(q[1]), float(q[2])


def forward(state, where) -> None:
    """Future volumes stated by the user, evaluated under the scenario being edited, its caps applied."""
    where.caption("State future shipments as a range (low and high read as the 5th and 95th percentiles, the median "
                  "midway); the scenario's rules and volume caps apply.")
    ids = list(state.table["chip_id"])
    c1, c2, c3 = st.columns([2, 1, 1])
    chip = view.bound(c1.selectbox, "Chip", ids, "fw_chip_w", "fw_chip", fallback="nvidia-h200-sxm")
    start = c2.date_input("From", value=pd.Timestamp("2026-01-15").date(), key="fw_start")
    end = c3.date_input("To", value=pd.Timestamp("2026-12-31").date(), key="fw_end")
    ref = us_reference("nvidia-h100-sxm" if chip.startswith("nvidia-h200") else chip, 2025)
    c1, c2, c3, c4 = st.columns(4)
    lo = c1.number_input("China, low (units)", min_value=0, value=0, step=10_000, key="fw_lo",
                         help="No H200 shipment was reported as of 2026-06-01 (NVIDIA 10-Q, as reported)")
    hi = c2.number_input("China, high (units)", min_value=0, value=750_000, step=10_000, key="fw_hi",
                         help="About 10 Chinese buyers were reported cleared by 2026-05 for up to 75,000 H200 each")
    us_lo = c3.number_input("US end users, low (units)", min_value=0, value=int(ref[0]) if ref else 0, step=10_000,
                            key="fw_us_lo")
    us_hi = c4.number_input("US end users, high (units)", min_value=0, value=int(ref[2]) if ref else 0, step=10_000,
                            key="fw_us_hi")
    if hi < lo or us_hi < us_lo or end < start:
        st.error("Each 'high' must be at least its 'low', and 'To' on or after 'From'.")
        return
    rows = pd.DataFrame({
        "source": "stated in the app", "vintage": pd.Timestamp.today().normalize(), "owner": ["China", "US end users"],
        "destination": ["CN", "US"], "hq": ["CN", "US"], "chip_id": chip,
        "period_start": pd.Timestamp(start), "period_end": pd.Timestamp(end),
        "units_p5": [lo, us_lo], "units_p50": [(lo + hi) / 2, (us_lo + us_hi) / 2], "units_p95": [hi, us_hi]})
    run = run_flows(rows, state.scenario, owner="China", options=FlowOptions(draws=DRAWS), table=state.table,
                    ctx=state.ctx)
    out = summarise(run, "chip")
    st.markdown(f"**{forward_sentence(out, run.label, chip)}**")
    shown = pd.DataFrame({"outcome": out["outcome"], "rule": out["rules"],
                          "units": out.apply(band_text, axis=1, name="units"),
                          "H100e": out.apply(band_text, axis=1, name="h100e")})
    if "cap_binds" in out:
        shown["volume cap binds (share of draws)"] = out["cap_binds"].map(lambda v: "—" if v != v else f"{v:.0%}")
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption("Median (5th–95th percentile) of each line. Units above the cap are counted as denied under the "
               "cap's id; a single verdict lists the cap among its conditions.")
    if ref:
        st.caption(f"US end users default to the US hyperscalers' 2025 purchases of the {'H100/H200 family' if chip.startswith('nvidia-h200') else chip} "
                   f"in the bundled Epoch AI data ({ref[0]:,.0f}–{ref[2]:,.0f} units, 5th–95th percentile) as a stand-in: "
                   "no 2026 US figure is bundled.")
    _download(state, out, f"forward_{chip}")
    _method(run.notes)


def forward_sentence(out: pd.DataFrame, label: str, chip: str) -> str:
    total = out.groupby("outcome")["units_p50"].sum()
    parts = ", ".join(f"{o}: {v:,.0f}" for o, v in total.items())
    binds = out["cap_binds"].max() if "cap_binds" in out else np.nan
    cap = f"; the volume cap binds in {binds:.0%} of draws" if binds == binds else "; no volume cap applies"
    return f"Under {label}, {chip} to China, median units by outcome: {parts}{cap}."


@st.cache_data(show_spinner=False, max_entries=8)
def _balance(_scenario, key, _table: pd.DataFrame, ctx) -> pd.DataFrame:
    """The balance as enacted and under the scenario (`key` identifies scenario + edits for the cache)."""
    from sim.analysis.balance import balance

    kw = dict(options=FlowOptions(draws=DRAWS), table=_table, ctx=ctx)
    return pd.concat([balance(bundled_volumes(), None, **kw), balance(bundled_volumes(), _scenario, **kw)],
                     ignore_index=True)


def band_text(row, name: str, fmt: str = "{:,.0f}") -> str:
    """'median (p5–p95)' for one band of a result row; '—' where there is no figure."""
    mid, lo, hi = (row[f"{name}_p{q}"] for q in (50, 5, 95))
    if mid != mid:
        return "—"
    return f"{fmt.format(mid)} ({fmt.format(lo)}–{fmt.format(hi)})"


def compute_balance(state, where) -> None:
    """China's imports that passed plus its own production, per year, against the US owners' purchases."""
    from sim.analysis.balance import REFERENCE_RATIO

    where.caption(f"Ratio = (China's imports that needed no licence + domestic production) ÷ the US owners' "
                  f"purchases, in H100e, as enacted and under {state.scenario.id}. Dashed line: the "
                  f"{REFERENCE_RATIO:.0%} cap proposed to Commerce on 2025-08-25 (a proposal, not law).")
    out = _balance(state.scenario, state.key, state.table, state.ctx)
    known = out.dropna(subset=["china_to_us_ratio_p50"])
    if len(known):
        year = known["year"].max()
        now = known[known["year"] == year].set_index("basis")
        said = "; ".join(f"{b}: {r['china_to_us_ratio_p50']:.1%} ({r['china_to_us_ratio_p5']:.1%}–"
                         f"{r['china_to_us_ratio_p95']:.1%}), above {REFERENCE_RATIO:.0%} in {r['p_above_reference']:.0%} "
                         "of draws" for b, r in now.iterrows())
        st.markdown(f"**In {year}, China's compute added as a share of the US owners' (median, 5th–95th percentile) — "
                    f"{said}. Domestic production rests on evidence graded {now['grade'].iloc[0]}.**")
    bases = list(dict.fromkeys(out["basis"]))
    color = alt.Color("basis:N", title="Rules", scale=alt.Scale(domain=bases, range=["#2e7d32", "#1e88e5"]),
                      legend=alt.Legend(orient="top"))
    offset = alt.XOffset("basis:N", sort=bases)
    x = alt.X("year:O", title="Year")
    points = alt.Chart(known).mark_point(filled=True, size=80).encode(
        x=x, xOffset=offset, color=color,
        y=alt.Y("china_to_us_ratio_p50:Q", title="China ÷ US (H100e added)", axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("year:O"), alt.Tooltip("basis:N", title="rules"),
                 alt.Tooltip("china_to_us_ratio_p50:Q", title="median", format=".1%"),
                 alt.Tooltip("china_to_us_ratio_p5:Q", title="5th pct", format=".1%"),
                 alt.Tooltip("china_to_us_ratio_p95:Q", title="95th pct", format=".1%"), alt.Tooltip("grade:N")])
    bars = alt.Chart(known).mark_rule(strokeWidth=2).encode(x=x, xOffset=offset, color=color,
                                                             y="china_to_us_ratio_p5:Q", y2="china_to_us_ratio_p95:Q")
    ref = alt.Chart(pd.DataFrame({"r": [REFERENCE_RATIO]})).mark_rule(strokeDash=[5, 4], color="black").encode(y="r:Q")
    st.altair_chart(without_export(alt.layer(bars, points, ref).properties(height=230, width=460)))
    shown = pd.DataFrame({
        "year": out["year"], "rules": out["basis"],
        "imports passed (H100e)": out.apply(band_text, axis=1, name="china_imports_h100e"),
        "own production (H100e)": out.apply(band_text, axis=1, name="china_domestic_h100e"),
        "US owners (H100e)": out.apply(band_text, axis=1, name="us_owners_h100e"),
        "China ÷ US": out.apply(band_text, axis=1, name="china_to_us_ratio", fmt="{:.1%}"),
        f"draws > {REFERENCE_RATIO:.0%}": out["p_above_reference"].map(lambda v: "—" if v != v else f"{v:.0%}"),
        "evidence": out["grade"].replace("", "—")})
    st.dataframe(shown.sort_values(["year", "rules"]), hide_index=True, width="stretch")
    st.caption("Median (5th–95th percentile) from the same draws. Years without a sourced domestic estimate "
               "(before 2024) show imports and the US side only. Domestic production: sourced low–high envelopes per "
               "producer and year (bundled with their sources and evidence grades), drawn uniformly, at an H100e per "
               "unit between the weakest and strongest chip in the producer's mix.")
    _download(state, out, "balance")
    _method([])
