#!/usr/bin/env bash
# usage: benchmarks/cli_snapshot.sh OUTDIR — every CLI output a refactor must not change, to diff two trees:
#   benchmarks/cli_snapshot.sh /tmp/before; (change the code); benchmarks/cli_snapshot.sh /tmp/after; diff -r /tmp/before /tmp/after
set -u
out=$(realpath -m "$1"); mkdir -p "$out"; cd "$(dirname "$0")/.."
presets=$(python3 -m sim scenarios --format csv 2>/dev/null | tail -n +2 | cut -d, -f1)
echo "$presets" > "$out/presets.txt"
for p in $presets; do
  python3 -m sim evaluate --scenario "$p" --format csv > "$out/eval-$p.csv" 2> "$out/eval-$p.err"
  python3 -m sim evaluate --scenario "$p" --format csv --hq CN --reexport --quantity 5 --entity-list fn4 --military-end-use > "$out/eval-$p-variant.csv" 2> "$out/eval-$p-variant.err"
  python3 -m sim evaluate --scenario "$p" --format csv --entity-list listed --transfer > "$out/eval-$p-variant2.csv" 2> "$out/eval-$p-variant2.err"
  python3 -m sim scenario show "$p" > "$out/show-$p.txt" 2>&1
done
python3 -m sim evaluate --as-of 2024-06-01 --format csv > "$out/eval-asof.csv" 2>&1
python3 -m sim sweep --scenario us-2023-11 --vary 3A090.a.1.tpp=1000:20000:191 --dest CN --plot "$out/tpp.png" > "$out/sweep1.txt" 2>&1
python3 -m sim sweep --scenario us-2023-11 --vary 3A090.a.1.tpp=1000:20000:191 --dest CN --out "$out/sweep1.csv" > /dev/null 2>&1
python3 -m sim sweep --scenario us-2023-11 --vary 3A090.a.1.tpp=1000:20000:50 --vary 3A090.a.2.pd=1:10:50 --out "$out/grid.csv" > /dev/null 2>&1
python3 -m sim chips --format csv > "$out/chips.csv" 2>&1
python3 -m sim scenarios > "$out/scenarios.txt" 2>&1
python3 -m sim explain nvidia-h20 --dest CN --scenario us-2025-04-h20 > "$out/explain.txt" 2>&1
python3 -m sim diff --from us-2022-10 --to us-2023-11 --dest CN > "$out/diff.txt" 2>&1
python3 -m sim timeline nvidia-h20 --dest CN > "$out/timeline.txt" 2>&1
python3 -m sim margins amd-mi325x --dest CN --scenario us-2026-01 > "$out/margins.txt" 2>&1
python3 -m sim best --dest CN --scenario us-2026-01 > "$out/best.txt" 2>&1
python3 -m sim allocate --dest BR --scenario us-2025-01-aid --mix nvidia-h100-sxm=30000 > "$out/allocate.txt" 2>&1
python3 -m sim montecarlo --scenario us-2026-01 --chip nvidia-b30a --dest CN --n 200 --seed 1 > "$out/mc.txt" 2>&1
python3 -m sim validate chips.csv > "$out/validate.txt" 2>&1
echo "snapshot in $out: $(ls $out | wc -l) files"
