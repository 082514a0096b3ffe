"""sim/report/provenance.py on its own (the app and, later, the CLI share it): names, CSV bytes, figure metadata."""

import datetime as dt
import io

import pandas as pd

from sim import load_chips, with_metrics
from sim.engine.vectorised import verdicts
from sim.report.provenance import (
    bundled_table_label,
    csv_bytes,
    describe,
    figure_bytes,
    table_label,
    toml_header,
    verdict_table,
)
from sim.rules.scenario import load_scenario


def test_an_unedited_preset_is_named_as_such():
    prov = describe(load_scenario("us-2023-11"), dt.date(2024, 6, 1))
    assert prov.file_name("verdicts", "csv") == "chipsim_us-2023-11_2024-06-01_verdicts.csv"
    assert prov.edits_text() == "none" and not prov.edited
    assert "chips.csv bundled with chipsim" in prov.chip_table and "sha256" in prov.chip_table


def test_edits_go_in_the_name_when_short_and_a_hash_when_many():
    s = load_scenario("us-2023-11")
    two = describe(s.with_values({"3A090.a.1.tpp": 2300, "3A090.a.2.pd": 4}), dt.date(2024, 6, 1))
    assert two.file_name("map", "png", "nvidia-h20") == \
        "chipsim_us-2023-11+3A090.a.1.tpp=2300+3A090.a.2.pd=4_2024-06-01_map_nvidia-h20.png"
    many = describe(s.with_values({"3A090.a.1.tpp": 2300, "3A090.a.2.pd": 4, "3A090.b.1.tpp": 2000}), dt.date(2024, 6, 1))
    name = many.file_name("verdicts", "csv")
    assert name.startswith("chipsim_us-2023-11+3-edits-") and "/" not in name and ":" not in name
    assert "3A090.b.1.tpp=2000 (preset 2400)" in many.edits_text()


def test_the_csv_has_a_bom_chip_figures_and_provenance_on_every_row():
    table = load_chips()
    s = load_scenario("us-2026-01").with_values({"RLP.tpp": 15000})
    v = verdicts(s, table.head(3), destinations=["AX", "CN"], as_of=dt.date(2026, 3, 1))
    label = table_label(len(table), [("mine.csv (uploaded)", ["up-1"])])
    prov = describe(s, dt.date(2026, 3, 1), chip_table=label, uploaded=True)
    data = csv_bytes(verdict_table(v, with_metrics(table)), prov)
    assert data[:3] == b"\xef\xbb\xbf"
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(frame.columns[:4]) == ["chip_id", "vendor", "chip_name", "tpp"]
    assert "Åland Islands" in set(frame["destination_name"])
    assert set(frame["scenario_edits"]) == {"RLP.tpp=15000 (preset 21000)"}
    assert frame["chip_table"].str.contains("mine.csv").all() and frame["as_of"].eq("2026-03-01").all()
    assert "own-chips" in prov.file_name("verdicts", "csv")


def test_scenario_header_and_figure_metadata_name_the_edit():
    s = load_scenario("us-2023-11").with_values({"3A090.a.1.tpp": 2300})
    prov = describe(s, dt.date(2024, 6, 1))
    header = toml_header(prov)
    assert all(line.startswith("# ") for line in header.splitlines())
    assert "us-2023-11 (edited)" in header and "3A090.a.1.tpp=2300 (preset 4800)" in header
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    png = figure_bytes(fig, prov, "png")
    assert png[:4] == b"\x89PNG" and b"us-2023-11 (edited)" in png
    fig, ax = plt.subplots()
    svg = figure_bytes(fig, prov, "svg").decode()
    assert "3A090.a.1.tpp=2300" in svg and bundled_table_label().split(" (")[0] in svg
