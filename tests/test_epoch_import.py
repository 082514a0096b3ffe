"""The Epoch AI importer: unit conversion, traceability, and output that chipsim can load."""

import csv
import subprocess
import sys

from sim import load_chips, with_metrics

EPOCH_HEADER = ["Hardware name", "Manufacturer", "Type", "Notes", "Release date", "Tensor-FP16/BF16 performance (FLOP/s)",
                "FP8 performance (FLOP/s)", "Memory (bytes)", "Memory bandwidth (byte/s)", "TDP (W)",
                "INT8 performance (OP/s)", "Die Size (mm^2)", "Process size (nm)", "Link to datasheet"]


def write_fixture(path):
    rows = [
        ["NVIDIA H100 SXM5 80GB", "NVIDIA", "GPU", "without sparsity", "2022-09-20", "9.89e14", "1.979e15", "8e10",
         "3.35e12", "700", "1.979e15", "814", "4", "https://example.com/h100.pdf"],
        ["NVIDIA GeForce RTX 4090", "NVIDIA", "GPU", "", "2022-10-12", "3.303e14", "", "2.4e10", "1.008e12", "450", "",
         "608.5", "5", ""],
        ["Mystery, Chip", "", "ASIC", "", "", "", "", "", "", "", "", "", "28", ""],
        ["NVIDIA GeForce RTX 4090", "NVIDIA", "GPU", "duplicate name", "2022-10-12", "", "", "", "", "", "", "", "", ""],
    ]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(EPOCH_HEADER)
        w.writerows(rows)


def test_import_epoch_converts_traceably(tmp_path):
    src, out = tmp_path / "epoch.csv", tmp_path / "out.csv"
    write_fixture(src)
    run = subprocess.run([sys.executable, "-m", "sim", "import-epoch", str(src), "-o", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    table = with_metrics(load_chips(out)).set_index("chip_id")
    assert len(table) == 4 and table.index.is_unique
    h100 = table.loc["nvidia-h100-sxm5-80gb"]
    assert h100["fp8_tflops"] == 1979 and h100["memory_gb"] == 80 and h100["dram_bw_gbps"] == 3350
    assert h100["tpp"] == 1979 * 8
    assert "fp8_tflops <- 'FP8 performance (FLOP/s)' 1.979e+15 / 1e+12" in h100["notes"]
    assert "Epoch AI" in h100["sources"] and "example.com/h100.pdf" in h100["sources"]
    assert h100["confidence"] == "secondary" and h100["non_planar"] == True  # noqa: E712
    rtx = table.loc["nvidia-geforce-rtx-4090"]
    assert rtx["segment"] == "consumer" and rtx["datacenter"] == False  # noqa: E712
    mystery = table.loc["mystery-chip"]
    assert mystery["non_planar"] == False and mystery["release"] == ""  # noqa: E712
    assert mystery["tpp"] != mystery["tpp"]  # unknown stays NaN


def test_import_epoch_rejects_a_file_of_another_format(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("a,b\n1,2\n")
    run = subprocess.run([sys.executable, "-m", "sim", "import-epoch", str(src)], capture_output=True, text=True)
    assert run.returncode == 2 and "Hardware name" in run.stderr and "Traceback" not in run.stderr
