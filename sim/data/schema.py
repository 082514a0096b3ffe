"""The chip table's columns: one canonical name per quantity, its unit and what a cell may hold.

Kept apart from loading so the importer, the validator, the CLI and the app all read the same
definitions (one place to add a column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEGMENTS = ("datacenter", "workstation", "consumer")
CONFIDENCE_GRADES = ("datasheet", "secondary", "estimate")
ITEM_TYPES = ("processor", "hbm")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "text" | "slug" | "month" | "day" | "bool" | "number" | "count" | "choice" | "columns" | "eccn"
    required: bool  # must the column exist in the file
    description: str
    unit: str = ""
    choices: tuple[str, ...] = ()
    nonempty: bool = False  # must every cell hold a value
    source_column: str = ""  # a value here needs a non-empty cell in this column (where it comes from)
    below_3a090: bool = False  # "eccn" kind only: an ECCN that does not meet 3A090 (no 3A090, 4A090 or .z)


# An Export Control Classification Number as the Commerce Control List writes it (15 CFR 738.2(d)):
# digit (category), letter A-E (product group), three digits, then lower-case paragraphs separated by
# dots (3A090.a, 5A992.c, 4A994.l, 5A992.z.1), or the designator EAR99 for items not on the list.
# The engine compares ECCNs as written (3A991.p is in 3A991), so a cell must use this exact form.
ECCN_PATTERN = re.compile(r"^(?:EAR99|[0-9][A-E][0-9]{3}(?:\.[a-z0-9]{1,3})*)$")
# ECCNs that mean the item meets 3A090's parameters: 3A090 and 4A090 themselves, and the .z paragraphs
# (3A001.z, 4A003.z, 5A992.z, ...) that catch items of other entries which meet 3A090/4A090.
ECCNS_MEETING_3A090 = ("3A090", "4A090")


def meets_3a090(eccn: str) -> bool:
    """Whether a well-formed ECCN says the item meets 3A090's parameters (3A090, 4A090 or a .z paragraph)."""
    base, _, rest = eccn.partition(".")
    return base in ECCNS_MEETING_3A090 or rest == "z" or rest.startswith("z.")


# Dense peak throughput columns and the bit length of their operation (3A090 Technical Note 1.c).
# TF32 and FP6 have no fixed bit length in the regulation; their bits come from MetricConventions.
THROUGHPUT_BITS: dict[str, int | None] = {
    "fp64_tflops": 64,
    "fp32_tflops": 32,
    "tf32_tflops": None,
    "fp16_bf16_tflops": 16,
    "fp8_tflops": 8,
    "int8_tops": 8,
    "fp6_tflops": None,
    "fp4_tflops": 4,
    "int4_tops": 4,
}
THROUGHPUT_COLUMNS = tuple(THROUGHPUT_BITS)

_T = "dense peak throughput (no sparsity)"

COLUMNS: tuple[Column, ...] = (
    Column("chip_id", "slug", True, "stable identifier, lowercase letters, digits and '-'", nonempty=True),
    Column("vendor", "text", True, "designer of the chip", nonempty=True),
    Column("name", "text", True, "marketing name of the SKU", nonempty=True),
    Column("release", "month", True, "first availability or announcement, YYYY-MM (empty if unknown)"),
    Column("segment", "choice", True, "market segment", choices=SEGMENTS, nonempty=True),
    Column("datacenter", "bool", True, "designed or marketed for use in datacenters (3A090 note)", nonempty=True),
    Column("fp64_tflops", "number", True, f"FP64 {_T}", "TFLOPS"),
    Column("fp32_tflops", "number", True, f"FP32 {_T}", "TFLOPS"),
    Column("tf32_tflops", "number", True, f"TF32 tensor {_T}", "TFLOPS"),
    Column("fp16_bf16_tflops", "number", True, f"FP16/BF16 tensor {_T}", "TFLOPS"),
    Column("fp8_tflops", "number", True, f"FP8 {_T}", "TFLOPS"),
    Column("int8_tops", "number", True, f"INT8 {_T}", "TOPS"),
    Column("fp6_tflops", "number", True, f"FP6 {_T}", "TFLOPS"),
    Column("fp4_tflops", "number", True, f"FP4 {_T}", "TFLOPS"),
    Column("int4_tops", "number", True, f"INT4 {_T}", "TOPS"),
    Column("sparsity_halved", "columns", False, "throughput columns halved from a vendor's sparse figure, ';'-separated"),
    Column("die_area_mm2", "number", True, "sum of non-planar logic die area, HBM excluded (3A090 Note 4)", "mm²"),
    Column("die_area_estimate", "bool", True, "die area is an estimate, not a vendor figure"),
    Column("non_planar", "bool", True, "logic dies use a non-planar (FinFET/GAA) transistor"),
    Column("logic_dies", "count", False, "number of logic dies summed in die_area_mm2"),
    Column("units_per_package", "count", False, "accelerators per sold package (GB200 superchip: 2)"),
    Column("item_type", "choice", False, "processor (default) or hbm: a standalone HBM stack, the only item 3A090.c reads",
           choices=ITEM_TYPES),
    Column("memory_bw_density_gbps_mm2", "number", False, "HBM stacks only: bandwidth / package area (3A090.c)", "GB/s/mm²"),
    Column("memory_type", "text", True, "DRAM technology"),
    Column("memory_gb", "number", True, "DRAM capacity", "GB"),
    Column("dram_bw_gbps", "number", True, "DRAM bandwidth", "GB/s"),
    Column("io_bw_gbps", "number", True, "aggregate bidirectional chip-to-chip I/O incl. host link", "GB/s"),
    Column("host_link_gbps", "number", False,
           "bidirectional bandwidth of the host interface (PCIe/CXL to the CPU) included in io_bw_gbps; 0 if none "
           "is included (empty if unknown)", "GB/s"),
    Column("tdp_w", "number", True, "thermal design power", "W"),
    Column("process_node", "text", True, "foundry process"),
    Column("confidence", "choice", True, "weakest evidence grade of the row's key figures",
           choices=CONFIDENCE_GRADES, nonempty=True),
    Column("sources", "text", True, "URLs or document citations, ' ; '-separated", nonempty=True),
    Column("notes", "text", True, "caveats: estimates, halved sparse figures, per-GPU vs per-package"),
    # where and by whom the chip is made: US rules reach a chip made abroad only through the
    # foreign-direct-product rules (15 CFR 734.9(h), (e)); the verdict says so
    Column("designer_country", "text", False, "ISO 3166-1 alpha-2 code of the designing company's headquarters"),
    Column("made_by", "text", False, "foundry that fabricates the logic die(s), e.g. TSMC, SMIC, Samsung"),
    Column("made_in", "text", False, "ISO 3166-1 alpha-2 code of the country where the logic die is fabricated"),
    # what the item is when it is not 3A090: embargo rules (Syria's License Exception SPP for EAR99,
    # Russia's mass-market carve-out) read it; empty = unknown, and a verdict that needs it says so
    Column("eccn_below_3a090", "eccn", False,
           "ECCN when the chip does not meet 3A090: EAR99, 3A991, 4A994, 5A992.c (empty if unknown)",
           below_3a090=True),
    Column("eccn_source", "text", False, "where eccn_below_3a090 comes from (vendor classification list, filing)"),
    # what the manufacturer itself publishes for the product (its export-classification page, product
    # compliance data, ECCN lookup), whatever it is: 3A090.a, 4A090.a, 5A992.c, 3A991.p, EAR99. A
    # self-classification that disagrees with chipsim's computed one is a red flag for a compliance file
    # to resolve, so it is kept as published, beside the computed classification, never replacing it.
    Column("vendor_eccn", "eccn", False,
           "ECCN the manufacturer publishes for this product, as published (empty if none found)",
           source_column="vendor_eccn_source"),
    Column("vendor_eccn_source", "text", False,
           "where vendor_eccn is published: URL or document, and the date it was read"),
    # dated facts that rules read: a threshold relative to China's own chips needs the day a Chinese chip
    # entered volume production; the January 2026 policy needs the day a chip was commercially available in
    # the US (91 FR 1684, condition (a)). A month means "by the end of that month"; empty = unknown.
    Column("volume_production", "day", False,
           "when the chip entered volume (commercially relevant) production: YYYY-MM-DD or YYYY-MM, or 'no' (not yet, as "
           "of the source's date); empty if unknown",
           source_column="volume_production_source"),
    Column("volume_production_source", "text", False, "where volume_production is reported, and how strongly"),
    Column("us_available", "day", False,
           "when the chip became commercially available in the US: YYYY-MM-DD or YYYY-MM, or 'no' (not sold in "
           "the US as of the source's date); empty if unknown",
           source_column="us_available_source"),
    Column("us_available_source", "text", False, "where us_available is documented, and the date of that source"),
)
COLUMNS = COLUMNS + tuple(
    # a figure known only as a range: NAME_low and/or NAME_high beside (or instead of) the point value
    Column(f"{base}_{end}", "number", False,
           f"{'lower' if end == 'low' else 'upper'} bound of {base} where the figure is known only as a range",
           unit)
    for base, unit in ((c.name, c.unit) for c in COLUMNS
                       if c.name in THROUGHPUT_COLUMNS + ("die_area_mm2", "dram_bw_gbps", "io_bw_gbps"))
    for end in ("low", "high")
)
RANGE_BASES = tuple(dict.fromkeys(c.name[: -len("_low")] for c in COLUMNS if c.name.endswith("_low")))

COLUMN_BY_NAME = {c.name: c for c in COLUMNS}
NUMERIC_COLUMNS = tuple(c.name for c in COLUMNS if c.kind in ("number", "count"))
BOOL_COLUMNS = tuple(c.name for c in COLUMNS if c.kind == "bool")
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)

TRUE_WORDS = frozenset({"true", "yes", "1", "y"})
FALSE_WORDS = frozenset({"false", "no", "0", "n"})
