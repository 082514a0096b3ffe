"""Loading reports every problem with row, column, value and what was expected — and never crashes."""

import subprocess
import sys

import pytest
from conftest import HEADER, chip_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ValidationError, parse_chips


def problems_of(text):
    with pytest.raises(ValidationError) as info:
        parse_chips(text, name="t.csv")
    return info.value.problems


def test_clean_table_has_no_problems():
    table = parse_chips(chip_csv({"fp8_tflops": 100}, {"int8_tops": 50}), name="t.csv")
    assert len(table) == 2


def test_bundled_table_is_clean():
    from sim.data.chips import BUNDLED_CHIPS, validate_file

    assert validate_file(BUNDLED_CHIPS) == []


@pytest.mark.parametrize(
    "row, column, expected",
    [
        ({"fp8_tflops": "abc"}, "fp8_tflops", "a number"),
        ({"fp8_tflops": "-5"}, "fp8_tflops", ">= 0"),
        ({"fp8_tflops": "1979*"}, "fp8_tflops", "dense figure"),
        ({"int8_tops": "3958 (sparse)"}, "int8_tops", "dense figure"),
        ({"release": "2023-13"}, "release", "real month"),
        ({"release": "23/11/2023"}, "release", "real month"),
        ({"datacenter": "maybe"}, "datacenter", "true or false"),
        ({"segment": "server"}, "segment", "one of"),
        ({"confidence": "rumour"}, "confidence", "one of"),
        ({"chip_id": "H100 SXM"}, "chip_id", "lowercase"),
        ({"sparsity_halved": "fp8"}, "sparsity_halved", "throughput column"),
        ({"sources": ""}, "sources", "a value"),
        ({"fp8_tflops": "inf"}, "fp8_tflops", "finite"),
        ({"logic_dies": "1.5"}, "logic_dies", "whole number"),
        # what pandas writes when a typed table is saved with DataFrame.to_csv (issue: a determination a
        # compliance officer can file): Python's True/False and whole numbers of a float column as 5.0
        ({"die_area_estimate": "True"}, "die_area_estimate", "lower-case true or false"),
        ({"datacenter": "False"}, "datacenter", "lower-case true or false"),
        ({"logic_dies": "5.0"}, "logic_dies", "without a decimal point"),
        ({"units_per_package": "2.0"}, "units_per_package", "without a decimal point"),
        # ECCNs as the Commerce Control List writes them (15 CFR 738.2(d))
        ({"vendor_eccn": "3a090.a", "vendor_eccn_source": "x"}, "vendor_eccn", "an ECCN"),
        ({"vendor_eccn": "5A992C", "vendor_eccn_source": "x"}, "vendor_eccn", "an ECCN"),
        ({"vendor_eccn": "ECCN 5A992.c", "vendor_eccn_source": "x"}, "vendor_eccn", "an ECCN"),
        ({"vendor_eccn": "3A090.A", "vendor_eccn_source": "x"}, "vendor_eccn", "an ECCN"),
        ({"eccn_below_3a090": "ear99"}, "eccn_below_3a090", "an ECCN"),
        ({"eccn_below_3a090": "3A090.a"}, "eccn_below_3a090", "below 3A090"),
        ({"eccn_below_3a090": "4A090.b"}, "eccn_below_3a090", "below 3A090"),
        ({"eccn_below_3a090": "5A992.z.1"}, "eccn_below_3a090", "below 3A090"),
        ({"vendor_eccn": "5A992.c"}, "vendor_eccn_source", "where vendor_eccn '5A992.c' is published"),
    ],
)
def test_each_bad_cell_names_row_column_value_and_expectation(row, column, expected):
    problems = problems_of(chip_csv({"fp8_tflops": 1}, row))
    assert len(problems) == 1
    p = problems[0]
    assert (p.row, p.line, p.column) == (2, 3, column)
    assert expected in p.expected
    assert str(p).startswith("t.csv:3: row 2, column '%s'" % column)


def test_duplicate_ids_point_at_the_first_use():
    problems = problems_of(chip_csv({"chip_id": "same"}, {"chip_id": "other"}, {"chip_id": "same"}))
    assert [(p.row, p.column) for p in problems] == [(3, "chip_id")]
    assert "row 1" in problems[0].expected


def test_every_problem_is_reported_at_once():
    problems = problems_of(chip_csv({"fp8_tflops": "x", "release": "2020-00"}, {"tdp_w": "-1"}))
    assert {(p.row, p.column) for p in problems} == {(1, "fp8_tflops"), (1, "release"), (2, "tdp_w")}


def test_missing_and_unknown_columns():
    header = [h for h in HEADER if h != "fp8_tflops"] + ["fp8_tflop"]
    problems = problems_of(chip_csv({}, header=header))
    by_col = {p.column: p.expected for p in problems}
    assert "required" in by_col["fp8_tflops"]
    assert "fp8_tflops" in by_col["fp8_tflop"]  # suggests the close match


def test_ragged_row_and_bad_encoding():
    text = chip_csv({}) + "a,b,c\n"
    assert "fields" in problems_of(text)[0].expected
    assert problems_of(b"\xff\xfe\x00garbage")[0].expected.startswith(("UTF-8", "CSV"))
    assert "header" in problems_of("")[0].expected


def test_oversized_input_is_refused_cleanly():
    assert "MB" in problems_of(b"x" * 10_000_001)[0].expected


def test_empty_cells_stay_missing():
    table = parse_chips(chip_csv({"fp8_tflops": "", "die_area_mm2": ""}), name="t.csv")
    assert table["fp8_tflops"].isna().all() and table["die_area_mm2"].isna().all()


cell = st.one_of(st.text(max_size=12), st.sampled_from(["", "1", "-1", "1e309", "true", "2024-02", "*", '"', "\n"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(HEADER), cell, max_size=8), max_size=4))
def test_loading_structured_junk_raises_only_validation_error(rows):
    try:
        parse_chips(chip_csv(*rows), name="t.csv")
    except ValidationError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_loading_arbitrary_bytes_raises_only_validation_error(data):
    try:
        parse_chips(",".join(HEADER) + "\n" + (data if isinstance(data, str) else data.decode("latin-1")), name="t")
        parse_chips(data, name="t")
    except ValidationError:
        pass


def test_cli_validate_reports_and_exits_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(chip_csv({"fp8_tflops": "1979*"}, {"release": "2023-13"}))
    run = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True)
    assert run.returncode == 2
    assert "row 1, column 'fp8_tflops'" in run.stderr and "row 2, column 'release'" in run.stderr
    assert "Traceback" not in run.stderr
    good = tmp_path / "good.csv"
    good.write_text(chip_csv({"fp8_tflops": "1"}))
    ok = subprocess.run([sys.executable, "-m", "sim", "validate", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize("row", [
    {"vendor_eccn": "3A090.a", "vendor_eccn_source": "vendor page, read 2026-12-04"},
    {"vendor_eccn": "4A090.a", "vendor_eccn_source": "vendor page"},
    {"vendor_eccn": "5A992.z.1", "vendor_eccn_source": "vendor page"},
    {"vendor_eccn": "EAR99", "vendor_eccn_source": "vendor page", "eccn_below_3a090": "EAR99"},
    {"eccn_below_3a090": "5A992.c"}, {"eccn_below_3a090": "4A994.l"}, {"eccn_below_3a090": "3A991.p"},
    {"die_area_estimate": "TRUE", "datacenter": "FALSE"},  # Excel's spelling is not pandas' and still loads
    {"logic_dies": "5", "units_per_package": "2", "die_area_mm2_high": "4290.0"},  # a float column may say .0
])
def test_well_formed_cells_load(row):
    table = parse_chips(chip_csv({"fp8_tflops": 1, **row}), name="t.csv")
    for column, value in row.items():
        if column in ("vendor_eccn", "vendor_eccn_source", "eccn_below_3a090"):
            assert table[column].iat[0] == value


def test_vendor_eccn_columns_are_optional():
    header = [h for h in HEADER if h not in ("vendor_eccn", "vendor_eccn_source")]
    table = parse_chips(chip_csv({"fp8_tflops": 1}, header=header), name="t.csv")
    assert table["vendor_eccn"].iat[0] == "" and table["vendor_eccn_source"].iat[0] == ""


def test_a_table_saved_by_pandas_is_reported_cell_by_cell(tmp_path):
    # the MTIA 450 / MTIA 500 / Maia 200 rows once held exactly these cells: a table read with pandas and
    # written back with DataFrame.to_csv turns true into True and a count column with gaps into 5.0
    import io

    import pandas as pd

    typed = pd.read_csv(io.StringIO(chip_csv({"fp8_tflops": 1, "logic_dies": 5, "die_area_estimate": "true"},
                                             {"fp8_tflops": 2})))
    saved = tmp_path / "saved.csv"
    typed.to_csv(saved, index=False)
    run = subprocess.run([sys.executable, "-m", "sim", "validate", str(saved)], capture_output=True, text=True)
    assert run.returncode == 2
    assert "row 1, column 'logic_dies', value '5.0'" in run.stderr
    assert "row 1, column 'die_area_estimate', value 'True'" in run.stderr
    assert "row 1, column 'datacenter', value 'True'" in run.stderr
    assert "Traceback" not in run.stderr
    # chipsim's own writer gives a table that loads
    from sim.data.chips import load_chips, to_csv_text

    fixed = tmp_path / "fixed.csv"
    fixed.write_text(to_csv_text(parse_chips(chip_csv({"fp8_tflops": 1, "logic_dies": 5}), name="t.csv")))
    assert load_chips(fixed)["logic_dies"].iat[0] == 5
