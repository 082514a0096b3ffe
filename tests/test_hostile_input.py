"""Hostile input: each case gets a clear message (file, row, column, what was expected), nothing crashes with a
traceback, and nothing the user made is lost."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADER, chip_csv

from sim import ValidationError, parse_chips

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def chipsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=600, cwd=cwd)


def refused(run, *needles):
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    for needle in needles:
        assert needle in run.stderr, (needle, run.stderr[-2000:])


def problems_of(data, name="t.csv"):
    with pytest.raises(ValidationError) as info:
        parse_chips(data, name=name)
    return info.value.problems


# ---------------------------------------------------------------------------------------------
# chip tables: validate, --chips FILE and the app's upload all go through sim.data.chips.parse_chips

def test_a_header_only_table_has_no_chips(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(HEADER) + "\n")
    refused(chipsim("validate", str(empty)), f"no chips in {empty}")
    refused(chipsim("evaluate", "--chips", str(empty), "--dest", "CN"), f"no chips in {empty}")
    [p] = problems_of(empty.read_bytes(), name="upload.csv")
    assert "no chips in upload.csv" in p.expected


ABSURD = [
    # column, value, what the message must say (the accepted range)
    ("fp8_tflops", "1e400", "a finite number from 0 to 12,500,000 TFLOPS"),
    ("fp8_tflops", "inf", "a finite number from 0 to 12,500,000 TFLOPS"),
    ("fp8_tflops", "-inf", "a finite number from 0 to 12,500,000 TFLOPS"),
    ("fp8_tflops", "nan", "a finite number from 0 to 12,500,000 TFLOPS"),
    ("fp8_tflops", "-3", "a number >= 0 (accepted: from 0 to 12,500,000 TFLOPS"),
    ("fp8_tflops", "12500001", "from 0 to 12,500,000 TFLOPS (TPP = TFLOPS x 8 bits may not exceed 100,000,000)"),
    ("fp4_tflops", "3e7", "from 0 to 25,000,000 TFLOPS"),
    ("fp64_tflops", "2e6", "from 0 to 1,562,500 TFLOPS"),
    ("tf32_tflops", "3200000", "from 0 to 3,125,000 TFLOPS"),  # the widest TF32 convention (32 bits)
    ("int8_tops", "1e9", "from 0 to 12,500,000 TOPS"),
    ("die_area_mm2", "46226", "from 0 to 46,225 mm² (a full reticle-stitched wafer)"),
    ("die_area_mm2", "1e400", "a finite number from 0 to 46,225 mm²"),
    ("die_area_mm2", "-1", "a number >= 0"),
    # ranges take their base column's limits
    ("fp8_tflops_low", "1e400", "a finite number from 0 to 12,500,000 TFLOPS"),
    ("fp8_tflops_high", "2e7", "from 0 to 12,500,000 TFLOPS"),
    ("die_area_mm2_high", "50000", "from 0 to 46,225 mm²"),
    ("dram_bw_gbps_low", "nan", "a finite number >= 0 GB/s"),
    ("tdp_w", "inf", "a finite number >= 0 W"),
    ("logic_dies", "inf", "a whole number >= 1"),
    ("units_per_package", "nan", "a whole number >= 1"),
]


@pytest.mark.parametrize("column, value, expected", ABSURD)
def test_absurd_figures_are_refused_with_row_column_and_range(column, value, expected):
    problems = problems_of(chip_csv({"fp8_tflops": 100}, {column: value}))
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert (p.row, p.line, p.column, p.value) == (2, 3, column, value)
    assert expected in p.expected, p.expected


def test_the_largest_real_figures_still_load():
    table = parse_chips(chip_csv({"fp8_tflops": 12_500_000, "die_area_mm2": 46_225, "non_planar": "true",
                                  "fp4_tflops_high": 25_000_000, "fp4_tflops_low": 0}), name="t.csv")
    assert table["die_area_mm2"].iat[0] == 46_225 and table["fp8_tflops"].iat[0] == 12_500_000


def test_absurd_figures_are_refused_by_validate_and_by_every_command_that_reads_chips(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(chip_csv({"fp8_tflops": "1e400"}, {"die_area_mm2": "50000"}))
    needles = ("row 1, column 'fp8_tflops'", "12,500,000 TFLOPS", "row 2, column 'die_area_mm2'", "46,225 mm²")
    refused(chipsim("validate", str(bad)), *needles)
    refused(chipsim("evaluate", "--chips", str(bad), "--dest", "CN"), *needles)
    refused(chipsim("sweep", "--chips", str(bad), "--scenario", "us-2023-11", "--vary", "3A090.a.1.tpp=1000:2000:3"), *needles)
    assert bad.read_text() == chip_csv({"fp8_tflops": "1e400"}, {"die_area_mm2": "50000"})  # never "corrected"


def _csv_of_size(n_bytes: int) -> bytes:
    row = chip_csv({"fp8_tflops": 100}).split("\n", 1)[1].encode()
    head = (",".join(HEADER) + "\n").encode()
    return head + row * (n_bytes // len(row) + 1)


def test_a_50_mb_upload_is_refused_before_it_is_parsed(tmp_path):
    data = _csv_of_size(50_000_000)
    [p] = problems_of(data, name="big.csv")
    assert p.source == "big.csv" and "under 10 MB" in p.expected and f"{len(data):,} bytes" in p.expected
    big = tmp_path / "big.csv"
    big.write_bytes(data)
    refused(chipsim("validate", str(big)), str(big), "under 10 MB")
    refused(chipsim("evaluate", "--chips", str(big), "--dest", "CN"), "under 10 MB")


def test_duplicate_column_names_are_named(tmp_path):
    header = HEADER + ["fp8_tflops"]
    text = chip_csv({"fp8_tflops": 100}, header=header)
    problems = problems_of(text)
    assert [(p.line, p.column, p.expected) for p in problems] == [(1, "fp8_tflops", "each column named once")]
    dup = tmp_path / "dup.csv"
    dup.write_text(text)
    refused(chipsim("validate", str(dup)), f"{dup}:1: column 'fp8_tflops': expected each column named once")


def test_a_bad_upload_in_the_app_keeps_the_chips_already_added():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["screen"] = "Data"
    at.run()
    at.session_state["pending_upload"] = ("mine.csv", chip_csv({"chip_id": "my-own-chip", "fp8_tflops": 100}).encode())
    at.run()
    assert list(at.session_state["user_chips"]["chip_id"]) == ["my-own-chip"]
    at.session_state["pending_upload"] = ("hostile.csv", chip_csv({"chip_id": "other", "fp8_tflops": "1e400"},
                                                                  {"chip_id": "wafer", "die_area_mm2": "99999"}).encode())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("nothing was added" in e.value for e in at.error)
    shown = " ".join(at.dataframe[-1].value["expected"].astype(str))
    assert "12,500,000 TFLOPS" in shown and "46,225 mm²" in shown
    assert list(at.session_state["user_chips"]["chip_id"]) == ["my-own-chip"]


# ---------------------------------------------------------------------------------------------
# scenario files (loading is sim/rules/scenario.py)

def test_a_10000_deep_extends_chain_is_refused_cleanly(tmp_path):
    for i in range(10_000):
        base = "us-2023-11" if i == 0 else f"s{i - 1}.toml"
        (tmp_path / f"s{i}.toml").write_text(f'id = "s{i}"\nextends = "{base}"\n')
    run = chipsim("evaluate", "--scenario", "s9999.toml", "--chip", "nvidia-h20", "--dest", "CN", cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "RecursionError" not in run.stderr
    assert "deeper than" in run.stderr and "s9999.toml" in run.stderr


MB = "x" * 1_000_000


def test_a_1_mb_title_is_only_text(tmp_path):
    f = tmp_path / "long.toml"
    f.write_text(f'id = "long"\nextends = "us-2023-11"\ntitle = "{MB}"\n')
    run = chipsim("evaluate", "--scenario", str(f), "--chip", "nvidia-h20", "--dest", "CN", "--format", "csv")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-2000:]
    assert "nvidia-h20,CN" in run.stdout


def test_a_1_mb_parameter_name_is_refused_without_a_traceback(tmp_path):
    f = tmp_path / "param.toml"
    f.write_text(f'id = "p"\nextends = "us-2023-11"\n[parameters]\n"{MB}" = 5\n')
    refused(chipsim("evaluate", "--scenario", str(f), "--dest", "CN"), str(f), "unknown parameter")


def test_a_1_mb_parameter_name_gets_a_short_message(tmp_path):
    f = tmp_path / "param.toml"
    f.write_text(f'id = "p"\nextends = "us-2023-11"\n[parameters]\n"{MB}" = 5\n')
    run = chipsim("evaluate", "--scenario", str(f), "--dest", "CN")
    assert run.returncode == 2 and len(run.stderr) < 5_000


def test_a_1_mb_extends_value_is_refused_cleanly(tmp_path):
    f = tmp_path / "ext.toml"
    f.write_text(f'id = "e"\nextends = "{MB}"\n')
    refused(chipsim("evaluate", "--scenario", str(f), "--dest", "CN"), "scenario")


# ---------------------------------------------------------------------------------------------
# sweeps

@pytest.fixture
def no_work(monkeypatch):
    """Any sign of work (reading chips, preparing, grouping) fails the test."""
    import sim.analysis.sweep
    import sim.cli

    def boom(*args, **kwargs):
        raise AssertionError("work started before the size was checked")

    for module, name in ((sim.analysis.sweep, "prepare"), (sim.analysis.sweep, "representatives"), (sim.cli, "table_from")):
        monkeypatch.setattr(module, name, boom)


@pytest.mark.parametrize("varies, needle", [
    (["3A090.a.1.tpp=1000:20000:100000", "3A090.a.2.pd=1:10:10000"],
     "1,000,000,000 points (100,000 x 10,000) is more than the 100,000,000 a sweep may have"),
    (["3A090.a.1.tpp=1000:20000:1000000000"], "N must be between 1 and 100,000,000, not 1,000,000,000"),
    (["3A090.a.1.tpp=1000:20000:1000", "3A090.a.2.pd=1:10:1000", "3A090.b.1.tpp=1:2:1000"],
     "1,000,000,000 points"),
])
def test_a_billion_point_sweep_is_refused_before_any_work(no_work, capsys, varies, needle):
    from sim.cli import main

    rc = main(["sweep", "--scenario", "us-2023-11", *[x for v in varies for x in ("--vary", v)], "--out", "never.parquet"])
    err = capsys.readouterr().err
    assert rc == 2 and needle in err, err
    assert not Path("never.parquet").exists()


def test_the_python_api_refuses_a_billion_points_before_any_work(no_work):
    import numpy as np

    from sim.analysis.sweep import plan_sweep, sweep
    from sim.errors import ChipsimError

    vary = {"3A090.a.1.tpp": np.linspace(1, 2, 100_000), "3A090.a.2.pd": np.linspace(1, 2, 10_000)}
    for call in (lambda: sweep("us-2023-11", vary), lambda: plan_sweep("us-2023-11", vary)):
        with pytest.raises(ChipsimError, match="100,000,000 a sweep may have"):
            call()


# ---------------------------------------------------------------------------------------------
# links

def test_a_link_with_1000_set_entries_reads_a_bounded_number_and_says_so():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    # Streamlit drops a query string of more than 1,000 parameters whole; exactly 1,000 reaches the app
    at.query_params["set"] = ["3A090.a.1.tpp:2300"] + [f"nope{i}:{i}" for i in range(998)] + ["3A090.a.1.tpp:inf"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "Unexpected problem" in e.value]
    warnings = [w.value for w in at.warning]
    assert any("sets 1,000 parameters; read the first 100" in w for w in warnings), warnings
    assert sum(len(w) for w in warnings) < 5_000  # not a thousand names
    assert at.query_params["set"] in ("3A090.a.1.tpp:2300", ["3A090.a.1.tpp:2300"])  # the real edit was read and kept


@pytest.mark.parametrize("option, spec, needle", [
    ("--range", "3A090.a.1.tpp=0:1e400", "must be finite"),
    ("--range", "3A090.a.1.tpp=nan:5", "must be finite"),
    ("--chip-range", "nvidia-h20.fp8_tflops=0:1e400", "must be finite"),
    ("--chip-range", "nvidia-h20.die_area_mm2=100:1e9", "from 0 to 46,225 mm²"),
    ("--chip-range", "nvidia-h20.fp8_tflops=100:2e7", "from 0 to 12,500,000 TFLOPS"),
])
def test_monte_carlo_ranges_refuse_infinite_and_absurd_bounds(option, spec, needle):
    refused(chipsim("montecarlo", "--scenario", "us-2023-11", "--chip", "nvidia-h20", "--dest", "CN", "--n", "5",
                    option, spec), spec, needle)
