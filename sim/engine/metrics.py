"""The regulation's control metrics, computed for the whole table at once.

TPP (3A090 Technical Notes 1-3): the highest, over all precisions, of dense TOPS x bit length.
Performance density (Note 4): TPP / applicable die area (non-planar logic dies, HBM excluded).
Missing figures stay missing (NaN): a chip with no published die area has no PD, never PD 0.

Ranges: a figure known only approximately carries NAME_low / NAME_high (a bound alone is allowed).
Every metric then has a low and a high (`tpp_low`, `tpp_high`, `pd_low`, ...) that the engine
decides with; a point value is a range of width zero, so chips with point figures are unchanged.
A missing lower bound is 0 (no figure is negative) and a missing upper bound is unbounded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schema import THROUGHPUT_BITS, THROUGHPUT_COLUMNS
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions

RANGED_METRICS = ("tpp", "pd", "dram_bw_gbps", "io_bw_gbps", "dram_plus_io_gbps", "h100e", "interconnect_bw_gbps",
                  "dram_plus_interconnect_gbps")
METRIC_COLUMNS = ("tpp", "tpp_precision", "tpp_bits", "applicable_die_area_mm2", "pd",
                  "dram_bw_gbps", "io_bw_gbps", "dram_plus_io_gbps", "h100e", "interconnect_bw_gbps",
                  "dram_plus_interconnect_gbps") + tuple(
                      f"{m}_{end}" for m in RANGED_METRICS for end in ("low", "high"))

METRIC_UNITS = {
    "tpp": "TOPS x bit",
    "pd": "TPP/mm²",
    "dram_bw_gbps": "GB/s",
    "io_bw_gbps": "GB/s",
    "dram_plus_io_gbps": "GB/s",
    "h100e": "H100 SXM",
    "interconnect_bw_gbps": "GB/s",
    "dram_plus_interconnect_gbps": "GB/s",
}


def bit_lengths(conv: MetricConventions = DEFAULT_CONVENTIONS) -> np.ndarray:
    """Bit length per throughput column, in THROUGHPUT_COLUMNS order."""
    fixed = {"tf32_tflops": conv.tf32_bits, "fp6_tflops": conv.fp6_bits}
    return np.array([THROUGHPUT_BITS[c] or fixed[c] for c in THROUGHPUT_COLUMNS], dtype=float)


# At a tie (A100: FP16 312 x 16 = TF32 156 x 32) the precision named is the first in this order,
# so explanations cite a figure whose bit length no convention can change.
_TIE_ORDER = np.array([THROUGHPUT_COLUMNS.index(c) for c in (
    "fp8_tflops", "int8_tops", "fp16_bf16_tflops", "fp4_tflops", "int4_tops", "fp32_tflops", "fp64_tflops",
    "tf32_tflops", "fp6_tflops")])


def tpp_of(throughput: np.ndarray, bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise max of throughput x bits ignoring NaN, and the argmax column (-1 where all NaN)."""
    products = throughput * bits
    filled = np.where(np.isnan(products), -np.inf, products)
    best = _TIE_ORDER[filled[:, _TIE_ORDER].argmax(axis=1)]
    tpp = filled[np.arange(len(filled)), best]
    known = np.isfinite(tpp)
    return np.where(known, tpp, np.nan), np.where(known, best, -1)


def figure_bounds(chips: pd.DataFrame, columns) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) arrays for figure columns: the range where one is given, else the point value.

    A range with one bound gets 0 or +inf on the other side; a figure with neither point nor range
    stays NaN (unknown) on both sides.
    """
    def col(name):
        return chips[name].to_numpy(dtype=float) if name in chips else np.full(len(chips), np.nan)

    point = np.column_stack([col(c) for c in columns]) if columns else np.empty((len(chips), 0))
    low_in = np.column_stack([col(f"{c}_low") for c in columns]) if columns else point
    high_in = np.column_stack([col(f"{c}_high") for c in columns]) if columns else point
    ranged = ~np.isnan(low_in) | ~np.isnan(high_in)
    low = np.where(ranged, np.where(np.isnan(low_in), 0.0, low_in), point)
    high = np.where(ranged, np.where(np.isnan(high_in), np.inf, high_in), point)
    return low, high


def _tpp_bound(throughput: np.ndarray, bits: np.ndarray) -> np.ndarray:
    products = throughput * bits
    return np.where(np.isnan(products).all(axis=1), np.nan, np.nanmax(np.where(np.isnan(products), -np.inf, products), axis=1))


def compute_metrics(chips: pd.DataFrame, conv: MetricConventions = DEFAULT_CONVENTIONS) -> pd.DataFrame:
    """One row per chip (same index) with the metrics every rule reads, each with its low and high."""
    bits = bit_lengths(conv)
    tpp, best = tpp_of(chips[list(THROUGHPUT_COLUMNS)].to_numpy(dtype=float), bits)
    scale = chips["units_per_package"].to_numpy(dtype=float) if conv.count_per == "package" else 1.0
    tpp = tpp * scale
    t_low, t_high = figure_bounds(chips, list(THROUGHPUT_COLUMNS))
    tpp_low, tpp_high = _tpp_bound(t_low, bits) * scale, _tpp_bound(t_high, bits) * scale
    non_planar = chips["non_planar"].fillna(False).to_numpy(dtype=bool)
    area = chips["die_area_mm2"].to_numpy(dtype=float) * scale
    (a_low,), (a_high,) = (b.T for b in figure_bounds(chips, ["die_area_mm2"]))
    # Only non-planar logic counts (Note 4). A chip known to be all-planar has no applicable area, and
    # the regulation does not say what PD is then; where non_planar is not stated, the applicable area
    # is not known either. Both leave PD unknown (verdicts that need it are indeterminate).
    area = np.where(non_planar & (area > 0), area, np.nan)
    a_low = np.where(non_planar, a_low * scale, np.nan)
    a_high = np.where(non_planar & (a_high > 0), a_high * scale, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        pd_low = tpp_low / a_high
        pd_high = np.where(a_low > 0, tpp_high / a_low, np.where(np.isnan(a_low) | np.isnan(tpp_high), np.nan, np.inf))
    (d_low, i_low), (d_high, i_high) = (b.T * scale for b in figure_bounds(chips, ["dram_bw_gbps", "io_bw_gbps"]))
    dram = chips["dram_bw_gbps"].to_numpy(dtype=float) * scale
    io = chips["io_bw_gbps"].to_numpy(dtype=float) * scale
    # a bill's "interconnect bandwidth" (SAFE Chips Act): by default the chip-to-chip links without the host
    # interface (the H20's NVLink 900, not 1,028 with its PCIe link); "all-io" reads it as the whole I/O figure
    host = chips["host_link_gbps"].to_numpy(dtype=float) * scale if "host_link_gbps" in chips else np.full(len(chips), np.nan)
    if conv.interconnect == "all-io":
        host = np.zeros(len(chips))
    # an unknown host link leaves the interconnect between 0 and the whole I/O figure: a range the engine
    # decides with wherever the threshold lies outside it (a PCIe card's 64 GB/s is surely below 1,100)
    ic, ic_low, ic_high = io - host, i_low - np.where(np.isnan(host), i_low, host), i_high - np.nan_to_num(host)
    names = np.array(THROUGHPUT_COLUMNS + ("",), dtype=object)
    out = pd.DataFrame(
        {
            "tpp": tpp,
            "tpp_precision": names[best],
            "tpp_bits": np.where(best >= 0, bits[best], np.nan),
            "applicable_die_area_mm2": area,
            "pd": tpp / area,
            "dram_bw_gbps": dram,
            "io_bw_gbps": io,
            "dram_plus_io_gbps": dram + io,
            "h100e": tpp / conv.h100_tpp,
            "tpp_low": tpp_low, "tpp_high": tpp_high,
            "pd_low": pd_low, "pd_high": pd_high,
            "dram_bw_gbps_low": d_low, "dram_bw_gbps_high": d_high,
            "io_bw_gbps_low": i_low, "io_bw_gbps_high": i_high,
            "dram_plus_io_gbps_low": d_low + i_low, "dram_plus_io_gbps_high": d_high + i_high,
            "h100e_low": tpp_low / conv.h100_tpp, "h100e_high": tpp_high / conv.h100_tpp,
            "interconnect_bw_gbps": ic, "dram_plus_interconnect_gbps": dram + ic,
            "interconnect_bw_gbps_low": ic_low, "interconnect_bw_gbps_high": ic_high,
            "dram_plus_interconnect_gbps_low": d_low + ic_low, "dram_plus_interconnect_gbps_high": d_high + ic_high,
        },
        index=chips.index,
    )
    out.attrs["conventions"] = conv.as_dict()
    return out


def with_metrics(chips: pd.DataFrame, conv: MetricConventions = DEFAULT_CONVENTIONS) -> pd.DataFrame:
    """The chip table with its metric columns appended (metrics win over same-named inputs)."""
    metrics = compute_metrics(chips, conv)
    return pd.concat([chips.drop(columns=[c for c in metrics if c in chips]), metrics], axis=1)
