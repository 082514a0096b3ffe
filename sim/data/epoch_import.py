"""Convert Epoch AI's "Data on Machine Learning Hardware" CSV into chipsim's schema, traceably.

Epoch gives FLOP/s and bytes; chipsim wants TFLOPS and GB. Every converted value is recorded in
the row's notes ("fp8_tflops <- 'FP8 performance (FLOP/s)' 1.979e+15 / 1e12"), so a reader can
check each cell against the source. Fields chipsim needs but Epoch lacks (datacenter flag,
segment) are inferred from the name and the inference is named in the notes; confidence is
"secondary" at best, since Epoch is a compilation and some of its figures include sparsity.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from ..errors import Problem, ValidationError
from .chips import _decode
from .schema import COLUMNS

EPOCH_CITATION = "Epoch AI, Data on Machine Learning Hardware (CC-BY 4.0), https://epoch.ai/data/machine-learning-hardware"

# chipsim column <- (Epoch column, divisor to chipsim's unit)
EPOCH_FIELDS: dict[str, tuple[str, float]] = {
    "fp64_tflops": ("FP64 (double precision) performance (FLOP/s)", 1e12),
    "fp32_tflops": ("FP32 (single precision) performance (FLOP/s)", 1e12),
    "tf32_tflops": ("TF32 (TensorFloat-32) performance (FLOP/s)", 1e12),
    "fp16_bf16_tflops": ("Tensor-FP16/BF16 performance (FLOP/s)", 1e12),
    "fp8_tflops": ("FP8 performance (FLOP/s)", 1e12),
    "int8_tops": ("INT8 performance (OP/s)", 1e12),
    "fp4_tflops": ("FP4 performance (FLOP/s)", 1e12),
    "int4_tops": ("INT4 performance (OP/s)", 1e12),
    "die_area_mm2": ("Die Size (mm^2)", 1.0),
    "memory_gb": ("Memory (bytes)", 1e9),
    "dram_bw_gbps": ("Memory bandwidth (byte/s)", 1e9),
    "tdp_w": ("TDP (W)", 1.0),
}
REQUIRED_EPOCH_COLUMNS = ("Hardware name", "Manufacturer", "Release date")

_CONSUMER = re.compile(r"geforce|radeon rx|titan|gtx", re.IGNORECASE)
_WORKSTATION = re.compile(r"quadro|rtx a\d|rtx \d000|rtx pro|radeon pro", re.IGNORECASE)


def _slug(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9.]+", "-", text.lower())).strip("-.") or "chip"


def _segment(name: str) -> str:
    if _CONSUMER.search(name):
        return "consumer"
    if _WORKSTATION.search(name):
        return "workstation"
    return "datacenter"


def convert_epoch(data: bytes | str, name: str = "<epoch csv>") -> pd.DataFrame:
    """Rows of chipsim's schema (as text) from Epoch's CSV; raise ValidationError on a bad file."""
    text = _decode(data, name)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise ValidationError([Problem(name, f"a CSV in Epoch AI's hardware format ({exc})")]) from None
    missing = [c for c in REQUIRED_EPOCH_COLUMNS if c not in frame]
    if missing:
        raise ValidationError([Problem(name, "this column of Epoch's format", line=1, column=c) for c in missing])
    out = pd.DataFrame({c.name: [""] * len(frame) for c in COLUMNS})
    trace = [[] for _ in range(len(frame))]
    for ours, (theirs, divisor) in EPOCH_FIELDS.items():
        if theirs not in frame:
            continue
        values = pd.to_numeric(frame[theirs].str.strip(), errors="coerce")
        converted = values / divisor
        usable = values.notna() & (values >= 0)
        out[ours] = [f"{v:.6g}" if ok else "" for v, ok in zip(converted, usable)]
        for i in usable.to_numpy().nonzero()[0]:
            trace[i].append(f"{ours} <- '{theirs}' {values.iat[i]:.4g}" + (f" / {divisor:g}" if divisor != 1 else ""))
    names = frame["Hardware name"].str.strip()
    vendors = frame["Manufacturer"].str.strip()
    vendors = vendors.where(vendors != "", names.str.split().str[0].fillna("unknown"))
    slugs = [_slug(n) for n in names]
    seen: dict[str, int] = {}
    for i, s in enumerate(slugs):
        seen[s] = seen.get(s, 0) + 1
        if seen[s] > 1:
            slugs[i] = f"{s}-{seen[s]}"
    out["chip_id"] = slugs
    out["vendor"] = vendors
    out["name"] = names.where(names != "", "unnamed")
    release = frame["Release date"].str.extract(r"^(\d{4}-\d{2})")[0].fillna("")
    out["release"] = release
    segments = [_segment(n) for n in names]
    out["segment"] = segments
    out["datacenter"] = ["true" if s == "datacenter" else "false" for s in segments]
    process = pd.to_numeric(frame.get("Process size (nm)", pd.Series("", index=frame.index)), errors="coerce")
    out["process_node"] = [f"{p:g} nm" if pd.notna(p) else "" for p in process]
    has_area = out["die_area_mm2"] != ""
    out["die_area_estimate"] = ["true" if a else "" for a in has_area]
    # FinFET arrived at 16/14 nm at every foundry; below that a logic node is non-planar.
    out["non_planar"] = ["true" if (pd.notna(p) and p <= 16) else ("false" if pd.notna(p) else "") for p in process]
    links = frame.get("Link to datasheet", pd.Series("", index=frame.index)).str.strip()
    out["sources"] = [f"{EPOCH_CITATION} row '{n}'" + (f" ; {l}" if l else "") for n, l in zip(names, links)]
    out["confidence"] = "secondary"
    epoch_notes = frame.get("Notes", pd.Series("", index=frame.index)).str.strip()
    notes = []
    for i in range(len(frame)):
        parts = ["Imported from Epoch AI; figures may include sparsity, check the datasheet",
                 f"segment/datacenter inferred from the name ({segments[i]})"]
        if has_area.iat[i]:
            parts.append("die area is Epoch's, often one die of a multi-die package")
        if pd.notna(process.iat[i]):
            parts.append(f"non_planar inferred from process {process.iat[i]:g} nm")
        elif has_area.iat[i]:
            parts.append("process unknown, so non_planar is empty and PD unknown until it is set")
        parts += trace[i]
        if epoch_notes.iat[i]:
            parts.append("Epoch note: " + epoch_notes.iat[i].replace("\n", " "))
        notes.append("; ".join(parts))
    out["notes"] = notes
    return out
