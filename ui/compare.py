"""Compare two scenarios (or a preset and your edit of it) for one country or a group: every pair whose
outcome, classification or deciding rule changes, with both sides' reasons; a chip's Timeline one click away."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from sim.engine.reasons import caught_by_labels
from sim.engine.vectorised import verdicts
from sim.report.provenance import csv_bytes, verdict_table
from sim.rules.scenario import SEVERITY, preset_ids

from . import periods, view
from .common import country_label, destination_groups, style_outcomes
from .exports import download
from .loaders import preset
from .matrix import dest_picker

CURRENT = "current"
ONE = "destination"


@st.cache_resource(show_spinner=False, max_entries=16)  # shared, read-only (see ui.state.cached_outcomes)
def _side(_scenario, key: tuple, _table: pd.DataFrame, dests: tuple, as_of, ctx) -> pd.DataFrame:
    return verdicts(_scenario, _table, destinations=list(dests), as_of=as_of, ctx=ctx)


def side(state, which: str, dests: list[str]):
    """(scenario, date, verdicts) for one side: the sidebar's rules (with edits, on the sidebar's date) or a
    preset on its own date."""
    if which == CURRENT:
        s, day = state.scenario, state.as_of
    else:
        s = preset(which)
        day = s.as_of(None)
    key = (s.id, tuple(sorted(s.edits.items())), str(day), state.ctx, state.table_key, tuple(dests))
    return s, day, _side(s, key, state.table, tuple(dests), day, state.ctx)


def changes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Pairs whose outcome, classification or deciding rule differ, with both sides' words."""
    cols = ["outcome", "classification", "rule", "reason"]
    m = a[["chip_id", "destination"] + cols].merge(b[["chip_id", "destination"] + cols], on=["chip_id", "destination"],
                                                   suffixes=(" (from)", " (to)"))
    outcome = m["outcome (from)"] != m["outcome (to)"]
    cls = m["classification (from)"] != m["classification (to)"]
    rule = m["rule (from)"] != m["rule (to)"]
    m["what changed"] = ["outcome" if o else "classification" if c else "rule only" if r else ""
                         for o, c, r in zip(outcome, cls, rule)]
    m["why looser"] = looser_reasons(m)
    m["caught by (to)"] = m["reason (to)"].map(caught_by_labels)  # a bill's prongs that hold, where it has them
    return m[outcome | cls | rule].reset_index(drop=True)


def looser_reasons(m: pd.DataFrame) -> list[str]:
    """For a pair whose outcome got looser, why: the chip's class moved and another rule governs the new class
    (a stricter threshold can move a chip into a class a licence exception covers)."""
    rank = {**SEVERITY, "indeterminate": -1}
    out = []
    for r in m.itertuples(index=False):
        a, b = rank.get(r[m.columns.get_loc("outcome (from)")], -1), rank.get(r[m.columns.get_loc("outcome (to)")], -1)
        cls_a, cls_b = r[m.columns.get_loc("classification (from)")], r[m.columns.get_loc("classification (to)")]
        if b >= a or b < 0 or a < 0:
            out.append("")
        elif cls_a != cls_b:
            out.append(f"classified {cls_b} instead of {cls_a}: rule {r[m.columns.get_loc('rule (to)')]} governs {cls_b} "
                       f"and gives {r[m.columns.get_loc('outcome (to)')]}")
        else:
            out.append(f"rule {r[m.columns.get_loc('rule (to)')]} decides instead of {r[m.columns.get_loc('rule (from)')]}")
    return out


def _details(pair: pd.Series, title: str, before: tuple, after: tuple) -> None:
    """One pair, both sides in full sentences: the classification, rule and reason the table has no room for."""
    lines = [f"**{title}** — {pair['what changed']} changed"]
    for side_, (sid, day) in (("from", before), ("to", after)):
        lines.append(f"- **{side_} `{sid}`** (as of {day}): **{pair[f'outcome ({side_})']}** · classification "
                     f"{pair[f'classification ({side_})']} · rule `{pair[f'rule ({side_})']}` — "
                     f"{pair[f'reason ({side_})']}")
    if pair["why looser"]:
        lines.append(f"- why looser: {pair['why looser']}")
    st.markdown("\n".join(lines))


def _open_timeline(chip: str, dest: str) -> None:
    view.select("chip", chip)
    view.select("dest", dest)
    st.session_state["screen"] = "Timeline"


def _label(which: str) -> str:
    if which == CURRENT:
        return "The rules chosen in the sidebar (with your edits and date)"
    return periods.option_label(which)


def render(state) -> None:
    st.header("Compare scenarios")
    c1, c2 = st.columns(2)
    left = view.bound(c1.selectbox, "From", preset_ids(), "cmp_from", "cmp_from", fallback="us-2022-10", format_func=_label)
    right = view.bound(c2.selectbox, "To", [CURRENT] + preset_ids(), "cmp_to", "cmp_to", format_func=_label)
    groups = destination_groups(state.as_of)
    c1, c2 = st.columns(2)
    scope = view.bound(c1.selectbox, "Destinations", [ONE] + list(groups), "cmp_dests", "cmp_dests",
                       format_func=lambda g: "One country (choose it on the right)" if g == ONE else g)
    if scope == ONE:
        dests = [dest_picker(c2, "cmp_dest")]
    else:
        dests = groups[scope]
        c2.caption(f"{len(dests)} destinations: {', '.join(dests[:12])}{' …' if len(dests) > 12 else ''}")
    a_s, a_day, a = side(state, left, dests)
    b_s, b_day, b = side(state, right, dests)
    changed = changes(a, b)
    names = dict(zip(state.table["chip_id"], state.table["name"]))
    where = country_label(dests[0]) if len(dests) == 1 else scope
    n_out = int((changed["what changed"] == "outcome").sum())
    n_cls = len(changed) - n_out
    st.markdown(f"**{n_out}** of {len(a)} chip–destination pairs change outcome, and **{n_cls}** more keep their outcome "
                f"but change classification or deciding rule — {where}, from `{a_s.id}` (as of {a_day}) to `{b_s.id}`"
                + (" (edited)" if b_s.edits else "") + f" (as of {b_day}).")
    if changed.empty:
        return
    counts = (changed.groupby(["outcome (from)", "outcome (to)", "what changed"]).size().rename("pairs").reset_index()
              .sort_values("pairs", ascending=False))
    st.dataframe(style_outcomes(counts), hide_index=True)

    looser = changed[changed["why looser"] != ""]
    if len(looser) and b_s.edits:
        first = looser.iloc[0]
        st.warning(f"{len(looser)} pair(s) get a looser outcome under the edited rules — e.g. "
                   f"{names.get(first['chip_id'], first['chip_id'])} → {first['destination']}: "
                   f"{first['outcome (from)']} → {first['outcome (to)']}, {first['why looser']}. "
                   "A stricter threshold can move a chip into a class whose rules offer a licence exception; "
                   "see the column 'why looser'.")
    shown = changed.copy()
    shown.insert(0, "chip", shown["chip_id"].map(names))
    order = ["chip", "chip_id", "destination", "what changed", "outcome (from)", "outcome (to)", "why looser",
             "caught by (to)", "classification (from)", "classification (to)", "rule (from)", "rule (to)",
             "reason (from)", "reason (to)"]
    # what fits at 1440 px without scrolling sideways; classifications and reasons are in the selected pair's details
    visible = ["chip", "destination", "what changed", "outcome (from)", "outcome (to)"] + \
        [c for c in ("why looser", "caught by (to)") if shown[c].ne("").any()] + ["rule (from)", "rule (to)"]
    st.subheader("Every changed pair")
    st.caption("Select a row for that pair's classifications and reasons, and to open its Timeline.")
    event = st.dataframe(style_outcomes(shown[order]), hide_index=True, key="cmp_table", on_select="rerun",
                         selection_mode="single-row", height=min(38 + 35 * len(shown), 380), column_order=visible,
                         column_config={"chip": st.column_config.TextColumn(help="The chip's name; its id is in the "
                                                                                 "details below and in the CSV")})
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    chosen = shown["chip_id"].eq(view.get("chip")).to_numpy()  # without a selection: the sidebar's chip, else the first
    at = rows[0] if rows and rows[0] < len(shown) else int(chosen.argmax()) if chosen.any() else 0
    pick = shown.iloc[at]
    chip, dest = pick["chip_id"], pick["destination"]
    _details(pick, f"{names.get(chip, chip)} ({chip}) → {country_label(dest)}", (a_s.id, a_day),
             (b_s.id + (" (edited)" if b_s.edits else ""), b_day))
    st.button(f"Open the Timeline of {names.get(chip, chip)} → {country_label(dest)}", key="cmp_timeline",
              on_click=_open_timeline, args=(chip, dest), type="primary")
    prov = state.provenance()
    if right != CURRENT:  # the file is named after the side it compares to
        prov = replace(prov, scenario=b_s.id, title=b_s.title, as_of=b_day, edits=(), phase="")
    download(st, "Download the changed pairs (CSV)", "dl_compare",
             prov.file_name("compare", "csv", f"from-{a_s.id}-{'one' if len(dests) == 1 else 'group'}"), "text/csv",
             lambda: csv_bytes(verdict_table(shown.drop(columns=["chip"]), state.metrics_table()).assign(
                 compared_from=f"{a_s.id} as of {a_day}", compared_to=f"{b_s.id}{' (edited)' if b_s.edits else ''} as of {b_day}"),
                 prov))
