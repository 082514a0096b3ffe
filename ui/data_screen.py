"""Data: the chip table with metrics and sources; add a hypothetical chip or upload a table for this session."""

from __future__ import annotations

import csv
import io

import pandas as pd
import streamlit as st

from sim.data.chips import parse_chips, to_csv_text
from sim.data.schema import COLUMNS, THROUGHPUT_COLUMNS
from sim.errors import ValidationError

from .loaders import bundled_chips


def _add(new: pd.DataFrame, source: str, replace: bool = False) -> list[str]:
    """Join new chips to the session's table. An id already in use is refused — unless `replace` is asked
    and the id is a bundled chip, whose row the user's then replaces (named in every export's provenance)."""
    user = st.session_state.get("user_chips", pd.DataFrame())
    bundled = set(bundled_chips()["chip_id"])
    taken = set(user["chip_id"]) if len(user) else set()
    clash = sorted(set(new["chip_id"]) & (taken | (set() if replace else bundled)))
    if clash:
        hint = "" if replace else " (or tick 'Replace bundled chips' to use your row instead of a bundled one)"
        return [f"chip_id already in the table: {', '.join(clash)} — rename them and try again{hint}"]
    replaced = sorted(set(new["chip_id"]) & bundled)
    if replaced:
        st.session_state["replaced_chips"] = sorted(set(st.session_state.get("replaced_chips", [])) | set(replaced))
    st.session_state["user_chips"] = pd.concat([user, new], ignore_index=True)
    st.session_state.setdefault("user_chip_sources", []).append((source, list(new["chip_id"])))
    st.session_state["last_added"] = (source, list(new["chip_id"]), replaced)
    return []


def _web_words(text: str) -> str:
    """Problems written for the command line, reworded for the web page (no CLI commands)."""
    return str(text).replace("(see `chipsim schema`)", "(see 'Columns of a chip table' on this page)")


def _problems_table(exc: ValidationError) -> pd.DataFrame:
    return pd.DataFrame([{"line": p.line, "row": p.row, "column": p.column, "value": p.value, "expected": _web_words(p.expected)}
                         for p in exc.problems])


def template_csv() -> bytes:
    """chipsim's chip table format: every column, with one bundled row as an example to overwrite."""
    example = bundled_chips()
    example = example[example["chip_id"] == "nvidia-h20"] if "nvidia-h20" in set(example["chip_id"]) else example.head(1)
    return to_csv_text(example).encode("utf-8")


def render(state) -> None:
    st.header("Chip data")
    table = state.metrics_table()
    cols = ["chip_id", "vendor", "name", "segment", "datacenter", "tpp", "pd", "dram_bw_gbps", "io_bw_gbps",
            "die_area_mm2", "die_area_estimate", "sparsity_halved", "confidence", "sources", "notes"]
    st.dataframe(table[cols], hide_index=True, column_config={
        "tpp": st.column_config.NumberColumn("TPP", format="%.0f", help="Total Processing Performance (3A090 Note 1)"),
        "pd": st.column_config.NumberColumn("PD (TPP/mm²)", format="%.2f", help="Performance density (3A090 Note 4)"),
        "dram_bw_gbps": st.column_config.NumberColumn("DRAM bandwidth (GB/s)", format="%.0f"),
        "io_bw_gbps": st.column_config.NumberColumn("I/O bandwidth (GB/s)", format="%.0f"),
        "die_area_mm2": st.column_config.NumberColumn("die area (mm²)", format="%.0f"),
        "die_area_estimate": st.column_config.CheckboxColumn("die area estimated")})
    user = st.session_state.get("user_chips")
    if user is not None and not user.empty:
        st.info(f"{len(user)} chip(s) you added this session join every screen: {', '.join(user['chip_id'])}")

    st.subheader("Upload a chip table (chipsim's CSV format)")
    c1, c2 = st.columns([2, 1])
    c2.download_button("Download a template CSV", template_csv(), file_name="chipsim-chip-template.csv", mime="text/csv",
                       key="dl_template", help="Every column of the format, with the H20's row as an example to overwrite")
    replace = c2.checkbox("Replace bundled chips with the same chip_id", key="replace_bundled",
                          help="Your row is used instead of the bundled one for this session; exports name it")
    with c2.expander("Columns of a chip table"):
        st.dataframe(pd.DataFrame([{"column": c.name, "required": c.required, "unit": c.unit, "what": c.description}
                                   for c in COLUMNS]), hide_index=True)
    up = c1.file_uploader("CSV file", type=["csv"], key="upload")
    # an upload arrives from the widget, or as (name, bytes) in session state from scripts and tests
    payload = (up.name, up.getvalue()) if up is not None else st.session_state.pop("pending_upload", None)
    if payload is not None and st.session_state.get("_uploaded_name") != (payload[0], len(payload[1])):
        st.session_state["_uploaded_name"] = (payload[0], len(payload[1]))
        try:
            new = parse_chips(payload[1], name=payload[0])
        except ValidationError as exc:
            st.session_state["upload_problems"] = _problems_table(exc)
        else:
            st.session_state["upload_problems"] = None
            errs = _add(new, f"{payload[0]} (uploaded)", replace)
            if errs:
                st.session_state["upload_problems"] = pd.DataFrame({"expected": errs})
    added = st.session_state.pop("last_added", None)
    if added:
        source, ids, replaced = added
        st.success(f"Added {len(ids)} chip(s) from {source}: {', '.join(ids)}"
                   + (f"; replacing the bundled row(s) of {', '.join(replaced)}" if replaced else "")
                   + ". They appear on every screen; exports name them in their provenance.")
    problems = st.session_state.get("upload_problems")
    if problems is not None and len(problems):
        st.error(f"{len(problems)} problem(s) in the upload; nothing was added. Fix them and upload again.")
        st.dataframe(problems, hide_index=True)

    st.subheader("Add a hypothetical chip")
    with st.form("add_chip"):
        c1, c2, c3 = st.columns(3)
        chip_id = c1.text_input("chip_id (lowercase, digits, '-')", value="my-chip", key="f_id")
        vendor = c2.text_input("Vendor", value="Hypothetical", key="f_vendor")
        name = c3.text_input("Name", value="My chip", key="f_name")
        figures = {}
        cols3 = st.columns(3)
        for i, col in enumerate(THROUGHPUT_COLUMNS):
            figures[col] = cols3[i % 3].number_input(col, min_value=0.0, value=0.0, key=f"f_{col}", format="%g")
        sparse = st.checkbox("My figures include sparsity (halve them)", key="f_sparse")
        c1, c2, c3 = st.columns(3)
        area = c1.number_input("die_area_mm2 (0 = unknown)", min_value=0.0, value=0.0, key="f_area", format="%g")
        dram = c2.number_input("dram_bw_gbps (0 = unknown)", min_value=0.0, value=0.0, key="f_dram", format="%g")
        io_bw = c3.number_input("io_bw_gbps (0 = unknown)", min_value=0.0, value=0.0, key="f_io", format="%g")
        c1, c2 = st.columns([1, 2])
        datacenter = c1.checkbox("Designed or marketed for datacenters", value=True, key="f_dc")
        us_sale = c2.selectbox("Commercially available in the US (the January 2026 policy's condition (a))",
                               ["unknown", "yes, since this date", "no"], key="f_us")
        us_since = c2.date_input("Available in the US since", value=None, key="f_us_since",
                                 help="Read only when the answer above is 'yes, since this date'")
        submitted = st.form_submit_button("Add chip")
    if submitted:
        row = {c.name: "" for c in COLUMNS}
        halved = [c for c, v in figures.items() if v > 0] if sparse else []
        row.update({"chip_id": chip_id.strip(), "vendor": vendor, "name": name, "segment": "datacenter" if datacenter else "consumer",
                    "datacenter": str(datacenter).lower(), "confidence": "estimate", "sources": "user input (hypothetical)",
                    "notes": "hypothetical chip added in the app", "sparsity_halved": ";".join(halved),
                    "non_planar": "true" if area > 0 else "", "die_area_estimate": "true" if area > 0 else "",
                    "die_area_mm2": f"{area:g}" if area > 0 else "", "dram_bw_gbps": f"{dram:g}" if dram > 0 else "",
                    "io_bw_gbps": f"{io_bw:g}" if io_bw > 0 else ""})
        if us_sale == "no" or (us_sale.startswith("yes") and us_since):
            row.update(us_available="no" if us_sale == "no" else us_since.isoformat(),
                       us_available_source="user input (hypothetical)")
        for col, v in figures.items():
            if v > 0:
                row[col] = f"{v / 2 if sparse else v:g}"
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=[c.name for c in COLUMNS])
        writer.writeheader()
        writer.writerow(row)
        try:
            errs = _add(parse_chips(buf.getvalue(), name="form"), "the form on the Data screen (hypothetical)")
        except ValidationError as exc:
            st.error("The chip was not added:")
            st.dataframe(_problems_table(exc), hide_index=True)
        else:
            if errs:
                st.error(errs[0])
            else:
                st.rerun()
