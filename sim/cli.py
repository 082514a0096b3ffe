"""`chipsim` command line: the same engine as the app and the Python API, for scripts.

Every user mistake (unknown name, bad file, bad option) prints one clear message and exits 2;
a traceback would be a bug.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import chips as chips_mod
from .conventions import MetricConventions
from .errors import ChipsimError, ValidationError
from .metrics import with_metrics
from .output import FORMATS, write_frame
from .schema import COLUMNS


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, exit 2, like ours
        self.exit(2, f"chipsim: error: {message}\n(see `{self.prog} --help`)\n")


def _add_table_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("chip table and metric conventions")
    g.add_argument("--chips", metavar="FILE", help="chip table in chipsim's CSV format (default: the bundled chips.csv)")
    g.add_argument("--tf32-bits", type=int, choices=(19, 32), default=32, help="bit length of a TF32 operation (default 32)")
    g.add_argument("--fp6-bits", type=int, choices=(6, 8), default=6, help="bit length of an FP6 operation (default 6)")
    g.add_argument("--count-per", choices=("chip", "package"), default="chip",
                   help="evaluate one accelerator or a whole package, e.g. a GB200 superchip (default chip)")


def _add_format(p: argparse.ArgumentParser, formats=FORMATS) -> None:
    p.add_argument("--format", choices=formats, default="table")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")


def conventions_from(args) -> MetricConventions:
    return MetricConventions(tf32_bits=args.tf32_bits, fp6_bits=args.fp6_bits, count_per=args.count_per)


def table_from(args):
    return chips_mod.load_chips(args.chips)


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
    problems = chips_mod.validate_file(args.file)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {args.file}", file=sys.stderr)
        return 2
    n = len(chips_mod.load_chips(args.file))
    print(f"{args.file}: {n} rows, no problems")
    return 0


def cmd_schema(args) -> int:
    import pandas as pd

    frame = pd.DataFrame([{"column": c.name, "unit": c.unit, "required": c.required, "kind": c.kind,
                           "description": c.description} for c in COLUMNS])
    write_frame(frame, args.format, args.out)
    return 0


def cmd_import_epoch(args) -> int:
    from .epoch_import import write_epoch_import

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ChipsimError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = write_epoch_import(data, str(path))
    chips_mod.parse_chips(text, name=f"{path} (converted)")  # what we write must load
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ChipsimError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote {text.count(chr(10)) - 1} rows to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


COMMANDS = {}


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
