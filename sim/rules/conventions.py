"""Every place the regulation leaves a metric ambiguous, decided once, named, and documented here.

15 CFR 774 Supp. 1, ECCN 3A090 Technical Notes 1-4 define TPP and performance density, but they
do not say (a) the bit length of a TF32 operation, (b) whether an FP6 operation counts 6 bits, or
(c) whether a multi-GPU package such as the GB200 superchip is one "integrated circuit"; nor do the
unpublished April 2025 letters say (d) which chips their bandwidth triggers reach. Each is a field
below, with the default chipsim uses and why; callers may pass other values (CLI `--tf32-bits`,
`--fp6-bits`, `--count-per`, `--is-informed-scope`), and every result records the conventions it used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import ChipsimError

INTERCONNECT_READINGS = ("chip-to-chip", "all-io")

# H100 SXM dense FP8 1,978.9 TFLOPS x 8 bits (NVIDIA H100 datasheet; the 3A090 worked example in
# us-rules §2.1 gives TPP ~15,831). Used only to express TPP in "H100-equivalents".
H100_SXM_TPP = 1978.9 * 8


@dataclass(frozen=True)
class MetricConventions:
    """How chipsim turns datasheet figures into the regulation's metrics.

    tf32_bits: a TF32 multiply reads 19-bit operands (1 sign, 8 exponent, 10 mantissa bits) that
        are held in 32-bit registers. Note 1.c counts "the largest bit-length of the inputs to the
        multiply operation", so chipsim takes 19 by default, as Epoch AI's TPP estimates do; 32
        (the storage width) is the option that never understates. It matters where TF32 runs at the
        FP16 rate (AWS Trainium: 3,610 at 19 bits vs 6,080 at 32; Trainium3: 20,136 vs 21,472,
        either side of the January 2026 21,000 line); where TF32 runs at half the FP16 rate (NVIDIA
        A100/H100) the FP16 figure decides at 19 bits and ties at 32.
    fp6_bits: FP6 inputs are 6 bits wide, so 6 by default. Some analysts count FP6 on the 8-bit
        datapath it shares with FP8; set 8 to follow them.
    count_per: "chip" evaluates one accelerator (one GB200 GPU); "package" multiplies throughput,
        die area and bandwidths by units_per_package (a GB200 superchip holds 2 GPUs). BIS said in
        its 2023-11-06 briefing that dies on a common board may be one "integrated circuit";
        how far that reaches is uncertain, so per chip is the default and per package a setting.
    h100_tpp: the TPP of one H100 SXM, the unit of "H100-equivalents".
    is_informed_scope: which chips the April 2025 is-informed letters' bandwidth triggers reach.
        "below-3a090" (default): only chips outside 3A090, as the reported criteria say ("with
        TPP/PD below 3A090"; NVIDIA's 8-K names the H20, itself below 3A090) — a 3A090 chip already
        needs a license under §742.6 and keeps its NAC/ACA eligibility. "all": every chip the
        triggers catch, the stricter reading some analysts explore; it turns NAC-eligible chips
        (RTX 5090, MI210) into denials, which no published source supports. A consequence of the
        default worth knowing in what-ifs: a stricter 3A090 threshold can pull a chip out of the
        letters' reach into 3A090, where License Exception NAC/ACA may apply, so that one pair
        becomes less restricted (the only exception to "a stricter threshold never loosens a verdict").
    interconnect: what a bill's undefined "interconnect bandwidth" reads (SAFE Chips Act, S.3374, prongs
        "interconnect >= 1,100 GB/s" and "DRAM + interconnect >= 5,000 GB/s"). "chip-to-chip" (default):
        the chip's dedicated links to other accelerators (NVLink, Infinity Fabric, ICI), bidirectional,
        without the host interface: io_bw_gbps minus host_link_gbps, so the H20 reads 900 GB/s, as the
        bill's public worked examples do. "all-io": the whole bidirectional I/O figure the 2022 rule's
        3A090 read, host link included (the H20 reads 1,028, and DRAM + I/O 5,028 crosses 5,000). The
        bill defines neither; both readings are UNCERTAIN, and a verdict names the one it used.
    """

    tf32_bits: int = 19
    fp6_bits: int = 6
    count_per: str = "chip"
    h100_tpp: float = H100_SXM_TPP
    is_informed_scope: str = "below-3a090"
    interconnect: str = "chip-to-chip"

    def __post_init__(self):
        if self.tf32_bits not in (19, 32):
            raise ChipsimError(f"tf32_bits must be 19 or 32, not {self.tf32_bits!r}")
        if self.fp6_bits not in (6, 8):
            raise ChipsimError(f"fp6_bits must be 6 or 8, not {self.fp6_bits!r}")
        if self.count_per not in ("chip", "package"):
            raise ChipsimError(f"count_per must be 'chip' or 'package', not {self.count_per!r}")
        if self.is_informed_scope not in ("below-3a090", "all"):
            raise ChipsimError(f"is_informed_scope must be 'below-3a090' or 'all', not {self.is_informed_scope!r}")
        if self.interconnect not in INTERCONNECT_READINGS:
            raise ChipsimError(f"interconnect must be one of {', '.join(INTERCONNECT_READINGS)}, not {self.interconnect!r}")
        if not self.h100_tpp > 0:
            raise ChipsimError("h100_tpp must be a positive number")

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_CONVENTIONS = MetricConventions()
