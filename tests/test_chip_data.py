"""The bundled chip table against its cited sources: unit traps and figures fixed in chips-CHANGELOG.md.

Every expected value below is derived from the cited figure written in the test (citation in the comment),
never read back from chips.csv, so a row that drifts from its source fails here.
"""

from pathlib import Path

import pandas as pd
import pytest

from sim.data.chips import BUNDLED_CHIPS, load_chips
from sim.data.schema import RANGE_BASES
from sim.engine.metrics import compute_metrics
from sim.rules.conventions import MetricConventions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table():
    return load_chips(BUNDLED_CHIPS).set_index("chip_id", drop=False)


@pytest.fixture(scope="module")
def metrics(table):
    return compute_metrics(table.reset_index(drop=True)).set_index(table.index)


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(BUNDLED_CHIPS, dtype=str, keep_default_na=False).set_index("chip_id")


def row(table, chip_id):
    if chip_id not in table.index:
        pytest.skip(f"{chip_id} is not in chips.csv")
    return table.loc[chip_id]


# --- unit traps -------------------------------------------------------------------------------

def test_mlu370_x8_is_one_chip_of_a_two_chip_card(table):
    # Cambricon MLU370-X8 launch material (2022-03-21): one card = two Siyuan 370 chips ("dual-chip,
    # four-chiplet"); card peaks FP16 96 TFLOPS, INT8 256 TOPS, INT4 512 TOPS, 48 GB LPDDR5 at 614.4 GB/s.
    card_int8, card_fp16, card_int4, card_dram, chips_per_card = 256, 96, 512, 614.4, 2
    r = row(table, "cambricon-mlu370-x8")
    assert r.units_per_package == chips_per_card
    assert r.int8_tops == card_int8 / chips_per_card
    assert r.fp16_bf16_tflops == card_fp16 / chips_per_card
    assert r.int4_tops == card_int4 / chips_per_card
    assert r.dram_bw_gbps == pytest.approx(card_dram / chips_per_card)
    one = table.loc[["cambricon-mlu370-x8"]].reset_index(drop=True)
    assert compute_metrics(one).tpp.iat[0] == card_int8 / chips_per_card * 8  # 1,024 per chip
    per_card = compute_metrics(one, MetricConventions(count_per="package"))
    assert per_card.tpp.iat[0] == card_int8 * 8  # 2,048 per card


def test_wse3_uses_the_dense_figure(table):
    # Cerebras WSE-3: the 125 PFLOPS headline is sparse FP16 (Cerebras, March 2024); dense is at most half.
    # The row is researched separately (staging file); this guards it once it lands.
    r = row(table, "cerebras-wse-3")
    assert r.fp16_bf16_tflops <= 125_000 / 2
    assert "fp16_bf16_tflops" in r.sparsity_halved or r.fp16_bf16_tflops < 125_000 / 2


def test_groq_has_no_dram(table):
    # GroqChip product brief / ISCA 2020 'Think Fast': 230 MB on-die SRAM is the only memory; SRAM is not DRAM.
    r = row(table, "groq-groqchip-v1")
    assert r.dram_bw_gbps == 0
    assert r.memory_gb == 0


def test_br100_io_counts_eight_blinks_of_64(table):
    # Chips and Cheese, Hot Chips 34 BR100 (2022-10-04): eight BLink connections of 64 GB/s bidirectional each;
    # host PCIe 5.0 x16 = 128 GB/s bidirectional. The press '2.3 TB/s' is not the BLink total.
    assert row(table, "biren-br100").io_bw_gbps == 8 * 64 + 128


def test_every_row_with_die_area_states_non_planar(table):
    has_area = table.die_area_mm2.notna() | table.die_area_mm2_low.notna() | table.die_area_mm2_high.notna()
    assert table.loc[has_area, "non_planar"].notna().all()


# --- figures fixed on 2026-11-27: TPP = cited dense figure x bit length ---------------------------

@pytest.mark.parametrize("chip_id, expected_tpp", [
    # NVIDIA H800 datasheet, H800 PCIe: FP8 3,026 TFLOPS with sparsity -> dense 1,513; x 8 bits
    ("nvidia-h800-pcie", 3026 / 2 * 8),
    # NVIDIA H100 product page, H100 NVL column: BF16/FP16 1,671 and FP8 3,341 TFLOPS with sparsity -> dense
    # 835.5 and 1,670.5; TPP is the larger of 835.5 x 16 and 1,670.5 x 8 (NVIDIA's rounding makes FP16 win by 4)
    ("nvidia-h100-nvl", max(1671 / 2 * 16, 3341 / 2 * 8)),
    # NVIDIA H200 product page, H200 NVL column: same figures as the H100 NVL
    ("nvidia-h200-nvl", max(1671 / 2 * 16, 3341 / 2 * 8)),
    # Cambricon MLU370-X8 card INT8 256 TOPS, two chips per card -> 128 per chip; x 8 bits
    ("cambricon-mlu370-x8", 256 / 2 * 8),
    # Google Cloud TPU v4 doc: 275 TFLOPS bf16 (or int8) per chip; x 16 bits
    ("google-tpu-v4", 275 * 16),
    # Meta MTIA v2 blog: INT8 354 TOPS dense; x 8 bits (FP16 177 x 16 ties)
    ("meta-mtia-v2", 354 * 8),
    # Groq product brief: INT8 750 TOPS; x 8 bits
    ("groq-groqchip-v1", 750 * 8),
    # Biren HC34: INT8 2,048 TOPS; x 8 bits
    ("biren-br100", 2048 * 8),
])
def test_tpp_equals_cited_figure_times_bits(metrics, chip_id, expected_tpp):
    if chip_id not in metrics.index:
        pytest.skip(f"{chip_id} is not in chips.csv")
    assert metrics.loc[chip_id, "tpp"] == pytest.approx(expected_tpp)


def test_b30a_is_a_range_from_half_of_b300(table):
    # Reuters 2025-08-19: B30A 'likely to deliver half the raw computing power' of the B300.
    # B300 dense FP4: NVIDIA HGX B300 105 PFLOPS / 8 GPUs = 13,125; GB300 datasheet 15,000 per GPU.
    r = row(table, "nvidia-b30a")
    assert pd.isna(r.fp4_tflops)  # no published point value
    assert r.fp4_tflops_low == 105_000 / 8 / 2
    assert r.fp4_tflops_high == 15_000 / 2
    assert r.fp4_tflops_low * 4 > 21_000  # TPP above the Jan-2026 case-by-case line across the whole range
    assert r.confidence == "estimate"


@pytest.mark.parametrize("chip_id, cited", [
    # TPU v4 ISCA 2023 (Jouppi et al.): die size < 600 mm2; no point value published
    ("google-tpu-v4", {"die_area_mm2_high": 600}),
    # NVIDIA: two reticle-limited dies; exposure field 26 x 33 mm = 858 mm2 each
    ("nvidia-b200", {"die_area_mm2_high": 2 * 26 * 33}),
    ("nvidia-gb300", {"die_area_mm2_high": 2 * 26 * 33}),
    # IEEE Spectrum: Gaudi 3 = two identical dies; Gaudi 2 = a single chip
    ("intel-gaudi3", {"die_area_mm2_high": 2 * 26 * 33}),
    ("intel-gaudi2", {"die_area_mm2_high": 26 * 33}),
    # AMD ISSCC 2026: 8 XCDs x 110 mm2; plus two N6 IODs of at most 858 mm2 each
    ("amd-mi355x", {"die_area_mm2_low": 8 * 110, "die_area_mm2_high": 8 * 110 + 2 * 26 * 33}),
    # Meta Hot Chips 2024: LPDDR5 at 204.8 GB/s
    ("meta-mtia-v2", {"dram_bw_gbps": 204.8}),
])
def test_bounds_and_figures_match_their_citation(table, chip_id, cited):
    r = row(table, chip_id)
    for column, value in cited.items():
        assert r[column] == pytest.approx(value), column
    if any(c.endswith(("_low", "_high")) for c in cited):
        assert pd.isna(r.die_area_mm2)  # a bound is not a published point value


def test_ranges_are_ordered(table):
    for base in RANGE_BASES:
        lo, hi = table[f"{base}_low"], table[f"{base}_high"]
        both = lo.notna() & hi.notna()
        assert (lo[both] <= hi[both]).all(), base


# --- sources a lawyer can follow ------------------------------------------------------------------

BANNED = ("aiwiki", "grokipedia", "clawkipedia", "screenhacker", "saulelectric", "/work/",
          "sysrqmts", "technical.city", "topcpu.net", "fpsbench", "cronfeed", "juanzhizmbwg", "3dtested")


def test_no_ai_wiki_mirror_or_local_path_is_cited(raw):
    for column in ("sources", "notes", "eccn_source"):
        if column not in raw:
            continue
        text = raw[column].str.lower()
        for word in BANNED:
            assert not text.str.contains(word, regex=False).any(), (column, word, list(raw.index[text.str.contains(word, regex=False)]))


def test_code_search_provenance_names_a_repository(raw):
    text = raw.sources + " " + raw.notes
    vague = text.str.contains(r"found by code search|\(code search\)", regex=True) & ~text.str.contains("github.com/")
    assert not vague.any(), list(raw.index[vague])


def test_nvl_notes_do_not_claim_filled_cells_are_empty(raw):
    for chip_id in ("nvidia-h100-nvl", "nvidia-h200-nvl"):
        if chip_id in raw.index:
            assert "left EMPTY" not in raw.at[chip_id, "notes"]


def test_confidence_grade_of_estimated_die_areas(table):
    estimated = table.die_area_estimate.fillna(False).astype(bool) & (
        table.die_area_mm2.notna() | table.die_area_mm2_low.notna() | table.die_area_mm2_high.notna())
    assert (table.loc[estimated, "confidence"] == "estimate").all(), list(
        table.index[estimated & (table.confidence != "estimate")])


# --- issue 9, second pass (2026-11-27): figures and bounds, each from the citation written here ----

def test_chips_without_dram_have_zero_dram_bandwidth(table):
    # Alibaba Hot Chips 32 (AnandTech live blog): 192 MB local SRAM, 'no DDR'. Cerebras (2024-03-13):
    # 44 GB on-wafer SRAM is the only memory. SRAM is not DRAM: bandwidth 0, capacity 0.
    for chip_id in ("alibaba-hanguang-800", "cerebras-wse-3"):
        r = row(table, chip_id)
        assert r.dram_bw_gbps == 0, chip_id
        assert r.memory_gb == 0, chip_id


def test_ascend_910_dies_hbm_and_io_from_hot_chips_31(table, metrics):
    # Huawei HC31 p.37 / HPCA 2021 Table 7: Vitruvian 456 mm2 (7+nm) + Nimbus V3 I/O die 168 mm2 (16nm);
    # the 2 dummy dies (110 mm2) and 4 HBM stacks (96 mm2) are not logic. HBM: '1.2 TB/s'; Epoch 1,288 GB/s.
    vitruvian, nimbus = 456, 168
    r = row(table, "huawei-ascend-910")
    assert r.die_area_mm2 == vitruvian + nimbus
    assert r.logic_dies == 2
    assert (r.dram_bw_gbps_low, r.dram_bw_gbps_high) == (1200, 1288)
    # HC31: 3 x 240 Gb/s HCCS (bidirectional or per direction, unstated) + PCIe 4.0 x16 (64) + 2 x 100 GbE (50)
    hccs_total, pcie4_x16, roce = 3 * 240 / 8, 64, 2 * 2 * 100 / 8
    assert r.io_bw_gbps_low == hccs_total + pcie4_x16 + roce
    assert r.io_bw_gbps_high == 2 * hccs_total + pcie4_x16 + roce
    # Huawei: INT8 512 TOPS -> TPP 4,096; PD = 4,096 / 624
    assert metrics.loc["huawei-ascend-910", "tpp"] == 512 * 8
    assert metrics.loc["huawei-ascend-910", "pd"] == pytest.approx(512 * 8 / (vitruvian + nimbus))
    assert metrics.loc["huawei-ascend-910", "pd"] > 5.92  # 3A090.a.2


def test_wse3_row(table, metrics):
    # Cerebras 2024-03-13: 125 PF peak AI (FP16), 46,225 mm2 wafer-scale die, TSMC 5nm. Dense = half (issue 9
    # convention), kept as a range up to the headline because Cerebras does not label it sparse.
    r = row(table, "cerebras-wse-3")
    assert r.fp16_bf16_tflops == 125_000 / 2
    assert (r.fp16_bf16_tflops_low, r.fp16_bf16_tflops_high) == (125_000 / 2, 125_000)
    assert r.die_area_mm2 == 46_225 and r.non_planar
    assert metrics.loc["cerebras-wse-3", "tpp"] == 125_000 / 2 * 16
    assert metrics.loc["cerebras-wse-3", "tpp_high"] == 125_000 * 16
    assert r.confidence == "estimate"


def test_ascend_950pr_fp4_range_is_card_to_roadmap(table, metrics):
    # Guancha (2026-03-21, Atlas 350 as sold): FP4 1.56 PFLOPS; Huawei HC2025 roadmap: MXFP4 2 PFLOPS, FP8 1 PFLOPS.
    r = row(table, "huawei-ascend-950pr")
    assert (r.fp4_tflops_low, r.fp4_tflops_high) == (1560, 2000)
    assert metrics.loc["huawei-ascend-950pr", "tpp_high"] == max(1000 * 8, 2000 * 4)
    assert metrics.loc["huawei-ascend-950pr", "tpp_high"] < 21_000  # Jan 2026 case-by-case line


RETICLE = 26 * 33  # ASML exposure field, mm2 per die


@pytest.mark.parametrize("chip_id, dies", [
    ("intel-gaudi2-hl225b", 1),   # same single Gaudi 2 die (IEEE Spectrum)
    ("nvidia-rubin-cpx", 1),      # NVIDIA: monolithic die
    ("aws-trainium2", 2),         # two compute tiles + two static chiplets (Tom's Hardware, SemiAnalysis)
    ("meta-mtia-300", 3),         # one compute + two network chiplets (Wccftech, 2026-03-11)
    ("baidu-kunlun-k200", 1),     # one SoC die + two HBM2 on the I-Cube interposer (Samsung/Baidu, 2019-12)
    # third pass (2026-11-27)
    ("huawei-ascend-910c", 2),    # Huawei CANN HCCL guide: each Atlas A3 NPU = 2 Devices, i.e. two dies
    ("aws-trainium3", 2),         # Tom's Hardware (re:Invent 2025): 'a dual-chiplet AI accelerator'
    ("meta-mtia-400", 5),         # heise online (2026-03): 'a total of five chiplets plus four memory stacks'
    # fourth pass (2026-11-28)
    ("microsoft-maia-200", 1),    # Microsoft arXiv:2608.24664: 'near-reticle-sized monolithic die, 26x33 mm'
    ("meta-mtia-450", 5),         # SixRackUnits newsletter (Meta figures): 2 compute + 2 network + 1 SoC chiplets
    ("meta-mtia-500", 7),         # SiliconANGLE: four compute chiplets; newsletter: + 2 network + 1 SoC
])
def test_reticle_bounds_use_the_published_die_count(table, chip_id, dies):
    r = row(table, chip_id)
    assert r.die_area_mm2_high == dies * RETICLE
    assert pd.isna(r.die_area_mm2)
    assert r.non_planar and r.die_area_estimate
    assert r.confidence == "estimate"


# --- issue 9, third pass (2026-11-27): die counts behind the new reticle bounds, PD lower bounds ----

@pytest.mark.parametrize("chip_id, dies, cited_tpp", [
    # Huawei HC2025 keynote: Ascend 910C FP16 800 TFLOPS; two dies (Huawei CANN HCCL user guide, Atlas A3)
    ("huawei-ascend-910c", 2, 800 * 16),
    # AWS Trainium3 chip page: 2,517 MXFP8/MXFP4 TFLOPS dense; two chiplets (Tom's Hardware)
    ("aws-trainium3", 2, max(2517 * 8, 2517 * 4, 671 * 16)),
    # Meta MTIA blog table: MTIA 400 MX4 12 PFLOPS, FP8 6, BF16 3; five logic chiplets (heise online)
    ("meta-mtia-400", 5, max(12_000 * 4, 6_000 * 8, 3_000 * 16)),
])
def test_third_pass_bounds_follow_the_die_count(table, metrics, chip_id, dies, cited_tpp):
    r = row(table, chip_id)
    assert r.logic_dies == dies
    assert r.die_area_mm2_high == dies * RETICLE
    assert pd.isna(r.die_area_mm2_low)  # no published lower figure (910C: 910B-die identity disputed)
    assert metrics.loc[chip_id, "tpp"] == pytest.approx(cited_tpp)
    # PD can only be bounded from below: TPP / (dies x 858 mm2)
    assert metrics.loc[chip_id, "pd_low"] == pytest.approx(cited_tpp / (dies * RETICLE))
    assert metrics.loc[chip_id, "pd_low"] > 5.92  # 3A090.a.2 on performance density alone


def test_third_pass_sources_are_named(raw):
    # each new bound names the document that gives the die count, and the exposure-field source
    expected = {
        "huawei-ascend-910c": "hiascend.com/document/detail/zh/canncommercial/850/commlib/hcclug/hcclug_000066",
        "aws-trainium3": "tomshardware.com/tech-industry/artificial-intelligence/amazon-launches-trainium3",
        "meta-mtia-400": "heise.de/-11209412",
    }
    for chip_id, address in expected.items():
        if chip_id not in raw.index:
            continue
        assert address in raw.at[chip_id, "sources"], chip_id
        assert "asml.com" in raw.at[chip_id, "sources"], chip_id
        assert raw.at[chip_id, "confidence"] == "estimate", chip_id


# --- issue 9, fourth pass (2026-11-28): a bound derived from primary premises settles a verdict -----

def test_h800_pcie_dram_bound_follows_from_gh100_stacks_and_the_hbm3_standard(table):
    # NVIDIA H100 whitepaper: GH100 carries at most 6 HBM3/HBM2e stacks. JEDEC JESD238 (2022): HBM3 tops
    # out at 6.4 Gb/s per pin = 819.2 GB/s per stack. HBM3E volume production began 2024, after the card.
    stacks, per_stack = 6, 6.4 * 1024 / 8
    r = row(table, "nvidia-h800-pcie")
    assert pd.isna(r.dram_bw_gbps)  # no citable point value
    assert r.dram_bw_gbps_high == pytest.approx(stacks * per_stack)


def test_h800_pcie_is_under_the_january_2026_lines_but_was_never_sold_in_the_us():
    # TPP 12,104 (datasheet FP8 3,026 sparse / 2 x 8) < 21,000 and DRAM <= 4,915 < 6,500 GB/s, but the case-by-case
    # review needs the chip commercially available in the US on 2026-01-15 (91 FR 1684, condition (a)): the
    # China-market H800 never was, so the presumption of denial stays
    from sim.api import evaluate
    v = evaluate("us-2026-01", chips=["nvidia-h800-pcie"], destinations=["CN"]).iloc[0]
    assert (v["outcome"], v["rule"]) == ("denied", "rlp-2026-not-us-available")
    assert "DRAM ≤ 4,915 GB/s < 6,500 GB/s" in v["reason"] and "never (not sold there)" in v["reason"]


# --- issue "a determination a compliance officer can file" (2026-12-04) ------------------------------

def test_rows_saved_by_pandas_are_written_like_every_other_row(raw):
    # MTIA 450, MTIA 500 and Maia 200 held True / 5.0 / 4290.0 (a pandas round trip); the rest of the table
    # writes booleans as lower-case true/false and counts without a decimal point
    from sim.data.schema import BOOL_COLUMNS, COLUMNS

    counts = [c.name for c in COLUMNS if c.kind == "count" and c.name in raw]
    for column in [c for c in BOOL_COLUMNS if c in raw]:
        assert raw[column].isin(["", "true", "false"]).all(), column
    for column in counts:
        assert not raw[column].str.contains(".", regex=False).any(), column
    cited = {  # fourth pass: die counts from Microsoft's paper, the SixRackUnits list and SiliconANGLE
        "meta-mtia-450": ("5", "4290"), "meta-mtia-500": ("7", "6006"), "microsoft-maia-200": ("1", "858")}
    for chip_id, (dies, high) in cited.items():
        if chip_id not in raw.index:
            continue
        assert (raw.at[chip_id, "die_area_estimate"], raw.at[chip_id, "logic_dies"],
                raw.at[chip_id, "die_area_mm2_high"]) == ("true", dies, high), chip_id
        assert int(high) == int(dies) * RETICLE


def test_the_three_cleaned_rows_validate(tmp_path):
    from sim.data.chips import validate_file

    rows = pd.read_csv(BUNDLED_CHIPS, dtype=str, keep_default_na=False)
    three = rows[rows.chip_id.isin(["meta-mtia-450", "meta-mtia-500", "microsoft-maia-200"])]
    path = tmp_path / "three.csv"
    three.to_csv(path, index=False)  # all-text frame: pandas writes the cells as they are
    assert len(three) == 3
    assert validate_file(path) == []


def test_every_published_classification_names_its_source(raw):
    # a manufacturer's ECCN (vendor_eccn) and an ECCN below 3A090 are facts with a source like any figure
    for column, source in (("vendor_eccn", "vendor_eccn_source"), ("eccn_below_3a090", "eccn_source")):
        if column not in raw:
            continue
        filled = raw[column] != ""
        assert (raw.loc[filled, source].str.strip() != "").all(), (column, list(raw.index[filled & (raw[source] == "")]))


def test_a_vendor_eccn_below_3a090_agrees_with_eccn_below_3a090(raw):
    # where the manufacturer publishes a below-3A090 ECCN, eccn_below_3a090 carries it (or another sourced one)
    from sim.data.schema import meets_3a090

    if "vendor_eccn" not in raw:
        pytest.skip("no vendor_eccn column")
    below = raw[(raw.vendor_eccn != "") & ~raw.vendor_eccn.map(meets_3a090)]
    assert (below.eccn_below_3a090 != "").all(), list(below.index[below.eccn_below_3a090 == ""])


def test_tiangai_100_die_count_is_not_invented(table):
    # no source gives the number of logic dies (Tom's Hardware 2021-01-18: 24B transistors, 2.5D CoWoS only)
    assert pd.isna(row(table, "iluvatar-tiangai-100").logic_dies)


def test_mlu370_x8_chip_has_two_dies_and_an_fp32_range(table, metrics):
    # launch report 2022-03-21: 'each card two chips, each chip packages two Die'; FP32 per card 32 there,
    # 24 on the vendor page (via Epoch) -> 12-16 per chip, which does not set TPP (INT8 128 x 8 = 1,024)
    r = row(table, "cambricon-mlu370-x8")
    assert r.logic_dies == 2
    assert pd.isna(r.fp32_tflops)
    assert (r.fp32_tflops_low, r.fp32_tflops_high) == (24 / 2, 32 / 2)
    assert metrics.loc["cambricon-mlu370-x8", "tpp_high"] == 256 / 2 * 8


@pytest.mark.parametrize("chip_id", ["huawei-ascend-910b", "huawei-ascend-910b1", "huawei-ascend-910b3",
                                     "huawei-ascend-910b4"])
def test_ascend_910b_die_area_is_the_compute_die_only(table, metrics, chip_id):
    # Kurnal die shot (via Tom's Hardware): compute die 21.32 x 31.22 mm; no source rules out an I/O die
    # (the original 910 had one), so the measured area is a lower bound and PD an upper bound
    r = row(table, chip_id)
    assert pd.isna(r.die_area_mm2) and pd.isna(r.die_area_mm2_high)
    assert r.die_area_mm2_low == pytest.approx(21.32 * 31.22, abs=0.01)
    assert pd.isna(r.logic_dies)
    assert metrics.loc[chip_id, "pd_high"] == pytest.approx(metrics.loc[chip_id, "tpp"] / 665.61)


def test_br104_is_one_537_mm2_br100_chiplet(table, metrics):
    # Chips and Cheese (HC34): BR100's 1,074 mm2 = two 537 mm2 tiles; Biren via eeNews Europe: BR104 'is a
    # single chiplet' from the same tapeout; SemiAnalysis: the same die ships as BR100 (2) and BR104 (1)
    r = row(table, "biren-br104")
    assert r.die_area_mm2 == 1074 / 2
    assert pd.isna(r.die_area_mm2_high) and r.logic_dies == 1 and r.die_area_estimate
    assert metrics.loc["biren-br104", "pd"] == pytest.approx(1024 * 8 / 537)


def test_rubin_ultra_cites_the_cancellation_report_by_address(raw):
    if "nvidia-rubin-ultra" not in raw.index:
        pytest.skip("no Rubin Ultra row")
    sources = raw.at["nvidia-rubin-ultra", "sources"]
    assert "URL not retrieved" not in sources
    assert "tomshardware.com/tech-industry/artificial-intelligence/nvidia-reportedly-cancels-quad-die-rubin-ultra" in sources


def test_gaudi3_china_variant_is_bounded_by_the_full_gaudi3(table, metrics):
    # The Register 2024-04-12 (from Intel's Gaudi 3 white paper): HL-328 OAM, 128 GB HBM2e at 3.7 TB/s,
    # PCIe 5.0 x16, 450 W, two dies; no compute figure published -> the HL-325L's dense figures bound it
    r, full = row(table, "intel-gaudi3-hl328"), row(table, "intel-gaudi3")
    for column in ("fp16_bf16_tflops", "fp8_tflops", "fp32_tflops"):
        assert pd.isna(r[column])
        assert r[f"{column}_high"] == full[column]
        assert pd.isna(r[f"{column}_low"])
    assert (r.memory_gb, r.dram_bw_gbps, r.tdp_w, r.logic_dies) == (128, 3700, 450, 2)
    assert r.die_area_mm2_high == 2 * RETICLE and r.confidence == "estimate"
    assert metrics.loc["intel-gaudi3-hl328", "tpp_high"] == 1835 * 16
    assert r.io_bw_gbps_low == 128 and r.io_bw_gbps_high == full.io_bw_gbps
