"""Pieces several screens share: outcome colours, destination groupings, the verdict explanation box."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.api import explain
from sim.destinations import countries, groups_as_of
from sim.engine import verdicts
from sim.output import neutralise_formulas
from sim.plots import OUTCOME_COLORS

OUTCOMES = ["allowed", "exception", "license", "denied", "indeterminate"]
KEY_DESTINATIONS = ["CN", "HK", "MO", "RU", "IR", "KP", "VN", "SA", "AE", "IN", "IL", "SG", "MY", "TW", "JP", "KR",
                    "DE", "GB", "FR", "BR", "US"]


def style_outcomes(frame: pd.DataFrame):
    def color(v):
        c = OUTCOME_COLORS.get(v)
        return f"background-color: {c}; color: white" if c else ""
    return frame.style.map(color)


def destination_groups(day) -> dict[str, list[str]]:
    """Named destination lists for filtering: key destinations, each EAR group, each region."""
    import datetime as dt

    c = countries()
    groups = {"Key destinations": KEY_DESTINATIONS}
    for g, members in sorted(groups_as_of(day or dt.date.today()).items()):
        groups[f"Country group {g}"] = sorted(members)
    for region, sub in c.groupby("region"):
        if region:
            groups[f"Region: {region}"] = sorted(sub.index)
    groups["All countries and territories"] = list(c.index)
    return groups


def summary_line(outcomes: pd.Series, name: str) -> str:
    counts = outcomes.value_counts()
    return f"**{name}**: " + ", ".join(f"{int(counts.get(o, 0))} {o}" for o in OUTCOMES)


def verdict_csv(state, chip_ids, dests) -> bytes:
    table = state.table[state.table["chip_id"].isin(chip_ids)]
    v = verdicts(state.scenario, table, destinations=dests, as_of=state.as_of, ctx=state.ctx)
    return neutralise_formulas(v).to_csv(index=False).encode("utf-8")


def explanation_box(state, chip_id: str, dest: str) -> None:
    table = state.table[state.table["chip_id"] == chip_id]
    v = verdicts(state.scenario, table, destinations=[dest], as_of=state.as_of, ctx=state.ctx).iloc[0]
    color = OUTCOME_COLORS[v["outcome"]]
    st.markdown(f"<div style='border-left:6px solid {color};padding-left:8px'><b>{chip_id} → {v['destination_name']}"
                f" ({dest}): {v['outcome'].upper()}</b> · {v['classification']}"
                + (f" · {v['review_policy']}" if v["review_policy"] else "")
                + (f" · License Exception {v['exception']}" if v["exception"] else "")
                + f"<br>{v['reason']}<br><small>Rule <code>{v['rule']}</code>: {v['citation']}</small>"
                + (f"<br><small>Conditions: {v['conditions']}</small>" if v["conditions"] else "") + "</div>",
                unsafe_allow_html=True)
    with st.expander("Full trace with every prong and citation"):
        st.code(explain(chip_id, dest, state.scenario, as_of=state.as_of, table=state.table, ctx=state.ctx), language=None)
