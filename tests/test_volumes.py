"""Shipment volumes: the bundled Epoch AI table, a user's own file, every problem reported at once, and
the converter from Epoch's files. Fixtures are inline CSV in Epoch's format: tests never read /work/shared."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from sim.data.epoch_counts import chip_families, convert_epoch_counts, convert_epoch_prices
from sim.data.volumes import (
    MAX_VOLUME_BYTES,
    PRICE_COLUMNS,
    VOLUME_COLUMNS,
    load_prices,
    load_volumes,
    parse_prices,
    parse_volumes,
    table_to_csv_text,
    validate_volumes_file,
    volume_provenance,
    volumes_template,
)
from sim.errors import ValidationError

CHIP_IDS = {"nvidia-a100-sxm", "nvidia-h20", "nvidia-h100-sxm", "nvidia-h200-sxm"}

GOOD_ROW = {
    "source": "test fixture", "vintage": "2026-04-15", "owner": "China", "destination": "CN", "hq": "CN",
    "chip_family": "H20", "chip_id": "nvidia-h20", "period_start": "2024-01-01", "period_end": "2024-03-31",
    "units_p5": "100", "units_p50": "200", "units_p95": "400", "h100e_p5": "15", "h100e_p50": "30",
    "h100e_p95": "60", "note": "",
}


def volumes_csv(*rows: dict, header=VOLUME_COLUMNS) -> str:
    """CSV text; each row dict overrides GOOD_ROW, and the quarters follow one another so rows never overlap."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(header), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        year = 2010 + i
        writer.writerow({**GOOD_ROW, "period_start": f"{year}-01-01", "period_end": f"{year}-03-31", **row})
    return buf.getvalue()


def problems_of(text: str, **kw) -> list[str]:
    with pytest.raises(ValidationError) as info:
        parse_volumes(text, name="vols.csv", chip_ids=kw.pop("chip_ids", CHIP_IDS), **kw)
    return [str(p) for p in info.value.problems]


# ---------------------------------------------------------------- the bundled tables


def test_bundled_volumes_load_with_china_rows_and_provenance():
    table = load_volumes()
    assert tuple(table.columns) == VOLUME_COLUMNS
    china = table[table["owner"] == "China"]
    assert set(china["chip_family"]) == {"A100", "A800", "H800", "H20"}
    assert (china["destination"] == "CN").all() and (table.loc[table["owner"] != "China", "destination"] == "US").all()
    assert set(china["chip_id"]) == {"nvidia-a100-sxm", "nvidia-a800-sxm", "nvidia-h800-sxm", "nvidia-h20"}
    assert str(table["period_start"].dtype) == "datetime64[ns]" and table["units_p50"].dtype == float
    assert (table["units_p5"] <= table["units_p50"]).all() and (table["units_p50"] <= table["units_p95"]).all()
    # the 2022 rule stopped China's A100s: no A100 row for China after Q3 2022
    assert china.loc[china["chip_family"] == "A100", "period_end"].max() == pd.Timestamp("2022-09-30")
    assert volume_provenance(table) == ("Epoch AI ai-chip-counts (MIT), commit d1b1bc3, "
                                        "nvidia_owners_quarters_by_chip.csv, estimates generated 2026-04-15")


def test_bundled_prices_and_family_mapping_load():
    prices = load_prices()
    assert tuple(prices.columns) == PRICE_COLUMNS
    assert (prices["price_low_usd"] <= prices["price_high_usd"]).all()
    assert set(prices["chip_family"]) == {"A100", "H100", "GB200", "GB300", "H20"}
    families = chip_families()  # validated against the bundled chip table: every chip_id exists
    assert dict(zip(families["chip_family"], families["chip_id"]))["H100/H200"] == "nvidia-h100-sxm"


def test_template_loads_against_bundled_chips():
    table = parse_volumes(volumes_template(), name="template.csv")
    assert len(table) == 1 and tuple(table.columns) == VOLUME_COLUMNS


# ---------------------------------------------------------------- a user's file


def test_user_file_is_typed_point_estimates_and_blank_hq():
    text = volumes_csv({"units_p5": "", "units_p95": "", "h100e_p5": "", "h100e_p50": "", "h100e_p95": "",
                        "hq": "", "destination": "sg"})
    table = parse_volumes(text, chip_ids=CHIP_IDS)
    row = table.iloc[0]
    assert np.isnan(row["units_p5"]) and row["units_p50"] == 200 and np.isnan(row["h100e_p50"])
    assert row["destination"] == "SG" and row["hq"] == "SG"  # blank hq = same as destination
    assert row["period_end"] == pd.Timestamp("2010-03-31")


def test_optional_columns_may_be_left_out():
    header = [c for c in VOLUME_COLUMNS if not c.startswith("h100e") and c not in ("hq", "note", "chip_family")]
    table = parse_volumes(volumes_csv({}, header=header), chip_ids=CHIP_IDS)
    assert tuple(table.columns) == VOLUME_COLUMNS and table["hq"].iat[0] == "CN"


@pytest.mark.parametrize("row, expected", [
    ({"period_start": "2023-02-30"}, ["row 1", "column 'period_start'", "a real date as YYYY-MM-DD"]),
    ({"period_start": "3/1/2023"}, ["row 1", "column 'period_start'", "YYYY-MM-DD"]),
    ({"period_start": "2010-04-01"}, ["row 1", "column 'period_end'", "on or after period_start (2010-04-01)"]),
    ({"units_p50": "-5"}, ["row 1", "column 'units_p50'", "a finite number >= 0"]),
    ({"units_p50": "inf"}, ["row 1", "column 'units_p50'", "a finite number >= 0"]),
    ({"units_p50": "1,000"}, ["row 1", "column 'units_p50'", "without units or commas"]),
    ({"units_p50": ""}, ["row 1", "column 'units_p50'", "may not be empty"]),
    ({"units_p5": "300"}, ["row 1", "column 'units_p5'", "at most units_p50 (200)"]),
    ({"units_p95": "150"}, ["row 1", "column 'units_p95'", "at least units_p50 (200)"]),
    ({"units_p95": ""}, ["row 1", "column 'units_p95'", "given together, or both left blank"]),
    ({"units_p5": ""}, ["row 1", "column 'units_p5'", "given together, or both left blank"]),
    ({"h100e_p50": ""}, ["row 1", "column 'h100e_p50'", "the median h100e_p50 is needed too"]),
    ({"h100e_p5": "31"}, ["row 1", "column 'h100e_p5'", "at most h100e_p50 (30)"]),
    ({"chip_id": "nvidia-h100-sx"}, ["row 1", "column 'chip_id'", "did you mean 'nvidia-h100-sxm'"]),
    ({"destination": "XX"}, ["row 1", "column 'destination'", "an ISO 3166-1 alpha-2 country code"]),
    ({"destination": "CHN"}, ["row 1", "column 'destination'", "did you mean 'CN'?"]),
    ({"hq": "China"}, ["row 1", "column 'hq'", "did you mean 'CN'?"]),
    ({"vintage": ""}, ["row 1", "column 'vintage'", "may not be empty"]),
])
def test_each_bad_cell_names_row_column_and_expectation(row, expected):
    problems = problems_of(volumes_csv(row))
    assert len(problems) == 1, problems
    assert all(part in problems[0] for part in expected), problems[0]
    assert problems[0].startswith("vols.csv:2: ")  # the physical line of the first data row


def test_missing_and_unknown_columns_are_named():
    header = [("unit_p50" if c == "units_p50" else c) for c in VOLUME_COLUMNS]
    problems = problems_of(volumes_csv({}, header=header).replace("units_p50", "unit_p50", 1))
    assert any("column 'unit_p50'" in p and "did you mean 'units_p50'" in p for p in problems), problems
    assert any("column 'units_p50'" in p and "required column" in p for p in problems), problems


def test_overlapping_periods_name_both_rows():
    text = volumes_csv({}, {}, {"period_start": "2010-03-01", "period_end": "2010-05-31"})
    problems = problems_of(text)
    assert len(problems) == 1, problems
    assert "row 3" in problems[0] and "column 'period_start'" in problems[0]
    assert "overlapping row 1 (line 2: 2010-01-01 to 2010-03-31)" in problems[0]
    # another owner, destination or chip may share the period
    other = volumes_csv({}, {"owner": "Meta", "period_start": "2010-01-01", "period_end": "2010-03-31"})
    assert len(parse_volumes(other, chip_ids=CHIP_IDS)) == 2


def test_every_problem_at_once_and_nothing_half_loaded(tmp_path):
    text = volumes_csv({}, {"units_p50": "-1"}, {}, {"chip_id": "nope", "period_end": "2000-01-01"})
    problems = problems_of(text)
    assert len(problems) == 3
    assert [p.split(":")[1] for p in problems] == ["3", "5", "5"]  # lines of rows 2 and 4
    path = tmp_path / "vols.csv"
    path.write_text(text)
    with pytest.raises(ValidationError):
        load_volumes(path, chip_ids=CHIP_IDS)
    assert len(validate_volumes_file(path, chip_ids=CHIP_IDS)) == 3
    path.write_text(volumes_csv({}, {}))
    assert validate_volumes_file(path, chip_ids=CHIP_IDS) == []


def test_chip_ids_may_come_from_a_chip_table():
    table = pd.DataFrame({"chip_id": ["nvidia-h20"]})
    assert len(parse_volumes(volumes_csv({}), chip_ids=table)) == 1
    assert "did you mean" not in problems_of(volumes_csv({}), chip_ids=pd.DataFrame({"chip_id": ["x"]}))[0]


def test_oversized_and_empty_inputs_are_refused():
    with pytest.raises(ValidationError, match="volumes table under"):
        parse_volumes("x" * (MAX_VOLUME_BYTES + 1), chip_ids=CHIP_IDS)
    assert any("at least one row" in p for p in problems_of(",".join(VOLUME_COLUMNS) + "\n"))


def test_prices_low_above_high_and_duplicate_years_refused():
    row = "test,H20,nvidia-h20,{year},{low},{high},"
    text = ",".join(PRICE_COLUMNS) + "\n" + "\n".join([row.format(year=2024, low=10, high=5),
                                                       row.format(year=2025, low=1, high=2),
                                                       row.format(year=2025, low=1, high=3),
                                                       row.format(year="24", low=1, high=2)])
    with pytest.raises(ValidationError) as info:
        parse_prices(text, name="p.csv", chip_ids=CHIP_IDS)
    shown = [str(p) for p in info.value.problems]
    assert any("row 1" in p and "price_high_usd" in p and "at least price_low_usd (10)" in p for p in shown), shown
    assert any("row 3" in p and "already given in row 2" in p for p in shown), shown
    assert any("row 4" in p and "a year as YYYY" in p for p in shown), shown


# ---------------------------------------------------------------- Epoch's files

EPOCH_HEADER = ["Name", "Chip manufacturer", "Owner", "Start date", "End date", "Compute estimate in H100e (median)",
                "H100e (5th percentile)", "H100e (95th percentile)", "Number of Units", "Number of Units (5th percentile)",
                "Number of Units (95th percentile)", "Total TDP (W)", "Chip type", "Incomplete", "Source / Link", "Notes"]
VINTAGE_NOTE = "Estimates generated on: 04-15-2026 18:24"


def epoch_row(owner="China", family="H20", start="1/1/2024", end="3/31/2024", units=("100", "200", "400"),
              h100e=("15", "30", "60"), incomplete="", notes=VINTAGE_NOTE):
    return [f"{owner} {family}", "Nvidia", owner, start, end, h100e[1], h100e[0], h100e[2], units[1], units[0],
            units[2], "1000", family, incomplete, "", notes]


def epoch_csv(*rows, header=EPOCH_HEADER) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode()


def test_converter_maps_families_owners_dates_and_vintage():
    data = epoch_csv(
        epoch_row(),
        epoch_row(family="A800", start="10/1/2022", end="12/31/2022"),
        epoch_row(owner="Microsoft", family="H100/H200", start="1/1/2026", end="3/31/2026", incomplete="checked",
                  notes="Incomplete: based on Nvidia fiscal quarters ending 1/25/2026. " + VINTAGE_NOTE),
        epoch_row(owner="Meta", family="A100", notes=""),  # shares the file's one vintage
    )
    volumes, prices = convert_epoch_counts(data, "nvidia_owners_quarters_by_chip.csv", revision="d1b1bc3119")
    assert tuple(volumes.columns) == VOLUME_COLUMNS and prices.empty
    assert list(volumes["chip_id"]) == ["nvidia-h20", "nvidia-a800-sxm", "nvidia-h100-sxm", "nvidia-a100-sxm"]
    assert list(volumes["destination"]) == ["CN", "CN", "US", "US"] and list(volumes["hq"]) == ["CN", "CN", "US", "US"]
    assert (volumes["vintage"] == pd.Timestamp("2026-04-15")).all()
    assert volumes["period_start"].iat[1] == pd.Timestamp("2022-10-01")
    assert volumes["period_end"].iat[1] == pd.Timestamp("2022-12-31")
    assert volumes[["units_p5", "units_p50", "units_p95"]].iloc[0].tolist() == [100, 200, 400]
    assert volumes["h100e_p50"].iat[0] == 30
    assert "Epoch row 'Microsoft H100/H200'" in volumes["note"].iat[2] and "fiscal quarters" in volumes["note"].iat[2]
    assert "Estimates generated" not in volumes["note"].iat[2]
    assert volumes["source"].iat[0] == "Epoch AI ai-chip-counts (MIT), commit d1b1bc3, nvidia_owners_quarters_by_chip.csv"
    # what the converter writes loads back unchanged
    again = parse_volumes(table_to_csv_text(volumes))
    pd.testing.assert_frame_equal(again, volumes, check_dtype=False)


def test_converter_refuses_unknown_family_and_owner():
    with pytest.raises(ValidationError) as info:
        convert_epoch_counts(epoch_csv(epoch_row(family="H30"), epoch_row(owner="xAI", start="4/1/2024", end="6/30/2024")),
                             "q.csv")
    shown = [str(p) for p in info.value.problems]
    assert any("row 1" in p and "column 'Chip type'" in p and "'H30'" in p and "chip_families.csv" in p for p in shown), shown
    assert any("row 2" in p and "column 'Owner'" in p and "EPOCH_OWNERS" in p for p in shown), shown


def test_converter_names_missing_epoch_columns_bad_dates_and_vintage():
    header = [("Units" if h == "Number of Units" else h) for h in EPOCH_HEADER]
    with pytest.raises(ValidationError, match=r"column 'Number of Units'.*expected Epoch's column 'Number of Units'"):
        convert_epoch_counts(epoch_csv(epoch_row(), header=header), "q.csv")
    with pytest.raises(ValidationError) as info:
        convert_epoch_counts(epoch_csv(epoch_row(start="2024-01-01", notes="no date here")), "q.csv")
    shown = " | ".join(str(p) for p in info.value.problems)
    assert "column 'Start date'" in shown and "M/D/YYYY" in shown
    assert "column 'Notes'" in shown and "Estimates generated on: MM-DD-YYYY" in shown


def test_converter_reports_band_problems_under_epochs_column_names():
    with pytest.raises(ValidationError) as info:
        convert_epoch_counts(epoch_csv(epoch_row(units=("300", "200", "400"))), "q.csv")
    (problem,) = info.value.problems
    assert problem.column == "Number of Units (5th percentile)" and problem.line == 2 and problem.row == 1


EPOCH_PRICES = (
    'Year,A100 low,A100 high,Notes,H100 low,H100 high,Geomean,Notes,H20 low,H20 high,\n'
    '2022,10000,20000,A100 is stub,30000,45000,"$36,742",,,,TODO\n'
    '2023,10000,15000,,30000,40000,"$34,641",server ~34k,,,"about 10k each"\n'
    '2024,,,,23000,30000,"$26,268",,10000,15000,\n'
    '2025,n/a,15000,,20000,27000,,,9000,12000,\n'
)


def test_prices_keep_only_numeric_low_and_high_pairs():
    prices = convert_epoch_prices(EPOCH_PRICES, "prices.csv")
    kept = {(f, y) for f, y in zip(prices["chip_family"], prices["year"])}
    assert kept == {("A100", 2022), ("A100", 2023), ("H100", 2022), ("H100", 2023), ("H100", 2024), ("H100", 2025),
                    ("H20", 2024), ("H20", 2025)}
    h100 = prices[prices["chip_family"] == "H100"].set_index("year")
    assert h100.loc[2023, "price_low_usd"] == 30000 and h100.loc[2023, "price_high_usd"] == 40000
    assert h100.loc[2023, "note"] == "Epoch note: server ~34k" and "$" not in " ".join(prices["note"])
    a100 = prices[prices["chip_family"] == "A100"].set_index("year")
    assert a100.loc[2022, "note"] == "Epoch note: A100 is stub" and a100.loc[2022, "chip_id"] == "nvidia-a100-sxm"
    assert set(prices.loc[prices["chip_family"] == "H20", "note"]) == {""}  # its notes sit in years without prices


def test_prices_refuse_an_unmapped_family_and_a_sheet_without_pairs():
    with pytest.raises(ValidationError, match="'B30A'.*chip_families.csv"):
        convert_epoch_prices("Year,B30A low,B30A high\n2026,1,2\n", "prices.csv")
    with pytest.raises(ValidationError, match="'Year' column and '<chip> low'"):
        convert_epoch_prices("Year,Price\n2024,3\n", "prices.csv")


def test_import_epoch_counts_command_writes_a_file_that_loads(tmp_path):
    import subprocess
    import sys

    from sim.data.volumes import load_volumes

    (tmp_path / "nvidia_owners_quarters_by_chip.csv").write_bytes(epoch_csv(epoch_row(), epoch_row(start="4/1/2024",
                                                                                                   end="6/30/2024")))
    out = tmp_path / "v.csv"
    r = subprocess.run([sys.executable, "-m", "sim", "import-epoch-counts", str(tmp_path), "-o", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "wrote 2 rows" in r.stderr
    loaded = load_volumes(out)
    assert len(loaded) == 2 and set(loaded["chip_id"]) == {"nvidia-h20"}
    missing = subprocess.run([sys.executable, "-m", "sim", "import-epoch-counts", str(tmp_path / "none")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "nvidia_owners_quarters_by_chip.csv" in missing.stderr
    assert "Traceback" not in missing.stderr
