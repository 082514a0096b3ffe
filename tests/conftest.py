"""Shared fixtures: a builder for small chip tables, so tests state only the figures they are about."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from hypothesis import settings

from sim.data.schema import COLUMNS

# CI runs the property tests on a fixed, reproducible set of examples; local runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

HEADER = [c.name for c in COLUMNS]

BASE_ROW = {
    "chip_id": "test-chip",
    "vendor": "TestCo",
    "name": "Test Chip",
    "release": "2024-01",
    "segment": "datacenter",
    "datacenter": "true",
    "confidence": "datasheet",
    "sources": "test fixture",
}


def chip_csv(*rows: dict, header=HEADER) -> str:
    """CSV text with the full header; each row dict overrides BASE_ROW (ids made unique)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        merged = {**BASE_ROW, "chip_id": f"test-chip-{i}", **{k: ("" if v is None else str(v)) for k, v in row.items()}}
        writer.writerow(merged)
    return buf.getvalue()


@pytest.fixture(scope="session")
def bundled():
    from sim import load_chips, with_metrics

    return with_metrics(load_chips()).set_index("chip_id", drop=False)


APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(open_boxes: bool = True, **query):
    """The app as a new visitor opening a link with these query parameters (AppTest, already run once), with
    the sidebar's Parameters and Transaction boxes opened (the app builds their fields only when open)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["params_open"] = at.session_state["tx_open"] = open_boxes
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def qp(at, key: str) -> list[str]:
    """A query parameter of an AppTest run as a list (AppTest gives one value as a string)."""
    value = at.query_params.get(key, [])
    return value if isinstance(value, list) else [value]
