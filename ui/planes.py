"""The threshold planes: every chip against the control regions of the scenario's rules (edits move them).

Interactive: hover a chip for its figures and verdict, drag or scroll to pan and zoom (double-click
resets), click a chip to choose it on every screen. PNG/SVG downloads are the publication figures.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.report.plots import tpp_dram_figure, tpp_pd_figure

from . import view
from .charts import (
    AXIS_TITLE,
    chip_points,
    linear_top,
    log_domain,
    mark_undecided,
    metric_reads,
    plane_chart,
    regions,
    without_export,
)
from .common import chart_pick, country_label, dest_verdicts, explanation_box
from .exports import figure_downloads
from .matrix import chip_picker, dest_picker
from .words import abbreviate


def _not_plotted(missing, metrics, y: str) -> None:
    """'N chips not plotted: die area unknown' and the list, so no chip vanishes without a word."""
    if not len(missing):
        return
    m = metrics.set_index("chip_id").loc[missing["chip_id"]]
    why = pd.Series("", index=m.index)
    why[m["tpp"].isna()] = "TPP unknown"
    if y == "pd":
        why[(why == "") & m["applicable_die_area_mm2"].isna()] = "die area unknown"
    why[why == ""] = f"{AXIS_TITLE[y].split(' (')[0]} unknown"
    counts = why.value_counts()
    with st.expander(f"{len(missing)} chips not plotted: " + ", ".join(f"{n} {w}" for w, n in counts.items())):
        st.dataframe(pd.DataFrame({"chip": m["name"], "chip_id": m.index, "why": why.to_numpy()}), hide_index=True)


def render(state) -> None:
    st.header("Threshold planes")
    c1, c2, c3 = st.columns([2, 2, 1])
    dest = dest_picker(c1, "plane_dest", label="Colour chips by their outcome for")
    chip = chip_picker(c2, state, "plane_chip")
    zoom = view.bound_value(c3.toggle, "Zoom to 3A090", "plane_zoom", "zoom", False)
    metrics = state.metrics_table()
    v = dest_verdicts(state, dest)
    outcome = v.set_index("chip_id")["outcome"]
    label = country_label(dest)
    st.caption("Hover a chip for its figures and verdict; drag to pan, scroll to zoom, double-click to reset; "
               "click a chip to choose it on every screen.")

    points, missing = chip_points(metrics, v, "tpp", "pd")
    regs, notes = regions(state.scenario, state.as_of, "tpp", "pd")
    regs = mark_undecided(regs, points, "tpp", "pd")
    x_dom = (1000, 8000) if zoom else log_domain(points["tpp"], 300, 1e5)
    y_dom = (0, 12) if zoom else (0, linear_top(points, "pd", 40.0))
    st.subheader("TPP × performance density")
    st.altair_chart(without_export(plane_chart(points, regs, "tpp", "pd", x_domain=x_dom, y_domain=y_dom, dest_label=label, selected=chip)),
                    key="plane_pd", on_select=lambda: chart_pick("plane_pd"), selection_mode=["pick"], width="stretch")
    if regs.empty:
        st.caption(f"No rule of {state.scenario.id} compares TPP with performance density on {state.as_of}.")
    if notes:
        st.caption(abbreviate("The shaded regions leave out these exclusions, which take a chip out of them: "
                              + "; ".join(notes) + "."), unsafe_allow_html=True)
    _not_plotted(missing, metrics, "pd")
    explanation_box(state, chip, dest)
    figure_downloads(st, state, "tpp-pd", lambda: tpp_pd_figure(state.scenario, metrics, outcome, zoom=zoom), key="dl_pd",
                     detail=dest)

    counts = metric_reads(state.scenario, state.as_of)
    default_y = max(counts, key=lambda k: (counts[k], k == "dram_bw_gbps"))
    y2 = view.bound(st.selectbox, "Second plane: TPP against", list(counts), "plane_y", "plane_y", fallback=default_y,
                    format_func=lambda k: f"{AXIS_TITLE[k]} — read by {counts[k]} comparison(s) of these rules")
    st.subheader(f"TPP × {AXIS_TITLE[y2].split(' (')[0]}")
    points2, missing2 = chip_points(metrics, v, "tpp", y2)
    regs2, _ = regions(state.scenario, state.as_of, "tpp", y2)
    regs2 = mark_undecided(regs2, points2, "tpp", y2)
    st.altair_chart(without_export(plane_chart(points2, regs2, "tpp", y2, x_domain=log_domain(points2["tpp"], 300, 1e5),
                                y_domain=(0, linear_top(points2, y2, 9000.0)),
                                dest_label=label, selected=chip)),
                    key="plane_dram", on_select=lambda: chart_pick("plane_dram"), selection_mode=["pick"], width="stretch")
    if regs2.empty:
        st.caption(f"No rule of {state.scenario.id} compares TPP with {AXIS_TITLE[y2].split(' (')[0]} on {state.as_of}.")
    _not_plotted(missing2, metrics, y2)
    if y2 == "dram_bw_gbps":
        figure_downloads(st, state, "tpp-dram", lambda: tpp_dram_figure(state.scenario, metrics, outcome), key="dl_dram",
                         detail=dest)
