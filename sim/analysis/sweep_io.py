"""Sweep results written as they are computed, so memory stays at one chunk whatever the grid size.

The evaluation is cheap (the grouping in sim.analysis.sweep leaves a few thousand distinct points); what is
large is the output. Here rows are produced a chunk at a time from the plan's class outcomes and go
straight to the writer:

- ``FILE.parquet``: one Parquet file, one row group per chunk;
- ``DIR/``: a Hive-partitioned Parquet dataset (``DIR/destination=CN/part-0.parquet``, or one
  directory per value of a swept parameter) that DuckDB, Polars, pandas and Spark read directly;
- ``FILE.csv`` (any other name) or standard output: CSV;
- summary ``classes``: ``DIR/`` with ``classes.parquet`` (each distinct evaluated point with its
  outcome counts per destination) and ``index.parquet`` (the class of every swept value, or of every
  point in a zip sweep) — a few MB for a 10^8-point grid. ``_sweep.json`` there says how to join them.

Files are written under a temporary name beside the target and renamed when complete: an
interrupted sweep (Ctrl-C, a full disk) leaves nothing under the final name, and a file already
there is replaced only by a complete one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ChipsimError
from .sweep import OUTCOME_ORDER, SweepPlan

CHUNK_ROWS = 1 << 20  # rows per chunk and per Parquet row group
SUMMARIES = ("counts", "pairs", "classes")
MARKER = "_sweep.json"  # written in every directory chipsim makes, so a re-run may replace it


def _pa():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a declared dependency
        raise ChipsimError("writing sweeps needs pyarrow (pip install pyarrow)") from None
    return pa, pq


# ---------------------------------------------------------------------------------------------
# rows, a chunk at a time

class SweepRows:
    """Builds the rows of a counts or pairs sweep for any set of points and destinations.

    Columns and order are those of sim.analysis.sweep.sweep(): the swept parameters, then (pairs) chip_id,
    destination, then the five outcome counts (counts) or the outcome (pairs); rows run point by
    point, then chip, then destination.
    """

    def __init__(self, plan: SweepPlan, summary: str = "counts"):
        if summary not in ("counts", "pairs"):
            raise ChipsimError(f"summary must be 'counts' or 'pairs' for rows, not {summary!r}")
        pa, _ = _pa()
        self.pa, self.plan, self.summary = pa, plan, summary
        prep = plan.prep
        self.dest_class = np.asarray(prep.inverse)
        self.n_dest, self.n_chips = len(prep.codes), len(prep.chip_ids)
        self.dest_dict = pa.array([str(c) for c in prep.codes], type=pa.string())
        self.chip_dict = pa.array([str(c) for c in prep.chip_ids], type=pa.string())
        self.outcome_dict = pa.array(list(OUTCOME_ORDER), type=pa.string())
        if summary == "counts":
            counts = np.stack([(plan.outcomes == k).sum(axis=1, dtype=np.int32) for k in range(5)])  # (5, U, D')
            # per outcome, a (class x destination) table: a chunk's rows are whole rows of it
            self.by_dest = [np.ascontiguousarray(counts[k][:, self.dest_class]) for k in range(5)]
        fields = [pa.field(n, pa.float64()) for n in plan.names]
        if summary == "pairs":
            fields.append(pa.field("chip_id", pa.dictionary(pa.int32(), pa.string())))
        fields.append(pa.field("destination", pa.dictionary(pa.int16(), pa.string())))
        if summary == "counts":
            fields += [pa.field(w, pa.int32()) for w in OUTCOME_ORDER]
        else:
            fields.append(pa.field("outcome", pa.dictionary(pa.int8(), pa.string())))
        self.schema = pa.schema(fields)

    def rows_per_point(self, n_dest: int | None = None) -> int:
        m = self.n_dest if n_dest is None else n_dest
        return m * (self.n_chips if self.summary == "pairs" else 1)

    @property
    def total_rows(self) -> int:
        return self.plan.n_points * self.rows_per_point()

    def schema_without(self, drop: str | None):
        return self.schema if drop is None else self.schema.remove(self.schema.get_field_index(drop))

    def batch(self, values: list, cls: np.ndarray, dests: np.ndarray | None = None, drop: str | None = None):
        """The rows of these points (values per parameter, class of each) for destinations `dests`
        (indices; None = all) as a pyarrow RecordBatch; `drop` leaves out one column (a partition key)."""
        pa = self.pa
        p = len(cls)
        m = self.n_dest if dests is None else len(dests)
        cols = {}
        if self.summary == "counts":
            reps = m
            for name, v in zip(self.plan.names, values):
                cols[name] = pa.array(np.repeat(v, reps) if reps > 1 else v)
            dest_idx = np.tile(np.arange(m, dtype=np.int16) if dests is None else dests.astype(np.int16), p)
            cols["destination"] = pa.DictionaryArray.from_arrays(pa.array(dest_idx), self.dest_dict)
            for k, word in enumerate(OUTCOME_ORDER):
                table = self.by_dest[k] if dests is None else self.by_dest[k][:, dests]
                cols[word] = pa.array(np.take(table, cls, axis=0).reshape(-1))
        else:
            n = self.n_chips
            reps = n * m
            for name, v in zip(self.plan.names, values):
                cols[name] = pa.array(np.repeat(v, reps))
            chips = np.tile(np.repeat(np.arange(n, dtype=np.int32), m), p)
            cols["chip_id"] = pa.DictionaryArray.from_arrays(pa.array(chips), self.chip_dict)
            dest_idx = np.tile(np.arange(m, dtype=np.int16) if dests is None else dests.astype(np.int16), p * n)
            cols["destination"] = pa.DictionaryArray.from_arrays(pa.array(dest_idx), self.dest_dict)
            classes = self.dest_class if dests is None else self.dest_class[dests]
            words = self.plan.outcomes[cls][:, :, classes].astype(np.int8).reshape(-1)
            cols["outcome"] = pa.DictionaryArray.from_arrays(pa.array(words), self.outcome_dict)
        schema = self.schema_without(drop)
        return pa.RecordBatch.from_arrays([cols[f.name] for f in schema], schema=schema)

    def chunks(self, chunk_rows: int = CHUNK_ROWS, *, dests: np.ndarray | None = None, lead: int | None = None,
               start: int = 0, stop: int | None = None, drop: str | None = None):
        """RecordBatches of about chunk_rows rows over points start..stop (all by default)."""
        stop = self.plan.n_points if stop is None else stop
        step = max(1, chunk_rows // self.rows_per_point(None if dests is None else len(dests)))
        for a in range(start, stop, step):
            values, cls = self.plan.points(a, min(a + step, stop), lead)
            yield self.batch(values, cls, dests, drop)


def iter_sweep(plan: SweepPlan, summary: str = "counts", chunk_rows: int = CHUNK_ROWS):
    """The sweep's rows as pandas DataFrames of about chunk_rows rows each, in sweep() order."""
    rows = SweepRows(plan, summary)
    for b in rows.chunks(chunk_rows):
        frame = b.to_pandas()
        if summary == "pairs":
            frame["chip_id"] = frame["chip_id"].astype(str)
        yield frame


# ---------------------------------------------------------------------------------------------
# writing under a temporary name

_PART = re.compile(r"^part-\d+\.parquet$")
_CHIPSIM_FILES = {MARKER, "classes.parquet", "index.parquet"}


def _made_by_chipsim(path: Path) -> bool:
    """Is this directory one chipsim wrote (marker present, nothing else of the user's in it)?"""
    if not (path / MARKER).is_file():
        return False
    for entry in path.iterdir():
        if entry.is_file() and entry.name in _CHIPSIM_FILES:
            continue
        if entry.is_dir() and "=" in entry.name and all(_PART.match(f.name) and f.is_file() for f in entry.iterdir()):
            continue
        return False
    return True


class Staged:
    """A file or directory written under a hidden temporary name beside `final` and renamed at the end.

    Checked on entry, before any work: the parent exists and nothing of the user's would be lost.
    On any exception (KeyboardInterrupt included) the temporary is removed and `final` untouched.
    """

    def __init__(self, final, is_dir: bool):
        self.final = Path(final)
        self.is_dir = is_dir
        parent = self.final.parent
        if not parent.is_dir():
            raise ChipsimError(f"cannot write {final}: directory {parent} does not exist")
        if self.is_dir:
            if self.final.exists() and not self.final.is_dir():
                raise ChipsimError(f"cannot write a directory at {final}: a file is there")
            if self.final.is_dir() and any(self.final.iterdir()) and not _made_by_chipsim(self.final):
                raise ChipsimError(f"{final} is a directory with other files in it; chipsim writes a sweep directory "
                                   "only where nothing would be lost: name a new or empty directory")
        elif self.final.is_dir():
            raise ChipsimError(f"{final} is a directory; end the name with '/' to write a partitioned dataset there")
        self.tmp = parent / f".{self.final.name}.partial-{os.getpid()}"
        self.cleanups = []

    def __enter__(self) -> Path:
        self._remove(self.tmp)
        if self.is_dir:
            try:
                self.tmp.mkdir()
            except OSError as exc:
                raise ChipsimError(f"cannot write {self.final}: {exc.strerror or exc}") from None
        return self.tmp

    def __exit__(self, kind, exc, tb):
        if kind is not None:
            for close in self.cleanups:
                try:
                    close()
                except Exception:  # noqa: BLE001 - already failing; the temporary goes anyway
                    pass
            self._remove(self.tmp)
            if isinstance(exc, OSError):
                raise ChipsimError(f"cannot write {self.final}: {exc.strerror or exc}; nothing was written") from None
            return False
        if self.is_dir and self.final.is_dir():
            old = self.final.parent / f".{self.final.name}.old-{os.getpid()}"
            os.replace(self.final, old)  # a previous chipsim sweep (checked on entry), or empty
            os.replace(self.tmp, self.final)
            self._remove(old)
        else:
            os.replace(self.tmp, self.final)
        return False

    @staticmethod
    def _remove(path: Path) -> None:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# progress

def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class StderrProgress:
    """`sweep [#####.....] 45%  112,000,000 of 249,000,000 rows written, 0:00:12 left` on stderr."""

    def __init__(self, total_rows: int, stream=None, every: float = 0.25):
        self.total, self.stream, self.every = max(int(total_rows), 1), stream or sys.stderr, every
        self.t0 = time.monotonic()
        self.shown = -1.0
        self.done = False

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if rows < self.total and now - self.shown < self.every:
            return
        self.shown = now
        frac = min(rows / self.total, 1.0)
        elapsed = now - self.t0
        eta = f"{_clock(elapsed / frac * (1 - frac))} left" if 0 < frac < 1 else f"in {_clock(elapsed)}" if frac >= 1 else "..."
        width = 24
        bar = "#" * int(width * frac) + "." * (width - int(width * frac))
        self.stream.write(f"\rsweep [{bar}] {frac:4.0%}  {rows:,} of {self.total:,} rows written, {eta}   ")
        if rows >= self.total and not self.done:
            self.done = True
            self.stream.write("\n")
        self.stream.flush()


# ---------------------------------------------------------------------------------------------
# the writers

def output_kind(out, summary: str = "counts") -> str:
    """What --out names: 'stdout', 'csv', 'parquet', 'dataset' (a directory) or 'classes'."""
    if summary == "classes":
        if not out or out == "-":
            raise ChipsimError("--summary classes writes a directory (classes.parquet, index.parquet): give --out DIR/")
        return "classes"
    if not out or out == "-":
        return "stdout"
    text = str(out)
    if text.endswith(("/", os.sep)) or Path(text).is_dir():
        return "dataset"
    if text.lower().endswith(".parquet"):
        return "parquet"
    return "csv"


def _partition_dir(key: str, value) -> str:
    text = repr(float(value)) if isinstance(value, (float, np.floating)) else str(value)
    return f"{key}={re.sub(r'[^A-Za-z0-9._+-]', lambda m: '%%%02X' % ord(m.group()), text)}"


def write_sweep(plan: SweepPlan, out, *, summary: str = "counts", partition_by: str | None = None, progress=None,
                chunk_rows: int = CHUNK_ROWS) -> dict:
    """Write the sweep to `out` (see output_kind) as it is computed; returns what was written.

    progress: optional callable(rows_written) called after every chunk.
    partition_by: for a directory, "destination" (default) or the name of a swept parameter.
    """
    if summary not in SUMMARIES:
        raise ChipsimError(f"summary must be one of {', '.join(SUMMARIES)}, not {summary!r}")
    kind = output_kind(out, summary)
    if partition_by is not None and kind != "dataset":
        raise ChipsimError("--partition-by needs --out DIR/ (a directory; end the name with '/')")
    if kind == "classes":
        return write_classes(plan, out)
    rows = SweepRows(plan, summary)
    info = {"path": str(out or "-"), "format": kind, "summary": summary, "rows": rows.total_rows,
            "points": plan.n_points, "evaluated_points": len(plan.outcomes), "scenario": plan.prep.scenario.id}
    written = 0

    def advance(n):
        nonlocal written
        written += n
        if progress:
            progress(written)

    if kind == "stdout":
        sys.stdout.flush()
        _write_csv(rows, sys.stdout.buffer, chunk_rows, advance)
        return info
    if kind == "csv":
        with Staged(out, is_dir=False) as tmp, open(tmp, "wb") as sink:
            _write_csv(rows, sink, chunk_rows, advance)
        return info
    pa, pq = _pa()
    meta = {b"chipsim": json.dumps({k: info[k] for k in ("scenario", "summary", "points", "evaluated_points")}
                                   | {"mode": plan.mode}).encode()}
    if kind == "parquet":
        with Staged(out, is_dir=False) as tmp:
            _write_parquet(pq, tmp, rows.schema.with_metadata(meta), rows.chunks(chunk_rows), advance)
        return info
    # a partitioned dataset
    key = partition_by or "destination"
    if key != "destination" and key not in plan.names:
        raise ChipsimError(f"--partition-by must be 'destination' or a swept parameter ({', '.join(plan.names)}), not {key!r}")
    schema = rows.schema_without(key).with_metadata(meta)
    files = 0
    with Staged(out, is_dir=True) as tmp:
        for sub, batches in _partitions(plan, rows, key, chunk_rows):
            folder = tmp / sub
            folder.mkdir(exist_ok=True)
            part = len(list(folder.iterdir()))
            _write_parquet(pq, folder / f"part-{part}.parquet", schema, batches, advance)
            files += 1
        (tmp / MARKER).write_text(json.dumps({**info, "partition_by": key, "files": files}, indent=1) + "\n")
    info.update(partition_by=key, files=files)
    return info


def _partitions(plan: SweepPlan, rows: SweepRows, key: str, chunk_rows: int):
    """(directory name, its batches) for each partition, every partition's rows in sweep order."""
    if key == "destination":
        for d, code in enumerate(plan.prep.codes):
            yield _partition_dir("destination", code), rows.chunks(chunk_rows, dests=np.array([d]), drop="destination")
        return
    axis = plan.names.index(key)
    values = plan.values[axis]
    if plan.mode == "grid":
        inner = plan.n_points // len(values)
        for i, v in enumerate(values):
            yield _partition_dir(key, v), rows.chunks(chunk_rows, lead=axis, start=i * inner, stop=(i + 1) * inner, drop=key)
    else:
        ordered = np.sort(values, kind="stable")
        cuts = np.flatnonzero(np.diff(ordered)) + 1
        bounds = np.concatenate([[0], cuts, [len(ordered)]])
        for a, b in zip(bounds[:-1], bounds[1:]):
            yield _partition_dir(key, ordered[a]), rows.chunks(chunk_rows, lead=axis, start=int(a), stop=int(b), drop=key)


def _write_parquet(pq, path, schema, batches, advance) -> None:
    writer = pq.ParquetWriter(str(path), schema)
    try:
        for b in batches:
            writer.write_batch(b, row_group_size=b.num_rows)
            advance(b.num_rows)
    finally:
        writer.close()


def _write_csv(rows: SweepRows, sink, chunk_rows: int, advance) -> None:
    import pyarrow.csv as pcsv

    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(rows.schema.names)
    sink.write(head.getvalue().encode("utf-8"))
    # values are numbers, ISO codes, chip ids (letters, digits, '.', '-') and outcome words: nothing to quote
    options = pcsv.WriteOptions(include_header=False, quoting_style="none")
    writer = pcsv.CSVWriter(sink, rows.schema, write_options=options)
    try:
        for b in rows.chunks(chunk_rows):
            writer.write_batch(b)
            advance(b.num_rows)
    finally:
        writer.close()


# ---------------------------------------------------------------------------------------------
# the compact form: distinct evaluated points and a point-to-class index

def class_tables(plan: SweepPlan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(classes, index) of the compact form.

    classes: one row per evaluated point ("class") and destination: `class`, each parameter's
    evaluated value, each parameter's group as `NAME:group`, `destination` and the five counts.
    index, grid: one row per swept value: `parameter`, `position` (along its axis), `value`, `group`;
    a grid point belongs to the class whose `NAME:group` columns equal its values' groups.
    index, zip: one row per point: `point`, each parameter's value, `class`.
    """
    prep = plan.prep
    n_cls, n_dest = len(plan.outcomes), len(prep.codes)
    counts = np.stack([(plan.outcomes == k).sum(axis=1, dtype=np.int32) for k in range(5)])[:, :, prep.inverse]  # (5,U,M)
    classes = {"class": np.repeat(np.arange(n_cls, dtype=np.int32), n_dest)}
    for i, name in enumerate(plan.names):
        classes[name] = np.repeat(plan.class_values[i], n_dest)
    for i, name in enumerate(plan.names):
        classes[f"{name}:group"] = np.repeat(plan.class_groups[:, i].astype(np.int32), n_dest)
    classes["destination"] = pd.Categorical.from_codes(np.tile(np.arange(n_dest, dtype=np.int16), n_cls),
                                                       categories=[str(c) for c in prep.codes])
    for k, word in enumerate(OUTCOME_ORDER):
        classes[word] = counts[k].reshape(-1)
    classes = pd.DataFrame(classes)
    if plan.mode == "grid":
        index = pd.DataFrame({
            "parameter": pd.Categorical(np.concatenate([[n] * len(v) for n, v in zip(plan.names, plan.values)]),
                                        categories=plan.names),
            "position": np.concatenate([np.arange(len(v), dtype=np.int64) for v in plan.values]),
            "value": np.concatenate(plan.values),
            "group": np.concatenate(plan.groups).astype(np.int32)})
    else:
        index = pd.DataFrame({"point": np.arange(plan.n_points, dtype=np.int64),
                              **dict(zip(plan.names, plan.values)), "class": plan.zip_class.astype(np.int32)})
    return classes, index


def join_sql(plan_names: list[str], mode: str, path: str = "DIR") -> str:
    """The DuckDB query that expands the compact form back to one row per point and destination."""
    q = '"{}"'.format
    if mode == "zip":
        cols = ", ".join(f"i.{q(n)}" for n in plan_names)
        return (f"SELECT {cols}, c.destination, c.allowed, c.exception, c.license, c.denied, c.indeterminate "
                f"FROM '{path}/index.parquet' i JOIN '{path}/classes.parquet' c ON c.class = i.class "
                f"ORDER BY i.point, c.destination")
    alias = [f"a{i}" for i in range(len(plan_names))]
    cols = ", ".join(f"{a}.value AS {q(n)}" for a, n in zip(alias, plan_names))
    froms = ", ".join(f"'{path}/index.parquet' {a}" for a in alias)
    where = " AND ".join(f"{a}.parameter = '{n}' AND c.{q(n + ':group')} = {a}.\"group\"" for a, n in zip(alias, plan_names))
    order = ", ".join(f"{a}.position" for a in alias)
    return (f"SELECT {cols}, c.destination, c.allowed, c.exception, c.license, c.denied, c.indeterminate "
            f"FROM {froms}, '{path}/classes.parquet' c WHERE {where} ORDER BY {order}, c.destination")


def write_classes(plan: SweepPlan, out) -> dict:
    """Write the compact form to directory `out` (classes.parquet, index.parquet, _sweep.json)."""
    classes, index = class_tables(plan)
    info = {"path": str(out), "format": "classes", "summary": "classes", "scenario": plan.prep.scenario.id,
            "mode": plan.mode, "parameters": plan.names, "points": plan.n_points, "evaluated_points": len(plan.outcomes),
            "destinations": len(plan.prep.codes), "rows": len(classes) + len(index),
            "full_rows": plan.n_points * len(plan.prep.codes)}
    with Staged(out, is_dir=True) as tmp:
        classes.to_parquet(tmp / "classes.parquet", index=False)
        index.to_parquet(tmp / "index.parquet", index=False)
        how = ("each grid point's value on each parameter has a group in index.parquet; the point's outcome counts "
               "are the classes.parquet rows whose NAME:group columns equal those groups") if plan.mode == "grid" else \
            "index.parquet gives each point's class; classes.parquet holds each class's counts per destination"
        (tmp / MARKER).write_text(json.dumps({**info, "join": how, "duckdb": join_sql(plan.names, plan.mode, str(out).rstrip("/"))},
                                             indent=1) + "\n")
    info["bytes"] = sum(f.stat().st_size for f in Path(out).iterdir())
    return info


def expand_classes(directory) -> pd.DataFrame:
    """The full counts table (one row per point and destination, in sweep() order) from the compact form."""
    directory = Path(directory)
    try:
        meta = json.loads((directory / MARKER).read_text())
        classes = pd.read_parquet(directory / "classes.parquet")
        index = pd.read_parquet(directory / "index.parquet")
    except (OSError, ValueError) as exc:
        raise ChipsimError(f"{directory} is not a chipsim compact sweep ({exc})") from None
    names = meta["parameters"]
    dests = list(classes["destination"].cat.categories)
    n_cls, n_dest = int(classes["class"].max()) + 1, len(dests)
    table = np.zeros((n_cls, n_dest, 5), dtype=np.int32)
    d = classes["destination"].cat.codes.to_numpy()
    table[classes["class"].to_numpy(), d] = classes[list(OUTCOME_ORDER)].to_numpy()
    if meta["mode"] == "grid":
        axes = [index[index["parameter"] == n].sort_values("position") for n in names]
        lookup = classes.drop_duplicates("class").set_index([f"{n}:group" for n in names])["class"]
        mesh = np.meshgrid(*[a["group"].to_numpy() for a in axes], indexing="ij")
        keys = pd.MultiIndex.from_arrays([g.reshape(-1) for g in mesh]) if len(names) > 1 else mesh[0].reshape(-1)
        cls = lookup.reindex(keys).to_numpy()
        values = [np.broadcast_to(v.reshape([-1 if j == i else 1 for j in range(len(names))]), mesh[0].shape).reshape(-1)
                  for i, v in enumerate(a["value"].to_numpy() for a in axes)]
    else:
        index = index.sort_values("point")
        cls = index["class"].to_numpy()
        values = [index[n].to_numpy() for n in names]
    out = {n: np.repeat(v, n_dest) for n, v in zip(names, values)}
    out["destination"] = pd.Categorical.from_codes(np.tile(np.arange(n_dest), len(cls)), categories=dests)
    rows = table[cls]  # (P, M, 5)
    for k, word in enumerate(OUTCOME_ORDER):
        out[word] = rows[:, :, k].reshape(-1)
    return pd.DataFrame(out)
