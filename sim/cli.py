"""`chipsim` command line: the same engine as the app and the Python API, for scripts.

Every user mistake (unknown name, bad file, bad option) prints one clear message and exits 2;
a traceback would be a bug.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli_options import Parser as _Parser
from .cli_options import add_format as _add_format
from .cli_options import add_table_options as _add_table_options
from .cli_options import add_transaction_options as _add_transaction_options
from .cli_options import context_from, conventions_from, table_from, write_converted
from .data import chips as chips_mod
from .data.schema import COLUMNS
from .engine.metrics import with_metrics
from .errors import ChipsimError, ValidationError
from .report.output import write_frame
from .report.provenance import transaction_text


def cmd_chips(args) -> int:
    table = with_metrics(table_from(args), conventions_from(args))
    front = ["chip_id", "vendor", "name", "segment", "tpp", "pd"]
    if args.format == "table" and not args.all_columns:
        cols = front + ["tpp_precision", "dram_bw_gbps", "io_bw_gbps", "die_area_mm2", "datacenter", "confidence"]
    else:
        cols = front + [c for c in table.columns if c not in front]
    write_frame(table[cols], args.format, args.out)
    return 0


def cmd_validate(args) -> int:
    try:
        table = chips_mod.load_chips(args.file)
    except ValidationError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} in {args.file}", file=sys.stderr)
        return 2
    print(f"{args.file}: {len(table)} rows, no problems")
    return 0


def cmd_schema(args) -> int:
    import pandas as pd

    frame = pd.DataFrame([{"column": c.name, "unit": c.unit, "required": c.required, "kind": c.kind,
                           "description": c.description} for c in COLUMNS])
    write_frame(frame, args.format, args.out)
    return 0


def cmd_import_epoch(args) -> int:
    from .data.epoch_import import convert_epoch

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ChipsimError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = convert_epoch(data, str(path))
    text = rows.to_csv(index=False)
    chips_mod.parse_chips(text, name=f"{path} (converted)")  # what we write must load
    write_converted(text, args.out, len(rows))
    return 0


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("rules")
    g.add_argument("--scenario", metavar="ID|FILE", help="preset id (see `chipsim scenarios`) or a scenario .toml file")
    g.add_argument("--as-of", metavar="YYYY-MM-DD", help="evaluate on this date (without --scenario: the rules in force then)")
    g.add_argument("--phase", metavar="NAME", help="evaluate a preset's phase (e.g. us-2025-04-h20: letters, licences); "
                                                   "see `chipsim scenario show ID`")
    g.add_argument("--set", action="append", metavar="NAME=VALUE", default=[], help="override a parameter (repeatable)")
    _add_transaction_options(p)


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chip", action="append", metavar="CHIP_ID", help="only this chip (repeatable)")
    p.add_argument("--dest", action="append", metavar="ISO2", help="only this destination (repeatable)")


def scenario_from(args):
    """The scenario and date asked for; a preset evaluated outside its period still runs, with a warning."""
    from .api import resolve_scenario
    from .data.destinations import parse_date
    from .rules.scenario import parse_assignments, period_warning

    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    s = resolve_scenario(args.scenario, as_of, parse_assignments(args.set))
    if getattr(args, "phase", None):
        if as_of is not None:
            raise ChipsimError("--phase and --as-of both set the date: give one")
        as_of = s.phase(args.phase).start
    warning = period_warning(s, as_of)
    if warning:
        print(f"chipsim: warning: {warning}", file=sys.stderr)
    return s, as_of


def cmd_scenarios(args) -> int:
    import pandas as pd

    from .rules.scenario import all_presets, superseded_by

    order = {"enacted": 0, "proposed": 1, "what-if": 2}  # enacted rules by date, then the proposals under debate
    rows = [{"id": s.id, "group": s.group, "effective": s.effective.isoformat(), "status": s.status_label,
             "extends": s.extends or "",
             "enforced_series": s.series == "us-enforced", "superseded": getattr(superseded_by(s), "effective", ""),
             "phases": "; ".join(f"{p.id} from {p.start}" for p in s.phases), "title": s.title, "citation": s.citation}
            for s in sorted(all_presets(), key=lambda s: (order[s.group], s.effective))]
    write_frame(pd.DataFrame(rows), args.format, args.out)
    return 0


def cmd_scenario_show(args) -> int:
    import pandas as pd

    from .rules.scenario import load_scenario

    s = load_scenario(args.id)
    if args.format == "table":
        print(f"{s.id}: {s.title}\n  effective {s.effective}; status {s.status_label}; extends {s.extends or '-'}\n"
              f"  {s.citation}\n" + (f"  {s.notes}\n" if s.notes else "")
              + "".join(f"  phase {p.id} (--phase {p.id}): from {p.start} — {p.label}\n" for p in s.phases)
              + (f"  layers: {', '.join(s.layers)}\n" if s.layers else ""))
    rows = [{"parameter": p.name, "in plain words": p.short, "value": "derived" if p.derived else p.text(),
             "unit": p.unit, "stricter": p.stricter, "effective": p.effective, "evidence": p.evidence, "label": p.label,
             "citation": p.citation} for p in s.parameters.values()]
    write_frame(pd.DataFrame(rows), args.format, args.out)
    return 0


def cmd_evaluate(args) -> int:
    from .api import evaluate

    s, as_of = scenario_from(args)
    ctx = context_from(args)
    # the API resolves a derived threshold (China's best chip) on the whole table before selecting the chips asked for
    out = evaluate(s, chips=args.chip, destinations=args.dest, as_of=as_of, table=table_from(args), ctx=ctx,
                   conv=conventions_from(args))
    # the edits travel with every row, as the app's downloads carry them
    out.insert(out.columns.get_loc("scenario") + 1, "scenario_edits",
               "; ".join(f"{k}={s.parameters[k].text(v)} (preset {s.parameters[k].text(s.parameters[k].preset_value)})"
                         for k, v in sorted(s.edits.items())))
    out.insert(out.columns.get_loc("scenario_edits") + 1, "transaction", transaction_text(ctx))
    if args.format == "table" and not args.out:
        out = out[["chip_id", "destination", "classification", "outcome", "exception", "review_policy", "rule", "citation",
                   "reason"] + (["import"] if out["import"].ne("open").any() else [])]
    write_frame(out, args.format, args.out)
    return 0


def cmd_explain(args) -> int:
    from .api import explain

    s, as_of = scenario_from(args)
    print(explain(args.chip_id, args.dest, s, as_of=as_of, table=table_from(args), ctx=context_from(args),
                  conv=conventions_from(args)))
    return 0


def cmd_diff(args) -> int:
    from .api import diff
    from .data.destinations import parse_date
    from .rules.scenario import load_scenario, period_warning

    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    for sid in dict.fromkeys((args.from_id, args.to_id)):  # a bill or an out-of-period preset says so here too
        warning = period_warning(load_scenario(sid), as_of)
        if warning:
            print(f"chipsim: warning: {warning}", file=sys.stderr)
    changed, counts = diff(args.from_id, args.to_id, chips=args.chip, destinations=args.dest, as_of_from=as_of,
                           as_of_to=as_of, table=table_from(args), ctx=context_from(args), conv=conventions_from(args))
    if args.counts:
        write_frame(counts, args.format, args.out)
    elif args.format == "table" and not args.out:
        print(f"{len(changed)} pairs changed outcome from {args.from_id} to {args.to_id}\n")
        write_frame(counts, "table")
        print()
        columns = ["chip_id", "destination", "classification_from", "outcome_from", "classification_to", "outcome_to",
                   "rule_to"] + (["caught_by_to"] if changed["caught_by_to"].ne("").any() else [])
        write_frame(changed[columns], "table")
    else:
        write_frame(changed, args.format, args.out)
    return 0


def cmd_timeline(args) -> int:
    from .api import timeline

    frame = timeline(args.chip_id, args.dest, table=table_from(args), ctx=context_from(args), conv=conventions_from(args))
    write_frame(frame, args.format, args.out)
    return 0


def _register_rules(sub) -> None:
    p = sub.add_parser("scenarios", help="the bundled rule presets")
    _add_format(p, ("table", "csv", "json"))
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("scenario", help="`scenario show ID`: a preset's parameters, units and citations")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    ssub.required = True
    show = ssub.add_parser("show", help="parameters, units, citations")
    show.add_argument("id", metavar="ID|FILE")
    _add_format(show, ("table", "csv", "json"))
    show.set_defaults(func=cmd_scenario_show)

    p = sub.add_parser("evaluate", help="verdict for every chip x destination")
    _add_scenario_options(p)
    _add_selection(p)
    _add_table_options(p)
    _add_format(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("explain", help="the full trace of one verdict")
    p.add_argument("chip_id")
    p.add_argument("--dest", required=True, metavar="ISO2")
    _add_scenario_options(p)
    _add_table_options(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("diff", help="pairs whose outcome changed between two scenarios")
    p.add_argument("--from", dest="from_id", required=True, metavar="ID|FILE")
    p.add_argument("--to", dest="to_id", required=True, metavar="ID|FILE")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="evaluate both on this date (default: each preset's own)")
    _add_selection(p)
    p.add_argument("--counts", action="store_true", help="only the count per transition")
    _add_transaction_options(p)
    _add_table_options(p)
    _add_format(p)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("timeline", help="a chip's outcome for one destination at every rule change since 2022-08-26")
    p.add_argument("chip_id")
    p.add_argument("--dest", required=True, metavar="ISO2")
    _add_transaction_options(p)
    _add_table_options(p)
    _add_format(p)
    p.set_defaults(func=cmd_timeline)


def _range(spec: str, what: str):
    """NAME=LOW:HIGH into (NAME, (low, high)); bounds must be finite, and a chip figure's within what
    the chip table accepts (sim.data.chips.upper_limit)."""
    import math

    name, sep, rhs = spec.partition("=")
    parts = rhs.split(":")
    try:
        if not sep or len(parts) != 2:
            raise ValueError
        bounds = (float(parts[0]), float(parts[1]))
    except ValueError:
        raise ChipsimError(f"{what} expects NAME=LOW:HIGH, not {spec!r}") from None
    if not all(math.isfinite(b) for b in bounds):
        raise ChipsimError(f"{what} {spec!r}: LOW and HIGH must be finite numbers")
    column = name.strip().rpartition(".")[2]
    limit = chips_mod.upper_limit(column) if what == "--chip-range" else None
    if limit is not None and max(bounds) > limit[0]:
        unit = chips_mod.COLUMN_BY_NAME[column].unit
        raise ChipsimError(f"{what} {spec!r}: expected bounds from 0 to {limit[0]:,.10g} {unit} ({limit[1]})")
    return name.strip(), bounds


def cmd_sweep(args) -> int:
    import signal

    from .analysis.sweep import check_points, parse_vary, plan_sweep, prepare, sweep
    from .analysis.sweep_io import StderrProgress, SweepRows, output_kind, write_sweep

    s, as_of = scenario_from(args)
    vary = dict(parse_vary(v, s) for v in args.vary)
    if args.mode == "zip" and len({len(v) for v in vary.values()}) > 1:
        raise ChipsimError("--mode zip needs every --vary to have the same number of values")
    check_points(list(vary.values()), args.mode)  # refuse an impossible grid before any work
    write = bool(args.out) or not args.plot
    if write:
        output_kind(args.out, args.summary)
    if args.partition_by and not (args.out and output_kind(args.out, args.summary) == "dataset"):
        raise ChipsimError("--partition-by needs --out DIR/ (a directory; end the name with '/')")
    table, ctx, conv = table_from(args), context_from(args), conventions_from(args)
    prep = prepare(s, table, args.chip, args.dest, as_of=as_of, ctx=ctx, conv=conv)
    if write:
        plan = plan_sweep(None, vary, mode=args.mode, prepared=prep)
        total = plan.n_points * len(prep.codes) if args.summary == "classes" else SweepRows(plan, args.summary).total_rows
        progress = StderrProgress(total) if args.out and args.summary != "classes" and total >= 1_000_000 else None
        # a termination signal unwinds like Ctrl-C, so no half-written file is left behind
        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            info = write_sweep(plan, args.out, summary=args.summary, partition_by=args.partition_by, progress=progress)
        except (KeyboardInterrupt, SystemExit):
            if args.out:
                print(f"\nchipsim: interrupted; nothing was written to {args.out}", file=sys.stderr)
            raise
        finally:
            signal.signal(signal.SIGTERM, previous)
        if args.summary == "classes":
            print(f"wrote the compact form of {info['points']:,} points x {info['destinations']:,} destinations "
                  f"({info['full_rows']:,} rows in full): {info['evaluated_points']:,} evaluated points in classes.parquet, "
                  f"the point-to-class index in index.parquet, {info['bytes'] / 1e6:,.1f} MB in {args.out} "
                  f"(how to join them: {Path(args.out) / '_sweep.json'})", file=sys.stderr)
        elif args.out:
            where = f"{info['files']:,} files partitioned by {info['partition_by']} in {args.out}" if "files" in info else args.out
            print(f"wrote {info['rows']:,} rows ({info['points']:,} points, {info['evaluated_points']:,} evaluated) to {where}",
                  file=sys.stderr)
    if args.plot:
        from .report.plots import png_bytes, sweep_figure, sweep_map_figure

        dest = prep.codes[0]
        names = list(vary)
        if len(names) == 1:
            fig = sweep_figure(prep, names[0], vary[names[0]], dest)
        elif len(names) == 2 and args.mode == "grid":
            one = prepare(s, table, args.chip, [dest], as_of=as_of, ctx=ctx, conv=conv)
            fig = sweep_map_figure(sweep(None, vary, prepared=one), names[0], names[1], dest)
        else:
            raise ChipsimError("--plot draws one swept parameter, or two in a grid")
        try:
            Path(args.plot).write_bytes(png_bytes(fig))
        except OSError as exc:
            raise ChipsimError(f"cannot write {args.plot}: {exc.strerror or exc}") from None
        print(f"plot written to {args.plot} (destination {dest})", file=sys.stderr)
    return 0


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def cmd_margins(args) -> int:
    from .analysis.sweep import margin_sentences, margins

    s, as_of = scenario_from(args)
    frame = margins(s, args.chip_id, args.dest, as_of=as_of, ctx=context_from(args), conv=conventions_from(args),
                    table=table_from(args))
    if args.format == "table" and not args.out:
        print(f"{args.chip_id} -> {args.dest} under {s.id}: outcome {frame['outcome'].iloc[0]}")
        print("\n".join("  " + line for line in margin_sentences(frame)))
    else:
        write_frame(frame, args.format, args.out)
    return 0


def cmd_best(args) -> int:
    from .analysis.sweep import best, frontier, parse_vary

    s, as_of = scenario_from(args)
    kw = dict(metric=args.metric, as_of=as_of, ctx=context_from(args), conv=conventions_from(args), table=table_from(args))
    if args.vary:
        name, values = parse_vary(args.vary, s)
        frame = frontier(s, args.dest, name, values, **kw)
    else:
        frame = best(s, args.dest, top=args.top, **kw)
    write_frame(frame, args.format, args.out)
    return 0


def cmd_allocate(args) -> int:
    from .analysis.sweep import allocation, parse_mix

    s, as_of = scenario_from(args)
    frame = allocation(s, args.dest, budget=args.budget, mix=parse_mix(args.mix), as_of=as_of, ctx=context_from(args),
                       conv=conventions_from(args), table=table_from(args))
    if args.format == "table" and not args.out:
        print(f"budget {frame.attrs['budget']:,.0f} TPP for {args.dest} under {s.id}")
        if "mix_total_tpp" in frame.attrs:
            print(f"mix total {frame.attrs['mix_total_tpp']:,.0f} TPP: {'fits' if frame.attrs['fits'] else 'EXCEEDS the budget'}")
    write_frame(frame, args.format, args.out)
    return 0


def cmd_montecarlo(args) -> int:
    from .analysis.montecarlo import monte_carlo

    s, as_of = scenario_from(args)
    params = dict(_range(r, "--range") for r in args.range)
    chip_ranges: dict = {}
    for spec in args.chip_range:
        key, bounds = _range(spec, "--chip-range")
        chip, dot, col = key.rpartition(".")
        if not dot:
            raise ChipsimError(f"--chip-range expects CHIP_ID.COLUMN=LOW:HIGH, not {spec!r}")
        chip_ranges.setdefault(chip, {})[col] = bounds
    frame = monte_carlo(s, n=args.n, seed=args.seed, param_ranges=params, chip_ranges=chip_ranges, chips=args.chip,
                        destinations=args.dest, as_of=as_of, ctx=context_from(args), conv=conventions_from(args),
                        table=table_from(args), table_ranges=not args.no_table_ranges)
    write_frame(frame, args.format, args.out)
    return 0


def cmd_bench(args) -> int:
    import json

    from .analysis.bench import run

    stream = {"grid": (1000, 100)} if args.quick else None
    result = run(repeats=args.repeats, stream=stream)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            if isinstance(v, dict):
                print(f"{k:>22}:")
                for kk, vv in v.items():
                    print(f"{kk:>26}: {vv}")
            else:
                print(f"{k:>22}: {v}")
    return 0


def _register_sweeps(sub) -> None:
    p = sub.add_parser("sweep", help="outcomes over a grid of thresholds (counts or pairs), with an optional plot")
    _add_scenario_options(p)
    p.add_argument("--vary", action="append", required=True, metavar="NAME=START:STOP:N|NAME=v1,v2,...")
    p.add_argument("--mode", choices=("grid", "zip"), default="grid")
    p.add_argument("--summary", choices=("counts", "pairs", "classes"), default="counts",
                   help="counts: chips per outcome for each point and destination (default); pairs: one row per point, "
                        "chip and destination; classes: the compact form, the distinct evaluated points and a "
                        "point-to-class index (needs --out DIR/)")
    _add_selection(p)
    p.add_argument("--out", metavar="FILE.parquet|FILE.csv|DIR/",
                   help="written as it is computed: one Parquet file, CSV, or (DIR/) a partitioned Parquet dataset; "
                        "default CSV on standard output")
    p.add_argument("--partition-by", metavar="destination|NAME",
                   help="with --out DIR/: one directory per destination (default) or per value of a swept parameter")
    p.add_argument("--plot", metavar="FILE.png", help="counts and flip points along one threshold (first --dest)")
    _add_table_options(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("margins", help="for every parameter, where this pair's outcome would flip, and the headroom")
    p.add_argument("chip_id")
    p.add_argument("--dest", required=True, metavar="ISO2")
    _add_scenario_options(p)
    _add_table_options(p)
    _add_format(p, ("table", "csv", "json"))
    p.set_defaults(func=cmd_margins)

    p = sub.add_parser("best", help="the highest-performing chips a destination may receive")
    p.add_argument("--dest", required=True, metavar="ISO2")
    p.add_argument("--metric", default="tpp", help="tpp, dram_bw, h100e or pd (default tpp)")
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--vary", metavar="NAME=START:STOP:N", help="show how the frontier moves along one parameter")
    _add_scenario_options(p)
    _add_table_options(p)
    _add_format(p)
    p.set_defaults(func=cmd_best)

    p = sub.add_parser("allocate", help="units of each chip within a TPP budget (AI Diffusion country allocation, LPP)")
    p.add_argument("--dest", required=True, metavar="ISO2")
    p.add_argument("--budget", type=float, help="TPP budget (default: the scenario's Tier 2 country allocation)")
    p.add_argument("--mix", action="append", metavar="CHIP_ID=UNITS", help="a planned mix to check against the budget")
    _add_scenario_options(p)
    _add_table_options(p)
    _add_format(p)
    p.set_defaults(func=cmd_allocate)

    p = sub.add_parser("montecarlo", help="probability of each outcome when figures or thresholds are uncertain")
    p.add_argument("--n", type=int, default=1000, help="number of draws (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--range", action="append", default=[], metavar="PARAM=LOW:HIGH")
    p.add_argument("--chip-range", action="append", default=[], metavar="CHIP_ID.COLUMN=LOW:HIGH")
    p.add_argument("--no-table-ranges", action="store_true",
                   help="do not draw the ranges the chip table gives (NAME_low/NAME_high); keep them as intervals")
    _add_selection(p)
    _add_scenario_options(p)
    _add_table_options(p)
    _add_format(p)
    p.set_defaults(func=cmd_montecarlo)

    p = sub.add_parser("bench", help="sweep speed as ratios against a numpy floor, the scalar evaluator and "
                                          "pyarrow writing from memory; peak memory of streamed sweeps")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--quick", action="store_true",
                   help="stream a 1,000 x 100 grid instead of the README's 1,000 x 1,000 (every destination)")
    p.set_defaults(func=cmd_bench)


def _register_memo(sub) -> None:
    from .cli_memo import register

    register(sub)


def _register_flows(sub) -> None:
    from .cli_flows import register

    register(sub)


COMMANDS = {"rules": _register_rules, "sweeps": _register_sweeps, "flows": _register_flows, "memo": _register_memo}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chipsim", description="AI-chip export-control threshold simulator")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("chips", help="the chip table with TPP and performance density")
    _add_table_options(p)
    _add_format(p)
    p.add_argument("--all-columns", action="store_true", help="every input and metric column (always for csv/json)")
    p.set_defaults(func=cmd_chips)

    p = sub.add_parser("validate", help="check a chip table; list every problem and exit 2 if any")
    p.add_argument("file")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="the chip table's columns, units and meanings")
    _add_format(p, ("table", "csv", "json"))
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("import-epoch", help="convert Epoch AI's hardware CSV to chipsim's format")
    p.add_argument("file")
    p.add_argument("-o", "--out", metavar="OUT.csv")
    p.set_defaults(func=cmd_import_epoch)

    for register in COMMANDS.values():
        register(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except ValidationError as exc:
        print(f"chipsim: {exc}", file=sys.stderr)
        return 2
    except ChipsimError as exc:
        print(f"chipsim: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
