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
