"""Monte Carlo over uncertain figures: parameters and chip figures drawn from ranges, with a seed.

"Is the B30A controlled for every plausible spec?" has no single answer when the spec is rumoured;
drawing its figures (and, if wanted, the thresholds) from ranges gives, per chip and destination,
the probability of each outcome. By default every figure the table gives as a two-sided range
(NAME_low and NAME_high) is drawn from it, so an announced chip's probabilities come straight from
the table; one-sided bounds stay intervals (there is no uniform draw up to infinity). Ranges of
zero width reproduce the deterministic answer exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..api import select_chips
from ..data.chips import load_chips
from ..data.schema import NUMERIC_COLUMNS, RANGE_BASES
from ..engine.metrics import compute_metrics
from ..engine.vectorised import Context, chip_facts
from ..errors import ChipsimError, unknown_name
from ..rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from .sweep import OUTCOME_ORDER, outcome_chunks, prepare


def table_range_draws(table: pd.DataFrame) -> dict:
    """{chip_id: {column: (low, high)}} for every figure the table gives as a two-sided range."""
    out: dict = {}
    for col in RANGE_BASES:
        if f"{col}_low" not in table or f"{col}_high" not in table:
            continue
        low, high = table[f"{col}_low"].to_numpy(dtype=float), table[f"{col}_high"].to_numpy(dtype=float)
        for i in np.flatnonzero(np.isfinite(low) & np.isfinite(high)):
            out.setdefault(str(table["chip_id"].iat[i]), {})[col] = (float(low[i]), float(high[i]))
    return out


def monte_carlo(scenario, *, n: int = 1000, seed: int = 0, param_ranges: dict | None = None,
                chip_ranges: dict | None = None, chips=None, destinations=None, as_of=None, ctx: Context = Context(),
                conv: MetricConventions = DEFAULT_CONVENTIONS, table=None, table_ranges: bool = True) -> pd.DataFrame:
    """Per chip x destination, the probability of each outcome over `n` seeded uniform draws.

    param_ranges: {parameter: (low, high)}; chip_ranges: {chip_id: {column: (low, high)}} for any
    numeric chip column (throughput, die area, bandwidth...), taking precedence over the table's own
    ranges, which are drawn too unless table_ranges is False.
    """
    if not (isinstance(n, int) and 1 <= n <= 1_000_000):
        raise ChipsimError("n must be a whole number of draws between 1 and 1,000,000")
    prep = prepare(scenario, table, chips, destinations, as_of=as_of, ctx=ctx, conv=conv)
    s, ids = prep.scenario, list(prep.chip_ids)
    rng = np.random.default_rng(seed)
    params = {}
    for name, (lo, hi) in (param_ranges or {}).items():
        if name not in s.parameters:
            raise unknown_name("parameter in a Monte Carlo range", name, s.parameters)
        if not lo <= hi:
            raise ChipsimError(f"range for {name}: low {lo} is above high {hi}")
        params[name] = rng.uniform(lo, hi, n)
    base = select_chips(load_chips() if table is None else table, chips)
    wanted = table_range_draws(base) if table_ranges else {}
    for cid, cols in (chip_ranges or {}).items():
        wanted.setdefault(cid, {}).update(cols)
    draws = {}
    for cid, cols in wanted.items():
        if cid not in ids:
            raise unknown_name("chip in a Monte Carlo range", cid, ids)
        for col, (lo, hi) in cols.items():
            if col not in NUMERIC_COLUMNS:
                raise unknown_name("numeric chip column", col, NUMERIC_COLUMNS)
            if not 0 <= lo <= hi:
                raise ChipsimError(f"range for {cid}.{col}: need 0 <= low <= high")
            draws[(ids.index(cid), col)] = rng.uniform(lo, hi, n)
    metrics = None
    if draws:  # every draw is a whole copy of the table with the drawn figures, metrics recomputed at once
        big = pd.concat([base] * n, ignore_index=True)
        for (i, col), values in draws.items():
            rows = np.arange(n) * len(base) + i
            big.loc[rows, col] = values
            for end in ("_low", "_high"):  # a drawn figure is a point: its range is spent
                if col + end in big:
                    big.loc[rows, col + end] = np.nan
        drawn, _ = chip_facts(compute_metrics(big, conv), big, ctx)
        metrics = {k: v.reshape(n, len(base), 1) for k, v in drawn.items()}
    totals = np.zeros((len(ids), prep.n_classes, 5), dtype=np.int64)
    points = 0
    for _, idx in outcome_chunks(prep, params, metrics):
        points += len(idx)
        for k in range(5):
            totals[..., k] += (idx == k).sum(axis=0)
    # with nothing drawn every point is the same single evaluation
    probs = totals[:, prep.inverse, :] / points  # (N, M, 5)
    codes = prep.codes
    out = pd.DataFrame({"chip_id": np.repeat(ids, len(codes)), "destination": np.tile(codes, len(ids))})
    for k, word in enumerate(OUTCOME_ORDER):
        out[f"p_{word}"] = probs[:, :, k].reshape(-1)
    out.attrs.update(n=n, seed=seed, scenario=s.id)
    return out
