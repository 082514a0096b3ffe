"""Pieces several screens share: outcome colours, destination groupings, the verdict explanation box."""

from __future__ import annotations

import datetime as dt
import html
from functools import lru_cache

import pandas as pd
import streamlit as st

from sim.api import explain
from sim.data.destinations import countries, groups_as_of
from sim.engine.importer import MEASURE_SEPARATOR
from sim.engine.vectorised import verdicts
from sim.report.plots import OUTCOME_COLORS
from sim.report.provenance import transaction_tag, transaction_text

from . import view
from .words import OUTCOME_MEANING, abbreviate, headline

OUTCOMES = ["allowed", "exception", "license", "denied", "indeterminate"]
KEY_DESTINATIONS = ["CN", "HK", "MO", "RU", "IR", "KP", "VN", "SA", "AE", "IN", "IL", "SG", "MY", "TW", "JP", "KR",
                    "DE", "GB", "FR", "BR", "US"]


OUTCOME_CSS = {o: f"background-color: {c}; color: white" for o, c in OUTCOME_COLORS.items()}
# a trailing ↻ (same outcome, new classification or rule) is set in bold
CELL_CSS = OUTCOME_CSS | {f"{o} ↻": f"{css}; font-weight: bold" for o, css in OUTCOME_CSS.items()}


def _outcome_css(frame: pd.DataFrame) -> pd.DataFrame:
    """Each cell's colour from its outcome word: one lookup over every cell (other cells stay unstyled)."""
    cells = pd.Series(frame.to_numpy(dtype=object).ravel()).map(CELL_CSS).fillna("")
    return pd.DataFrame(cells.to_numpy(dtype=object).reshape(frame.shape), index=frame.index, columns=frame.columns)


def style_outcomes(frame: pd.DataFrame):
    return frame.style.apply(_outcome_css, axis=None)


def destination_groups(day) -> dict[str, list[str]]:
    """Named destination lists for filtering: key destinations, each EAR group, each region."""
    c = countries()
    groups = {"Key destinations": KEY_DESTINATIONS}
    for g, members in sorted(groups_as_of(day or dt.date.today()).items()):
        groups[f"Country group {g}"] = sorted(members)
    for region, sub in c.groupby("region"):
        if region:
            groups[f"Region: {region}"] = sorted(sub.index)
    groups["All countries and territories"] = list(c.index)
    return groups


@lru_cache(maxsize=1)
def _country_labels() -> dict[str, str]:
    """'CN — China' for every code, built once: pickers ask for every country's label on every rerun."""
    return {code: f"{code} — {name}" for code, name in countries()["name"].items()}


def country_label(code: str) -> str:
    return _country_labels().get(code, code)


def summary_line(outcomes: pd.Series, name: str, of: str = "") -> str:
    """'**India (IN)**: of 96 chips, 96 allowed, 0 exception, ...'."""
    counts = outcomes.value_counts()
    return f"**{name}**: " + (f"of {len(outcomes)} {of}, " if of else "") + \
        ", ".join(f"{int(counts.get(o, 0))} {o}" for o in OUTCOMES)


def outcome_legend() -> str:
    return " · ".join(f"<span style='color:{OUTCOME_COLORS[o]}'>■</span> <b>{o}</b>: {OUTCOME_MEANING[o]}" for o in OUTCOMES)


def verdict_row(state, chip_id: str, dest: str):
    """One pair's verdict, read from the destination's cached verdicts of every chip: choosing another chip, or
    another session opening the same view, evaluates nothing."""
    v = dest_verdicts(state, dest)
    return v[v["chip_id"] == chip_id].iloc[0]


def import_summary(measures: str) -> str:
    """The measures in force, each as its words and start date, without the sources the trace lists."""
    live = [m for m in measures.split(MEASURE_SEPARATOR) if m and not m.startswith("superseded:")]
    return "; ".join(m.split(" (from ")[0] + " (from " + m.split(" (from ")[1][:10] + ")" if " (from " in m else m
                     for m in live)


def explanation_box(state, chip_id: str, dest: str) -> None:
    v = verdict_row(state, chip_id, dest)
    color = OUTCOME_COLORS[v["outcome"]]
    names = state.table.loc[state.table["chip_id"] == chip_id, "name"]
    name = names.iloc[0] if len(names) else chip_id
    st.markdown(f"<div style='border-left:6px solid {color};padding-left:8px'>"
                f"<b>{abbreviate(name)} ({chip_id}) → {v['destination_name']} ({dest}): {v['outcome'].upper()}</b>"
                f"<br><span style='font-size:1.1em'>{abbreviate(headline(v, state.scenario))}.</span>"
                f"<br><small>Why: {abbreviate(v['reason'])}</small>"
                f"<br><small>Rule <code>{v['rule']}</code>: {abbreviate(v['citation'])} · evaluated as of {v['as_of']}"
                f" under {state.scenario.id}{' (edited)' if state.scenario.edits else ''}</small>"
                + (f"<br><small><b>For this transaction:</b> {html.escape(transaction_text(state.ctx))}</small>"
                   if transaction_tag(state.ctx) else "")
                + (f"<br><small>Conditions: {abbreviate(v['conditions'])}</small>" if v["conditions"] else "")
                + (f"<br><small>Advisories (never change the outcome): {abbreviate(v['advisories'])}</small>"
                   if v.get("advisories") else "")
                + (f"<br><b>⚠ {html.escape(v['warning'])}</b>" if v.get("warning") else "")
                + (f"<br><small><b>Import side</b> ({dest}'s own measures, not part of the US verdict): "
                   f"<b>{html.escape(v['import'])}</b> — {html.escape(import_summary(v['import_measures']))} "
                   "(sources in the full trace)</small>" if v.get("import_measures") else "")
                + "".join(f"<br><b>⚠ Assumed, not read from the link: {html.escape(n)}.</b>"
                          for n in st.session_state.get(view.UNREAD, [])) + "</div>",
                unsafe_allow_html=True)
    trace_box = st.expander("Full trace with every prong and citation", key="trace_open", on_change="rerun")
    if trace_box.open:  # built only when opened: the card above already says what most readers need
        with trace_box:
            _trace(state, chip_id, dest)
    determination_downloads(state, chip_id, dest)


def _trace(state, chip_id: str, dest: str) -> None:
    """Every prong and citation of one verdict, wrapped, with a download that names its provenance."""
    trace = explain(chip_id, dest, state.scenario, as_of=state.as_of, table=state.table, ctx=state.ctx)
    st.code(trace, language=None, wrap_lines=True)  # long citations wrap: nothing off-screen at 1440 px
    from .exports import download

    prov = state.provenance()  # the file says which rules, date, edits and transaction it traces
    download(st, "Download the trace (.txt)", "dl_trace", prov.file_name("trace", "txt", f"{chip_id}_{dest}"),
             "text/plain", lambda: ("\n".join(prov.lines()) + "\n\n" + trace + "\n").encode("utf-8"))


def determination_downloads(state, chip_id: str, dest: str) -> None:
    """The verdict as a record to file (HTML prints to PDF; Markdown; JSON), built only when clicked."""
    from sim.report.memo import determination, render

    from .exports import download

    prov = state.provenance()
    cols = st.columns([3, 1, 1, 1])
    cols[0].caption("Determination record for the compliance file: ECCNs considered, rules with citations, inputs "
                    "with sources, a reproducible hash.")

    def make(fmt):
        return lambda: render(determination(chip_id, dest, state.scenario, as_of=state.as_of, table=state.table,
                                            ctx=state.ctx), fmt).encode("utf-8")

    for col, (fmt, label, mime) in zip(cols[1:], (("html", "Record (HTML)", "text/html"),
                                                  ("md", "Markdown", "text/markdown"),
                                                  ("json", "JSON", "application/json"))):
        download(col, label, f"memo_{fmt}", prov.file_name("determination", fmt, f"{chip_id}_{dest}"), mime, make(fmt),
                 help="One document that reads like a practitioner's memo; the HTML prints cleanly to PDF")


@st.cache_resource(show_spinner=False, max_entries=64)  # shared, read-only (see ui.state.cached_outcomes)
def _dest_verdicts(_scenario, key: tuple, _table: pd.DataFrame, as_of, ctx, dest: str) -> pd.DataFrame:
    return verdicts(_scenario, _table, destinations=[dest], as_of=as_of, ctx=ctx)


def dest_verdicts(state, dest: str) -> pd.DataFrame:
    """Every chip's verdict (with reasons) for one destination, cached per scenario, edits, date, transaction and
    chip table."""
    return _dest_verdicts(state.scenario, state.key, state.table, state.as_of, state.ctx, dest)


def chart_pick(key: str) -> None:
    """on_select callback of a chart with a point selection named 'pick' over chip_id: choose that chip."""
    event = st.session_state.get(key)
    selection = getattr(event, "selection", None) or (event or {}).get("selection", {}) if event is not None else {}
    picked = selection.get("pick") if hasattr(selection, "get") else None
    if isinstance(picked, dict):
        picked = [picked]
    for item in picked or []:
        if isinstance(item, dict) and item.get("chip_id"):
            view.select("chip", item["chip_id"])
            return
