"""Downloads that carry their provenance (sim.report.provenance): built only when clicked, named after the view.

Tests and scripts set session_state["_capture_downloads"] = True to receive every download's
(file name, bytes) in session_state["_downloads"] at once, since a real download needs a browser.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from sim.engine.vectorised import verdicts
from sim.report.provenance import csv_bytes, figure_bytes, verdict_table


def download(where, label: str, key: str, file_name: str, mime: str, make: Callable[[], bytes], help: str | None = None):
    if st.session_state.get("_capture_downloads"):
        st.session_state.setdefault("_downloads", {})[key] = (file_name, make())
    where.download_button(label, make, file_name=file_name, mime=mime, key=key, help=help)


def verdict_rows(state, chip_ids, dests):
    table = state.table[state.table["chip_id"].isin(list(chip_ids))]
    v = verdicts(state.scenario, table, destinations=list(dests), as_of=state.as_of, ctx=state.ctx)
    return verdict_table(v, state.metrics_table())


def verdict_csv(where, state, chip_ids, dests, *, key: str, label: str = "Download these verdicts (CSV)", detail: str = ""):
    prov = state.provenance()
    download(where, label, key, prov.file_name("verdicts", "csv", detail), "text/csv",
             lambda: csv_bytes(verdict_rows(state, chip_ids, dests), prov),
             help="UTF-8 CSV: one row per chip and destination with the chip's name, TPP and PD, the verdict, "
                  "and the scenario, edits, date, chip table and chipsim version on every row.")


def figure_downloads(where, state, kind: str, make_fig: Callable, *, key: str, detail: str = "") -> None:
    """PNG and SVG buttons for a publication figure (matplotlib), provenance printed under it."""
    prov = state.provenance()
    c1, c2 = where.columns(2)
    download(c1, "PNG", f"{key}_png", prov.file_name(kind, "png", detail), "image/png",
             lambda: figure_bytes(make_fig(), prov, "png"), help="Publication figure with its provenance printed under it")
    download(c2, "SVG", f"{key}_svg", prov.file_name(kind, "svg", detail), "image/svg+xml",
             lambda: figure_bytes(make_fig(), prov, "svg"))
