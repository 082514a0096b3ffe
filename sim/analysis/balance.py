"""The compute balance: China's allowed imports plus its own production, against the US owners' purchases.

The form in which the August 2025 proposal to cap China's aggregate AI compute at 10 % of the US's is
argued. Each side is drawn, never added as percentiles: imports from the flows (as enacted or under a
scenario, with an optional approval share for licences), domestic production uniformly within each
producer's sourced envelope (units) times a per-unit H100e between the envelope's weakest and strongest
chip, the US side from the owners whose shipments stay in the US. A year counts a shipment by the day
its part starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.domestic import load_envelope
from ..engine.metrics import compute_metrics
from .flows import PASSED, QUANTILES, FlowOptions, FlowRun, metric_by_chip, run_flows

REFERENCE_RATIO = 0.10  # Moolenaar letter to Commerce, 2025-08-25: China's aggregate AI compute at most 10 % of the US's


def _by_year(run: FlowRun, weight: np.ndarray) -> pd.DataFrame:
    year = pd.DatetimeIndex(run.parts["part_start"]).year.to_numpy()
    values = np.nan_to_num(run.h100e) * weight[:, None]
    years = np.unique(year)
    return pd.DataFrame(np.stack([values[year == y].sum(axis=0) for y in years]), index=years)


def _covers_year(rows: pd.DataFrame, year: int) -> bool:
    """The US side counts a year only when its volumes run from 1 January to 31 December."""
    start, end = pd.to_datetime(rows["period_start"]), pd.to_datetime(rows["period_end"])
    return bool((start <= pd.Timestamp(year, 1, 1)).any() and (end >= pd.Timestamp(year, 12, 31)).any())


def domestic_draws(envelope: pd.DataFrame, table: pd.DataFrame, draws: int, seed: int) -> pd.DataFrame:
    """H100e made in China per year (years x draws): units and per-unit H100e drawn within each envelope."""
    h = metric_by_chip(table, compute_metrics(table), "h100e")
    rng = np.random.default_rng(seed + 2)
    n = len(envelope)
    units = envelope["units_low"].to_numpy()[:, None] + rng.random((n, draws)) * (
        envelope["units_high"] - envelope["units_low"]).to_numpy()[:, None]
    lo, hi = h.reindex(envelope["chip_low"]).to_numpy(), h.reindex(envelope["chip_high"]).to_numpy()
    factor = lo[:, None] + rng.random((n, draws)) * (hi - lo)[:, None]
    per_row = pd.DataFrame(units * factor)
    return per_row.groupby(envelope["year"].to_numpy()).sum()


def balance(volumes: pd.DataFrame, scenario=None, *, options: FlowOptions = FlowOptions(), table=None,
            envelope: pd.DataFrame | None = None, china: str = "China", us_destination: str = "US",
            **flow_kwargs) -> pd.DataFrame:
    """Per year: China's imports that passed, its domestic production, the US owners' purchases, and the ratio."""
    from ..data.chips import load_chips

    table = load_chips() if table is None else table
    envelope = load_envelope(chip_ids=table) if envelope is None else envelope
    imports = run_flows(volumes, scenario, owner=china, options=options, table=table, **flow_kwargs)
    share = options.approval_share or 0.0
    w = imports.parts["outcome"].map({**{o: 1.0 for o in PASSED}, "license": share}).fillna(0.0).to_numpy()
    china_in = _by_year(imports, w)
    us_rows = volumes["destination"].to_numpy() == us_destination
    us_owners = list(dict.fromkeys(volumes.loc[us_rows, "owner"]))
    us_run = run_flows(volumes, None, owner=us_owners, options=options, table=table, **flow_kwargs)
    us = _by_year(us_run, np.ones(len(us_run.parts)))
    home = domestic_draws(envelope, table, options.draws, options.seed)
    years = [y for y in sorted(us.index) if _covers_year(volumes[us_rows], y)]
    zero = np.zeros(options.draws)
    rows = []
    for y in years:
        a = china_in.loc[y].to_numpy() if y in china_in.index else zero
        d = home.loc[y].to_numpy() if y in home.index else np.full(options.draws, np.nan)
        u = us.loc[y].to_numpy()
        ratio = (a + d) / u
        row = {"year": int(y), "domestic_known": y in home.index}
        for name, v in (("china_imports_h100e", a), ("china_domestic_h100e", d), ("us_owners_h100e", u),
                        ("china_to_us_ratio", ratio)):
            q = np.percentile(v, QUANTILES) if np.isfinite(v).all() else [np.nan] * 3
            row.update({f"{name}_p{p}": q[i] for i, p in enumerate(QUANTILES)})
        row["p_above_reference"] = float(np.mean(ratio > REFERENCE_RATIO)) if np.isfinite(ratio).all() else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out["grade"] = out["year"].map(envelope.groupby("year")["grade"].agg(lambda g: max(g, key="PSW".index))).fillna("")
    out["basis"] = imports.label
    out["volume_source"] = imports.volume_source
    return out
