"""Timeline: the chosen chip's verdict for one destination at every rule change since October 2022, then
every chip's — reclassifications and changes of the deciding rule shown even when the outcome word stays."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sim.api import change_dates
from sim.engine.vectorised import verdicts
from sim.rules.scenario import in_force_on

from . import view
from .common import country_label, style_outcomes
from .matrix import chip_picker, dest_picker
from .words import abbreviate


@st.cache_resource(show_spinner=False, max_entries=16)  # shared, read-only (see ui.state.cached_outcomes)
def history(table_key: str, _table: pd.DataFrame, dest: str, ctx, until) -> pd.DataFrame:
    """Every chip's verdict for `dest` on each change date (long form: date, preset, chip, words)."""
    frames = []
    for day in change_dates(until):
        s = in_force_on(day)
        v = verdicts(s, _table, destinations=[dest], as_of=day, ctx=ctx)
        frames.append(v.assign(date=day.isoformat(), preset=s.id, status=s.status_label))
    return pd.concat(frames, ignore_index=True)


def what_changed(rows: pd.DataFrame) -> list[str]:
    out, prev = [], None
    for _, r in rows.iterrows():
        if prev is None:
            out.append("first rule")
        else:
            parts = [k for k in ("outcome", "classification", "rule") if r[k] != prev[k]]
            out.append(", ".join(parts) if parts else "")
        prev = r
    return out


def render(state) -> None:
    st.header("Timeline of the rules in force")
    if state.scenario.edits:
        st.info("The timeline shows the rules as enacted on each date; your edits in the sidebar "
                f"({', '.join(f'{k}={v:g}' for k, v in state.scenario.edits.items())}) do not apply here.")
    else:
        st.caption("The rules as enacted on each date (the sidebar's rule choice and edits do not apply here).")
    c1, c2 = st.columns(2)
    chip = chip_picker(c1, state, "tl_chip")
    dest = dest_picker(c2, "tl_dest")
    h = history(state.table_key, state.table, dest, state.ctx, view.today())
    mine = h[h["chip_id"] == chip].reset_index(drop=True)
    mine["what changed"] = what_changed(mine)
    names = dict(zip(state.table["chip_id"], state.table["name"]))
    st.subheader(f"{names.get(chip, chip)} → {country_label(dest)}")
    moments = mine[mine["what changed"] != ""]
    # a static table wraps its text, so the reason is read whole at 1440 px without scrolling sideways
    st.table(style_outcomes(moments[["date", "preset", "status", "what changed", "outcome", "classification", "rule",
                                     "reason"]]), hide_index=True)
    st.caption(abbreviate("Rows: the dates on which something changed for this chip and destination — the outcome, the "
                          "classification or the deciding rule — under the enforced preset of that day."),
               unsafe_allow_html=True)

    st.subheader(f"Every chip → {country_label(dest)}")
    everything = view.bound_value(st.toggle, "Show every change date (not only those where something changed here)",
                                  "tl_all_w", "tl_all", False)
    grid = h.pivot(index="chip_id", columns="date", values="outcome")
    cls = h.pivot(index="chip_id", columns="date", values="classification")
    rule = h.pivot(index="chip_id", columns="date", values="rule")
    dates = list(dict.fromkeys(h["date"]))
    grid, cls, rule = grid[dates], cls[dates], rule[dates]
    moved = (cls.ne(cls.shift(axis=1)) | rule.ne(rule.shift(axis=1))) & grid.eq(grid.shift(axis=1))
    moved.iloc[:, 0] = False
    changed = grid.ne(grid.shift(axis=1)) | moved
    changed.iloc[:, 0] = True
    keep = (dates if everything else [d for d in dates if changed[d].any()])[::-1]  # newest (today's) first
    presets = dict(zip(h["date"], h["preset"]))
    shown = grid[keep].where(~moved[keep], grid[keep] + " ↻")
    shown.columns = [f"{d} {presets[d]}" for d in keep]
    shown.index = [f"{names.get(c, c)} ({c})" for c in shown.index]
    st.caption("Columns, newest first: each date on which the rules, a dated rule part or a country group changed, and "
               "the enforced preset that day. ↻ = the same outcome as on the earlier date to its right, but a new "
               "classification or deciding rule.")
    st.dataframe(style_outcomes(shown), height=min(38 + 35 * len(shown), 640))
