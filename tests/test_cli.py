"""The CLI contract: commands, columns, and one clear message with exit 2 for every user mistake."""

import json
import subprocess
import sys

import pytest


def chipsim(*args):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=120)


def test_chips_csv_lists_sourced_rows_with_tpp_and_pd():
    run = chipsim("chips", "--format", "csv")
    assert run.returncode == 0, run.stderr
    header = run.stdout.splitlines()[0].split(",")
    assert header[:6] == ["chip_id", "vendor", "name", "segment", "tpp", "pd"] and "sources" in header
    assert len(run.stdout.splitlines()) >= 56


def test_evaluate_columns_and_formats(tmp_path):
    run = chipsim("evaluate", "--scenario", "us-2023-11", "--chip", "nvidia-h20", "--dest", "CN", "--format", "json")
    assert run.returncode == 0, run.stderr
    row = json.loads(run.stdout)[0]
    for col in ("chip_id", "destination", "classification", "outcome", "rule", "citation", "reason"):
        assert col in row
    assert row["outcome"] == "allowed"
    out = tmp_path / "v.parquet"
    run = chipsim("evaluate", "--scenario", "us-2026-01", "--dest", "CN", "--format", "parquet", "--out", str(out))
    assert run.returncode == 0, run.stderr
    import pandas as pd

    assert len(pd.read_parquet(out)) >= 55


def test_evaluate_as_of_picks_rules_in_force():
    run = chipsim("evaluate", "--as-of", "2023-06-01", "--chip", "nvidia-a800-sxm", "--dest", "CN", "--format", "csv")
    assert run.returncode == 0 and ",allowed," in run.stdout and "us-2022-10" in run.stdout


def test_set_overrides_a_parameter():
    run = chipsim("evaluate", "--scenario", "us-2023-11", "--chip", "nvidia-h20", "--dest", "CN", "--set",
                  "3A090.b.1.tpp=2000", "--format", "csv")
    assert run.returncode == 0 and "3A090.b" in run.stdout


def test_explain_diff_timeline_scenarios():
    ex = chipsim("explain", "nvidia-h20", "--dest", "CN", "--scenario", "us-2023-11")
    assert ex.returncode == 0 and "TPP = 2,368" in ex.stdout and "15 CFR 774" in ex.stdout
    d = chipsim("diff", "--from", "us-2022-10", "--to", "us-2023-11", "--dest", "CN")
    assert d.returncode == 0 and "nvidia-a800-sxm" in d.stdout and "allowed" in d.stdout
    t = chipsim("timeline", "nvidia-h20", "--dest", "CN", "--format", "csv")
    assert t.returncode == 0 and t.stdout.startswith("date,scenario")
    s = chipsim("scenarios", "--format", "csv")
    for pid in ("us-2022-10", "us-2023-11", "us-2024-12", "us-2025-01-aid", "us-2025-04-h20", "us-2026-01"):
        assert pid in s.stdout
    show = chipsim("scenario", "show", "us-2023-11")
    assert show.returncode == 0 and "3A090.a.1.tpp" in show.stdout and "TPP/mm²" in show.stdout


@pytest.mark.parametrize("args, needle", [
    (("evaluate", "--scenario", "us-2023-11", "--chip", "nvidia-h2O"), "unknown chip 'nvidia-h2O'; did you mean: nvidia-h20"),
    (("evaluate", "--scenario", "us-2023-11", "--dest", "XX"), "unknown destination"),
    (("evaluate", "--scenario", "us-2023-12"), "did you mean"),
    (("evaluate", "--scenario", "us-2023-11", "--set", "3A090.a.1.tp=4000"), "3A090.a.1.tpp"),
    (("evaluate", "--scenario", "us-2023-11", "--set", "3A090.a.1.tpp"), "NAME=VALUE"),
    (("evaluate", "--scenario", "us-2023-11", "--set", "3A090.a.1.tpp=lots"), "needs a number"),
    (("evaluate", "--as-of", "2023-02-30"), "not a date"),
    (("evaluate", "--as-of", "2021-01-01"), "no chip export rule"),
    (("explain", "nvidia-h20", "--dest", "ZZ", "--scenario", "us-2023-11"), "unknown destination"),
    (("timeline", "nope", "--dest", "CN"), "unknown chip"),
    (("chips", "--chips", "/nonexistent.csv"), "readable file"),
])
def test_user_errors_exit_2_with_one_clear_message(args, needle):
    run = chipsim(*args)
    assert run.returncode == 2
    assert needle in run.stderr
    assert "Traceback" not in run.stderr


def test_malformed_scenario_file_names_its_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nextends = "us-2023-11"\n[parameters]\n"3A090.a.1.tpp" = = 4000\n')
    run = chipsim("evaluate", "--scenario", str(bad))
    assert run.returncode == 2 and f"{bad}:4" in run.stderr and "Traceback" not in run.stderr
    bad.write_text('id = "x"\nextends = "us-2023-11"\n[parameters]\n"3A090.a.1.tppp" = 4000\n')
    run = chipsim("evaluate", "--scenario", str(bad))
    assert run.returncode == 2 and "3A090.a.1.tpp" in run.stderr
    bad.write_text('id = "x"\nextends = "us-2023-11"\n[[chains.ac]]\nid = "r"\nwhen = { dest_in = "nowhere" }\noutcome = "allowed"\ncitation = "c"\n')
    run = chipsim("evaluate", "--scenario", str(bad))
    assert run.returncode == 2 and "destination set" in run.stderr


def test_downloaded_overlay_is_a_scenario_the_cli_accepts(tmp_path):
    from sim.rules.scenario import load_scenario, overlay_toml

    f = tmp_path / "edited.toml"
    f.write_text(overlay_toml(load_scenario("us-2023-11"), {"3A090.a.1.tpp": 2300}, sid="mine"))
    run = chipsim("evaluate", "--scenario", str(f), "--chip", "nvidia-h20", "--dest", "CN", "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert ",denied," in run.stdout and "mine" in run.stdout


def test_csv_output_neutralises_formulas(tmp_path):
    from conftest import chip_csv

    table = tmp_path / "t.csv"
    table.write_text(chip_csv({"name": "=HYPERLINK(\"http://evil\")", "notes": "+1+2", "fp8_tflops": 1}))
    run = chipsim("chips", "--chips", str(table), "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert "'=HYPERLINK" in run.stdout and "'+1+2" in run.stdout
    assert ",=HYPERLINK" not in run.stdout


def test_overlay_cycles_are_a_clear_error(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(f'id = "a"\nextends = "{b}"\n')
    b.write_text(f'id = "b"\nextends = "{a}"\n')
    run = chipsim("evaluate", "--scenario", str(a))
    assert run.returncode == 2 and "extends itself" in run.stderr and "Traceback" not in run.stderr


def test_overlay_of_an_overlay_keeps_the_preset_value(tmp_path):
    from sim.rules.scenario import load_scenario

    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('id = "a"\nextends = "us-2023-11"\n[parameters]\n"3A090.a.1.tpp" = 4000\n')
    b.write_text(f'id = "b"\nextends = "{a}"\n[parameters]\n"3A090.a.1.tpp" = 3000\n"3A090.a.2.pd" = 5\n')
    p = load_scenario(b).parameters
    assert (p["3A090.a.1.tpp"].value, p["3A090.a.1.tpp"].preset_value) == (3000, 4800)
    assert (p["3A090.a.2.pd"].value, p["3A090.a.2.pd"].preset_value) == (5, 5.92)
    assert load_scenario(b).edits == {"3A090.a.1.tpp": 3000, "3A090.a.2.pd": 5}
