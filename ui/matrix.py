"""Matrix: the verdict for the chosen chip and destination first, then chips x destinations coloured by
outcome; select a cell to choose that pair everywhere."""

from __future__ import annotations

import streamlit as st

from sim.data.destinations import countries
from sim.rules.glossary import lookup

from . import view
from .common import (
    country_label,
    dest_verdicts,
    destination_groups,
    explanation_box,
    outcome_legend,
    style_outcomes,
    summary_line,
)
from .exports import verdict_csv


def _cell_chosen(order: list[str], dests: list[str]) -> None:
    cells = getattr(getattr(st.session_state.get("matrix"), "selection", None), "cells", None) or []
    if cells:
        row, col = cells[0][0], cells[0][1]
        if isinstance(row, int) and row < len(order) and col in dests:
            view.select("chip", order[row])
            view.select("dest", col)


def chip_picker(where, state, key: str, ids=None, label: str = "Chip"):
    """The shared chip choice (every screen shows the same chip), listed by name."""
    names = dict(zip(state.table["chip_id"], state.table["name"]))
    ids = list(ids if ids is not None else state.table.sort_values(["vendor", "name"])["chip_id"])
    return view.bound(where.selectbox, label, ids, key, "chip", fallback=view.DEFAULT_CHIP,
                      format_func=lambda c: f"{names[c]} ({c})" if c in names else c)


def dest_picker(where, key: str, codes=None, label: str = "Destination"):
    codes = list(codes if codes is not None else countries().index)
    return view.bound(where.selectbox, label, codes, key, "dest", fallback="CN", format_func=country_label)


def render(state) -> None:
    st.header("Which chips may go where?")
    metrics = state.metrics_table().set_index("chip_id")
    c1, c2 = st.columns(2)
    chip = chip_picker(c1, state, "m_chip")
    dest = dest_picker(c2, "m_dest")
    explanation_box(state, chip, dest)

    all_outcomes = state.outcomes()
    names = countries()["name"]
    st.markdown(summary_line(all_outcomes[dest], f"{names[dest]} ({dest})", "chips")
                + f" — under {state.scenario.id}"
                + (" (edited)" if state.scenario.edits else "") + f", as of {state.as_of}")
    c1, c2, c3 = st.columns([2, 2, 3])
    vendors = view.bound_multi(c1.multiselect, "Vendor", sorted(metrics["vendor"].unique()), "m_vendor", "vendors")
    segments = view.bound_multi(c2.multiselect, "Segment", ["datacenter", "workstation", "consumer"], "m_segment", "segments")
    groups = destination_groups(state.as_of)
    group = view.bound(c3.selectbox, "Destinations in the table", list(groups), "m_group", "m_group")
    keep = metrics.index.to_series()
    if vendors:
        keep = keep[metrics["vendor"].isin(vendors)]
    if segments:
        keep = keep[metrics.loc[keep.index, "segment"].isin(segments)]
    order = list(metrics.loc[keep.index].sort_values("tpp", ascending=False, na_position="last").index)
    dests = [d for d in groups[group] if d in countries().index]
    outcomes = all_outcomes.loc[order, dests]
    if outcomes.empty:
        st.info("No chip matches these filters.")
        return
    shown = outcomes.copy()
    shown.insert(0, "TPP", metrics.loc[order, "tpp"].round(0))
    word = dest_verdicts(state, dest).set_index("chip_id")["import"].reindex(order)
    if (word != "open").any():  # the destination's own measures, beside the US outcomes, never mixed into them
        shown.insert(1, f"import into {dest}", word.to_numpy())
    st.markdown(outcome_legend() + " — select a cell to explain that pair.", unsafe_allow_html=True)
    tpp = lookup("TPP")
    helps = {d: f"{names[d]} ({d})" for d in dests} | {
        "TPP": f"{tpp.short()}: {tpp.meaning}",
        f"import into {dest}": f"{names[dest]}'s own import measures for this chip (never merged into the US outcome)"}
    st.dataframe(style_outcomes(shown).format({"TPP": "{:,.0f}"}, na_rep="unknown"), key="matrix",
                 on_select=lambda: _cell_chosen(order, dests), selection_mode="single-cell",
                 height=min(38 + 35 * len(order), 640),
                 column_config={c: st.column_config.Column(help=h) for c, h in helps.items() if c in shown.columns})
    verdict_csv(st, state, order, dests, key="dl_matrix", detail=group)
