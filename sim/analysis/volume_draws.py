"""Draws of shipment volumes from published percentiles, with the correlation stated, never assumed.

Shipment estimates come as 5th/50th/95th percentiles. Adding percentiles is wrong (the 95th percentile of
a sum is not the sum of 95th percentiles unless the parts move together perfectly), so totals come from
draws. Each estimate is drawn from a **two-piece lognormal** fitted exactly to its three percentiles:
median p50, log-spread ln(p50/p5)/1.645 below the median and ln(p95/p50)/1.645 above it, so the draws
reproduce the source's own 5th, 50th and 95th percentiles and stay positive. Where p5 is 0 the lower half
is a normal piece clipped at 0; where p5 = p50 = p95 (or the band is blank) the figure is a constant.

Correlation is a two-level Gaussian factor model, both levels explicit parameters:
- `series_correlation`: between the quarters of one series (one source, owner and chip). Default 1.0:
  Epoch AI's cumulative files equal the sum of their quarterly 5th and 95th percentiles, i.e. their
  quarters move together.
- `cross_correlation`: between different series (chips, owners). Default 0.5: with it, the summed draws
  of the bundled quarters reproduce the 5th-95th percentile bands Epoch publishes for the owners' totals
  (`nvidia_owners_cumulative_totals.csv`, through Q1 2026) within 1 % for China (324,871-496,849 H100e),
  Meta and Microsoft (0 gives bands 10-20 % too narrow, 1 too wide). 0 treats series as independent.
"""

from __future__ import annotations

import numpy as np

from ..errors import ChipsimError

Z95 = 1.6448536269514722  # standard normal quantile of 0.95
DEFAULT_SERIES_CORRELATION = 1.0
DEFAULT_CROSS_CORRELATION = 0.5  # fitted to Epoch's own total bands (module docstring)
MAX_DRAWS = 100_000


def check_correlations(series: float, cross: float) -> None:
    if not (0.0 <= cross <= series <= 1.0):
        raise ChipsimError(f"correlations must satisfy 0 <= cross ({cross:g}) <= series ({series:g}) <= 1: "
                           "quarters of one series cannot move together less than different series do")


def normal_scores(series_ids: np.ndarray, draws: int, *, seed: int = 0,
                  series_correlation: float = DEFAULT_SERIES_CORRELATION,
                  cross_correlation: float = DEFAULT_CROSS_CORRELATION) -> np.ndarray:
    """(rows, draws) standard normal scores: corr = series_correlation within a series, cross_correlation across."""
    check_correlations(series_correlation, cross_correlation)
    if not (isinstance(draws, (int, np.integer)) and 1 <= draws <= MAX_DRAWS):
        raise ChipsimError(f"draws must be a whole number between 1 and {MAX_DRAWS:,}, not {draws!r}")
    rng = np.random.default_rng(seed)
    codes, inverse = np.unique(series_ids, return_inverse=True)
    common = rng.standard_normal(draws)
    per_series = rng.standard_normal((len(codes), draws))
    own = rng.standard_normal((len(series_ids), draws))
    a, b = np.sqrt(cross_correlation), np.sqrt(series_correlation - cross_correlation)
    e = np.sqrt(max(0.0, 1.0 - series_correlation))
    return a * common[None, :] + b * per_series[inverse] + e * own


def two_piece_lognormal(p5: np.ndarray, p50: np.ndarray, p95: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Values at normal scores z (rows, draws) of distributions fitted to each row's percentiles."""
    p5, p50, p95 = (np.asarray(v, dtype=float)[:, None] for v in (p5, p50, p95))
    point = ~np.isfinite(p5) | ~np.isfinite(p95)
    p5, p95 = np.where(point, p50, p5), np.where(point, p50, p95)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(p50 > 0, np.log(np.where(p50 > 0, p95 / p50, 1.0)) / Z95, 0.0)
        down = np.where((p5 > 0) & (p50 > 0), np.log(np.where(p5 > 0, p50 / p5, 1.0)) / Z95, 0.0)
        upper = np.where(p50 > 0, p50 * np.exp(up * z), (p95 - p50) / Z95 * z + p50)
        lower_log = p50 * np.exp(down * z)
    lower_linear = np.maximum(0.0, p50 + (p50 - p5) / Z95 * z)
    lower = np.where(p5 > 0, lower_log, lower_linear)
    return np.where(z >= 0, upper, lower)
