"""`chipsim flows` and `chipsim import-epoch-counts`: compute that flows under a rule, from shipment estimates.

Kept beside sim/cli.py (which registers it) so the command line stays one module per family of commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli_options import (
    add_table_options,
    add_transaction_options,
    context_from,
    conventions_from,
    table_from,
    write_converted,
)
from .errors import ChipsimError
from .report.output import FORMATS, write_frame


def _options(args):
    from .analysis.flows import FlowOptions
    from .data.destinations import parse_date

    return FlowOptions(draws=args.draws, seed=args.seed, series_correlation=args.series_correlation,
                       cross_correlation=args.cross_correlation, straddle=args.straddle, h100e_basis=args.h100e_basis,
                       approval_share=args.approval_share,
                       through=parse_date(args.through, "--through") if args.through else None)


def cmd_flows(args) -> int:
    from .analysis.flows import run_flows, summarise
    from .data.volumes import load_prices, load_volumes
    from .report.flows_text import difference_sentence
    from .rules.scenario import parse_assignments

    if args.template:
        from .data.volumes import volumes_template

        sys.stdout.write(volumes_template())
        return 0
    table = table_from(args)
    volumes = load_volumes(args.volumes, chip_ids=table)
    prices = load_prices(args.prices, chip_ids=table)
    options, ctx, conv = _options(args), context_from(args), conventions_from(args)
    scenario = None
    if args.scenario:
        from .api import resolve_scenario

        scenario = resolve_scenario(args.scenario, overrides=parse_assignments(args.set))
    elif args.set:
        raise ChipsimError("--set edits a scenario: give --scenario ID|FILE too (as enacted means the rules as they were)")
    if args.balance:
        return _print_balance(args, volumes, scenario, options, table, prices, ctx, conv)
    run = run_flows(volumes, scenario, owner=args.owner, options=options, table=table, prices=prices, ctx=ctx, conv=conv)
    out = summarise(run, args.by)
    if args.format == "table" and not args.out:
        shown = out.drop(columns=["rules", "basis", "volume_source", "volume_vintage"])
        write_frame(_rounded(shown), "table")
        print(f"\nrules: {run.label}; volumes: {run.volume_source}; {args.draws:,} draws, seed {args.seed}, "
              f"correlation {options.series_correlation:g} within a series and {options.cross_correlation:g} across")
    else:
        write_frame(out, args.format, args.out)
    for note in run.notes:
        print(f"chipsim: note: {note}", file=sys.stderr)
    if scenario is not None:
        enacted = run_flows(volumes, None, owner=args.owner, options=options, table=table, prices=prices, ctx=ctx,
                            conv=conv)
        sentence = difference_sentence(enacted, run, args.owner or "")
        print(("\n" if args.format == "table" and not args.out else "") + sentence,
              file=sys.stdout if args.format == "table" and not args.out else sys.stderr)
    return 0


def _print_balance(args, volumes, scenario, options, table, prices, ctx, conv) -> int:
    from .analysis.balance import REFERENCE_RATIO, balance

    out = balance(volumes, scenario, options=options, table=table, china=args.owner or "China", prices=prices, ctx=ctx,
                  conv=conv)
    if args.format == "table" and not args.out:
        shown = out.drop(columns=["basis", "volume_source"])
        write_frame(_rounded(shown), "table")
        print(f"\nratio = (China's imports that needed no licence{' + approved licences' if options.approval_share else ''}"
              f" + domestic production) / the US owners' purchases, in H100e; p_above_reference = share of draws above "
              f"{REFERENCE_RATIO:.0%} (the cap proposed to Commerce on 2025-08-25). Rules: {out['basis'].iat[0]}; "
              f"volumes: {out['volume_source'].iat[0]}; domestic production: sourced envelopes "
              "(sim/data/shipments/china_domestic_envelope.csv; grade = the weakest evidence it rests on)")
    else:
        write_frame(out, args.format, args.out)
    return 0


def _rounded(frame):
    """Whole units, H100e and dollars in the terminal (bands from draws carry no meaningful decimals)."""
    out = frame.copy()
    for col in out.columns:
        if col.startswith(("units_", "h100e_", "revenue_p", "china_imports", "china_domestic", "us_owners")):
            out[col] = out[col].round(0)
        elif col.endswith(("_ratio_p5", "_ratio_p50", "_ratio_p95")) or col in ("revenue_covers", "cap_binds",
                                                                              "p_above_reference"):
            out[col] = out[col].round(3)
    return out


def cmd_import_epoch_counts(args) -> int:
    from .data.epoch_counts import EPOCH_PRICES_FILES, EPOCH_QUARTERS_FILE, convert_epoch_counts
    from .data.volumes import parse_prices, parse_volumes, table_to_csv_text

    folder = Path(args.folder)
    quarters = folder / EPOCH_QUARTERS_FILE
    if not quarters.is_file() and (folder / "owners_csv_export" / EPOCH_QUARTERS_FILE).is_file():
        quarters = folder / "owners_csv_export" / EPOCH_QUARTERS_FILE  # a clone of Epoch's repository
    candidates = [d / f for d in (folder, folder / "data_inputs") for f in EPOCH_PRICES_FILES]
    price_file = next((p for p in candidates if p.is_file()), None)
    try:
        q_bytes = quarters.read_bytes()
        p_bytes = price_file.read_bytes() if price_file else None
    except OSError as exc:
        raise ChipsimError(f"cannot read {quarters}: {exc.strerror or exc} (expected Epoch AI's ai-chip-counts files: "
                           f"{EPOCH_QUARTERS_FILE}, and optionally {EPOCH_PRICES_FILES[0]})") from None
    volumes, prices = convert_epoch_counts(q_bytes, str(quarters), p_bytes,
                                           prices_name=str(price_file) if price_file else EPOCH_PRICES_FILES[0],
                                           revision=args.revision)
    text = table_to_csv_text(volumes)
    parse_volumes(text, name=f"{quarters} (converted)")  # what we write must load
    write_converted(text, args.out, len(volumes))
    if price_file is not None and args.prices_out:
        p_text = table_to_csv_text(prices)
        parse_prices(p_text, name=f"{price_file} (converted)")
        write_converted(p_text, args.prices_out, len(prices))
    return 0


def register(sub) -> None:
    from .analysis.flows import GROUPINGS, H100E_BASES, STRADDLE_RULES
    from .analysis.volume_draws import DEFAULT_CROSS_CORRELATION, DEFAULT_SERIES_CORRELATION

    p = sub.add_parser("flows", help="compute that flows (units, H100e, revenue by outcome, with bands) as enacted "
                                     "or under a scenario", formatter_class=argparse.RawDescriptionHelpFormatter)
    add_table_options(p)
    add_transaction_options(p)
    p.add_argument("--owner", help="only this owner of the volumes table (e.g. China)")
    rules = p.add_mutually_exclusive_group()
    rules.add_argument("--as-enacted", action="store_true", help="the rules in force on each shipment's days (default)")
    rules.add_argument("--scenario", metavar="ID|FILE", help="a preset or scenario file applied to every shipment")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", default=[], help="edit a --scenario parameter (repeatable)")
    p.add_argument("--volumes", metavar="FILE", help="your own volumes CSV (default: the bundled Epoch AI estimates)")
    p.add_argument("--template", action="store_true", help="print a volumes CSV to start your own from, and stop")
    p.add_argument("--prices", metavar="FILE", help="your own unit-price CSV (default: the bundled Epoch AI ranges)")
    p.add_argument("--through", metavar="YYYY-MM-DD", help="count shipments up to this day")
    p.add_argument("--by", choices=tuple(GROUPINGS), default="outcome", help="grouping (default outcome)")
    p.add_argument("--draws", type=int, default=2000, help="Monte Carlo draws (default 2,000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--series-correlation", type=float, default=DEFAULT_SERIES_CORRELATION,
                   help=f"between the quarters of one owner's chip (default {DEFAULT_SERIES_CORRELATION:g})")
    p.add_argument("--cross-correlation", type=float, default=DEFAULT_CROSS_CORRELATION,
                   help=f"between different chips and owners (default {DEFAULT_CROSS_CORRELATION:g})")
    p.add_argument("--straddle", choices=tuple(STRADDLE_RULES), default="prorata",
                   help="a period holding a rule change: " + "; ".join(f"{k}: {v}" for k, v in STRADDLE_RULES.items()))
    p.add_argument("--h100e-basis", choices=tuple(H100E_BASES), default="tpp",
                   help="; ".join(f"{k}: {v}" for k, v in H100E_BASES.items()))
    p.add_argument("--approval-share", type=float, metavar="0..1",
                   help="share of 'license' volume assumed approved: adds an 'expected shipped' line")
    p.add_argument("--balance", action="store_true",
                   help="per year: China's imports that passed + its domestic production against the US owners' purchases")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_flows)

    p = sub.add_parser("import-epoch-counts", help="convert Epoch AI's ai-chip-counts files to chipsim's volumes CSV")
    p.add_argument("folder", help="a folder with nvidia_owners_quarters_by_chip.csv (and Nvidia_annual_prices.csv), "
                                  "or a clone of epoch-research/ai-chip-counts")
    p.add_argument("-o", "--out", metavar="VOLUMES.csv")
    p.add_argument("--prices-out", metavar="PRICES.csv")
    p.add_argument("--revision", metavar="COMMIT", help="the ai-chip-counts commit, named in every row's source")
    p.set_defaults(func=cmd_import_epoch_counts)
