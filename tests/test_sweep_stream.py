"""Streamed sweep output and the compact class form: the same rows as the in-memory sweep, in bounded memory,
and never a half-written file under the final name."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.analysis.sweep import plan_sweep, prepare, sweep
from sim.analysis.sweep_io import CHUNK_ROWS, StderrProgress, SweepRows, expand_classes, iter_sweep, write_sweep
from sim.errors import ChipsimError

DESTS = ["CN", "SA", "FR", "RU", "AE"]
A, B = "3A090.a.1.tpp", "3A090.a.2.pd"
GRID = {A: np.linspace(1000, 9000, 37), B: np.linspace(1.0, 8.0, 23)}
ZIP = {A: np.resize(np.linspace(1000, 9000, 37), 60), B: np.resize(np.linspace(8.0, 1.0, 23), 60)}


@pytest.fixture(scope="module")
def prep():
    return prepare("us-2023-11", destinations=DESTS)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical/text columns as str, index reset: what a row-for-row comparison needs."""
    out = frame.reset_index(drop=True).copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(str)
    return out


def same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(plain(got)[list(want.columns)], plain(want), check_dtype=False, check_exact=True)


CASES = [(s, m) for s in ("counts", "pairs") for m in ("grid", "zip")]


@pytest.mark.parametrize("summary, mode", CASES)
def test_chunks_equal_the_in_memory_sweep(prep, summary, mode):
    vary = GRID if mode == "grid" else ZIP
    want = sweep(None, vary, summary=summary, mode=mode, prepared=prep)
    plan = plan_sweep(None, vary, mode=mode, prepared=prep)
    chunks = list(iter_sweep(plan, summary, chunk_rows=60))  # many chunks; pairs: one point each
    assert len(chunks) > 3 and all(len(c) <= max(60, SweepRows(plan, summary).rows_per_point()) for c in chunks)
    same_rows(pd.concat(chunks, ignore_index=True), want)


@pytest.mark.parametrize("summary, mode", CASES)
def test_parquet_and_csv_files_equal_the_in_memory_sweep(prep, tmp_path, summary, mode):
    vary = GRID if mode == "grid" else ZIP
    want = sweep(None, vary, summary=summary, mode=mode, prepared=prep)
    plan = plan_sweep(None, vary, mode=mode, prepared=prep)
    info = write_sweep(plan, tmp_path / "s.parquet", summary=summary, chunk_rows=100)
    meta = pq.ParquetFile(tmp_path / "s.parquet").metadata
    assert info["rows"] == meta.num_rows == len(want) and meta.num_row_groups > 1
    same_rows(pd.read_parquet(tmp_path / "s.parquet"), want)
    write_sweep(plan, tmp_path / "s.csv", summary=summary, chunk_rows=100)
    same_rows(pd.read_csv(tmp_path / "s.csv"), want)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv", "s.parquet"]  # no temporaries left


@pytest.mark.parametrize("mode", ["grid", "zip"])
@pytest.mark.parametrize("key", ["destination", A])
def test_partitioned_dataset_holds_every_row(prep, tmp_path, mode, key):
    vary = GRID if mode == "grid" else ZIP
    want = sweep(None, vary, mode=mode, prepared=prep)
    plan = plan_sweep(None, vary, mode=mode, prepared=prep)
    info = write_sweep(plan, str(tmp_path / "ds") + "/", partition_by=key, chunk_rows=300)
    got = pd.read_parquet(tmp_path / "ds")
    got[key] = got[key].astype(str).astype(float) if key == A else got[key]
    assert info["files"] == (len(DESTS) if key == "destination" else len(np.unique(vary[A])))
    cols = list(want.columns)
    order = [A, B, "destination"]
    same_rows(plain(got)[cols].sort_values(order, kind="stable"), plain(want).sort_values(order, kind="stable"))
    assert json.loads((tmp_path / "ds" / "_sweep.json").read_text())["rows"] == len(want)


@pytest.mark.parametrize("mode", ["grid", "zip"])
def test_compact_form_expands_to_the_in_memory_sweep(prep, tmp_path, mode):
    vary = GRID if mode == "grid" else ZIP
    want = sweep(None, vary, mode=mode, prepared=prep)
    plan = plan_sweep(None, vary, mode=mode, prepared=prep)
    write_sweep(plan, tmp_path / "c", summary="classes")
    same_rows(expand_classes(tmp_path / "c"), want)
    # the join as the README and _sweep.json describe it, done with pandas
    classes = pd.read_parquet(tmp_path / "c" / "classes.parquet")
    index = pd.read_parquet(tmp_path / "c" / "index.parquet")
    if mode == "grid":
        a = index[index["parameter"] == A].rename(columns={"value": A, "group": f"{A}:group", "position": "pa"})
        b = index[index["parameter"] == B].rename(columns={"value": B, "group": f"{B}:group", "position": "pb"})
        points = a[[A, f"{A}:group", "pa"]].merge(b[[B, f"{B}:group", "pb"]], how="cross")
        full = points.merge(classes.drop(columns=[A, B]), on=[f"{A}:group", f"{B}:group"])
    else:
        full = index.merge(classes.drop(columns=[A, B]), on="class")
    full["destination"] = pd.Categorical(full["destination"].astype(str), categories=plan.prep.codes)
    full = full.sort_values(["pa", "pb", "destination"] if mode == "grid" else ["point", "destination"], kind="stable")
    same_rows(full, want)


def test_compact_form_size_follows_the_classes_not_the_points(tmp_path):
    prep = prepare("us-2023-11")
    plan = plan_sweep(None, {A: np.linspace(1000, 20000, 3000), B: np.linspace(1, 10, 3000)}, prepared=prep)
    info = write_sweep(plan, tmp_path / "c", summary="classes")
    classes = pq.ParquetFile(tmp_path / "c" / "classes.parquet").metadata.num_rows
    index = pq.ParquetFile(tmp_path / "c" / "index.parquet").metadata.num_rows
    assert info["points"] == 9_000_000 and info["full_rows"] == 9_000_000 * len(prep.codes)
    assert classes == len(plan.outcomes) * len(prep.codes) and index == 6000
    assert info["bytes"] < 5_000_000


class Interrupt:
    """A progress callback that presses Ctrl-C after some rows."""

    def __init__(self, after):
        self.after = after

    def __call__(self, rows):
        if rows >= self.after:
            raise KeyboardInterrupt


@pytest.mark.parametrize("target", ["s.parquet", "s.csv", "ds/"])
def test_ctrl_c_leaves_no_half_written_file_and_keeps_the_old_one(prep, tmp_path, target):
    plan = plan_sweep(None, GRID, prepared=prep)
    final = tmp_path / target.rstrip("/")
    if target.endswith("/"):
        write_sweep(plan, str(final) + "/", chunk_rows=200)  # an earlier complete run
        before = sorted(p.relative_to(final) for p in final.rglob("*"))
    else:
        final.write_text("the user's earlier result\n")
    with pytest.raises(KeyboardInterrupt):
        write_sweep(plan, str(final) + ("/" if target.endswith("/") else ""), chunk_rows=200, progress=Interrupt(400))
    assert [p.name for p in tmp_path.iterdir()] == [final.name]  # no temporary left beside it
    if target.endswith("/"):
        assert sorted(p.relative_to(final) for p in final.rglob("*")) == before
    else:
        assert final.read_text() == "the user's earlier result\n"


def test_a_directory_with_the_users_files_is_never_overwritten(prep, tmp_path):
    plan = plan_sweep(None, GRID, prepared=prep)
    mine = tmp_path / "results"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    for summary in ("counts", "classes"):
        with pytest.raises(ChipsimError, match="other files"):
            write_sweep(plan, str(mine) + "/", summary=summary)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"] and (mine / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_a_previous_sweep_directory_is_replaced_whole(prep, tmp_path):
    plan = plan_sweep(None, GRID, prepared=prep)
    write_sweep(plan, str(tmp_path / "ds") + "/", partition_by=A)
    write_sweep(plan, str(tmp_path / "ds") + "/")  # now by destination: the old partitions must be gone
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == ["_sweep.json"] + sorted(f"destination={d}" for d in DESTS)


def test_progress_reports_rows_written_and_an_eta():
    import io

    out = io.StringIO()
    show = StderrProgress(1000, stream=out, every=0)
    show(250)
    show(1000)
    text = out.getvalue()
    assert "250 of 1,000 rows written" in text and "left" in text
    assert "1,000 of 1,000 rows written" in text and text.endswith("\n")


def test_streaming_memory_stays_at_a_chunk(tmp_path):
    """10 million rows (~380 MB of row data) are streamed; the writer's growth must stay near one chunk."""
    code = f"""
import numpy as np
from sim.analysis.bench import _peak_mb
from sim.analysis.sweep import plan_sweep, prepare
from sim.analysis.sweep_io import write_sweep
plan = plan_sweep(None, {{"{A}": np.linspace(1000, 20000, 1000), "{B}": np.linspace(1, 10, 40)}}, prepared=prepare("us-2023-11"))
before = _peak_mb()
info = write_sweep(plan, {str(tmp_path / 'm.parquet')!r})
print(info["rows"], _peak_mb() - before)
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    rows, growth = run.stdout.split()
    assert int(rows) >= 10_000_000 and pq.ParquetFile(tmp_path / "m.parquet").metadata.num_rows == int(rows)
    row_bytes = int(rows) * (2 * 8 + 2 + 5 * 4)
    assert float(growth) * 1e6 < row_bytes / 3, (growth, row_bytes / 1e6)
    assert CHUNK_ROWS * (2 * 8 + 2 + 5 * 4) < row_bytes / 5  # a chunk is a small part of the whole


def chipsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=600, cwd=cwd)


def test_cli_streams_with_progress_and_reports_rows(tmp_path):
    out = tmp_path / "grid.parquet"
    run = chipsim("sweep", "--scenario", "us-2023-11", "--vary", f"{A}=1000:20000:1000", "--vary", f"{B}=1:10:4",
                  "--out", str(out))
    assert run.returncode == 0, run.stderr
    rows = pq.ParquetFile(out).metadata.num_rows
    assert rows == 4000 * len(prepare("us-2023-11").codes) >= 1_000_000
    assert f"{rows:,} of {rows:,} rows written" in run.stderr and f"wrote {rows:,} rows" in run.stderr


def test_cli_csv_on_stdout_equals_the_in_memory_sweep(prep):
    run = chipsim("sweep", "--scenario", "us-2023-11", "--vary", f"{A}=1000:9000:37", "--vary", f"{B}=1:8:23",
                  *[x for d in DESTS for x in ("--dest", d)], "--summary", "pairs")
    assert run.returncode == 0, run.stderr
    import io

    same_rows(pd.read_csv(io.StringIO(run.stdout)), sweep(None, GRID, summary="pairs", prepared=prep))


def test_cli_compact_form_and_partitions(tmp_path):
    run = chipsim("sweep", "--scenario", "us-2023-11", "--vary", f"{A}=1000:20000:1000", "--vary", f"{B}=1:10:1000",
                  "--summary", "classes", "--out", str(tmp_path / "c"))
    assert run.returncode == 0, run.stderr
    assert "1,000,000 points" in run.stderr and "classes.parquet" in run.stderr
    meta = json.loads((tmp_path / "c" / "_sweep.json").read_text())
    assert meta["points"] == 1_000_000 and "classes.parquet" in meta["duckdb"] and "index.parquet" in meta["duckdb"]
    run = chipsim("sweep", "--scenario", "us-2023-11", "--vary", f"{A}=1000:20000:5", "--dest", "CN", "--dest", "FR",
                  "--out", str(tmp_path / "by_tpp") + "/", "--partition-by", A)
    assert run.returncode == 0, run.stderr
    assert len([p for p in (tmp_path / "by_tpp").iterdir() if p.is_dir()]) == 5


@pytest.mark.parametrize("args, needle", [
    (["--summary", "classes"], "--out DIR/"),
    (["--out", "x.parquet", "--partition-by", "destination"], "--partition-by needs"),
    (["--out", "nowhere/deeper/x.parquet"], "does not exist"),
    (["--out", "d/", "--partition-by", "3A090.b.1.tpp"], "swept parameter"),
])
def test_cli_output_mistakes_are_clear(tmp_path, args, needle):
    run = chipsim("sweep", "--scenario", "us-2023-11", "--vary", f"{A}=1000:2000:3", "--dest", "CN", *args, cwd=tmp_path)
    assert run.returncode == 2 and needle in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing made


def test_in_memory_sweep_refuses_what_belongs_in_a_file(prep):
    with pytest.raises(ChipsimError, match="write it to a file"):
        sweep(None, {A: np.linspace(1000, 2000, 10_000), B: np.linspace(1, 2, 2_000)}, prepared=prep)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupted_cli_sweep_leaves_no_file(tmp_path, sig):
    """Ctrl-C (or a kill) while a long sweep is writing: no file under the final name, no temporary left."""
    import signal
    import time

    (tmp_path / "grid.parquet").write_text("an earlier result\n")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", "--scenario", "us-2023-11", "--vary", f"{A}=1000:20000:1000",
                             "--vary", f"{B}=1:10:1000", "--out", "grid.parquet"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not any(p.name.startswith(".grid.parquet.partial") for p in tmp_path.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline, "the sweep never started writing"
            time.sleep(0.05)
        time.sleep(0.3)  # some row groups written
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == (130 if sig == "SIGINT" else 128 + signal.SIGTERM), err[-2000:]
    assert "Traceback" not in err and "nothing was written to grid.parquet" in err
    assert [p.name for p in tmp_path.iterdir()] == ["grid.parquet"]
    assert (tmp_path / "grid.parquet").read_text() == "an earlier result\n"
