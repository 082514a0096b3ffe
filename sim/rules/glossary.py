"""The glossary: every acronym and term chipsim shows, expanded, with where it is written.

UI-agnostic data. Entries that the rule data already states are generated from it — License
Exceptions (their citations and notes from the preset rules that grant them), EAR country groups
(members and citation from sim/data/country_groups.csv), parameter families (their labels and
citations from the presets) — so the glossary cannot drift from what the engine evaluates; the rest
is written once here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Term:
    term: str
    expansion: str
    meaning: str
    citation: str
    aliases: tuple[str, ...] = ()

    def short(self) -> str:
        """One line for a tooltip: 'NAC — Notified Advanced Computing (15 CFR 740.8(a)(1))'."""
        return f"{self.term} — {self.expansion}" + (f" ({self.citation})" if self.citation else "")


_CFR774 = "15 CFR 774 Supp. 1, ECCN 3A090"
STATIC = (
    Term("SAFE", "SAFE Chips Act (S.3374, 119th Congress)",
         "a bill, not law: a license required and denied for advanced ICs to foreign adversary countries and to "
         "entities headquartered there", "S.3374 as introduced 2025-12-04 (congress.gov)"),
    Term("SXM", "NVIDIA's mezzanine-module form factor",
         "the socketed board module of NVIDIA's datacenter GPUs (as opposed to a PCIe card)", ""),
    Term("TPP", "Total Processing Performance",
         "2 x MacTOPS x bit length of the operation, the highest over all precisions; dense figures only",
         f"{_CFR774}, Technical Notes 1-3"),
    Term("PD", "Performance density", "TPP divided by the applicable die area in mm² (non-planar logic dies, HBM excluded)",
         f"{_CFR774}, Technical Note 4", aliases=("performance density",)),
    Term("TOPS", "Tera operations per second", "10^12 operations per second (TFLOPS for floating point)", "",
         aliases=("TFLOPS", "MacTOPS")),
    Term("DRAM", "Dynamic random-access memory", "the chip's memory; its bandwidth is given in GB/s", ""),
    Term("MEU", "Military End-User (list)", "the Military End-User List (Supp. No. 7 to Part 744): parties whose "
         "listing, like the Entity List's, reaches entities they own 50 % or more under the Affiliates rule",
         "15 CFR 744.21, Supp. No. 7 to Part 744; BIS Affiliates rule (2025-09-29)"),
    Term("I/O", "Input/output bandwidth",
         "aggregate bidirectional chip-to-chip transfer rate including the host link, in GB/s", f"{_CFR774} (2022 text)"),
    Term("GB/s", "Gigabytes per second", "10^9 bytes per second", ""),
    Term("ECCN", "Export Control Classification Number", "the entry of the Commerce Control List an item falls under",
         "15 CFR 774 Supp. 1"),
    Term("3A090", "ECCN 3A090", "integrated circuits with high processing performance (.a, .b) and, since December 2024, "
         "HBM stacks (.c)", _CFR774),
    Term("EAR", "Export Administration Regulations", "the US rules on exports of dual-use items", "15 CFR 730-774"),
    Term("EAR99", "EAR99", "an item subject to the EAR but not on the Commerce Control List", "15 CFR 734.3(c)"),
    Term("BIS", "Bureau of Industry and Security", "the US Department of Commerce agency that writes and enforces the EAR", ""),
    Term("CFR", "Code of Federal Regulations", "the codified US federal regulations", ""),
    Term("FR", "Federal Register", "the US government's daily journal of rules; '88 FR 73458' = volume 88, page 73458", ""),
    Term("IFR", "Interim final rule", "a rule in force on publication, open to comments afterwards", ""),
    Term("AC/S", "Advanced Computing and Semiconductor Manufacturing rule",
         "the October 2023 interim final rule that introduced TPP/PD thresholds", "88 FR 73458"),
    Term("NLR", "No license required", "the export may go without a license", "15 CFR 772.1"),
    Term("HQ", "Headquarters", "where the end user (or its ultimate parent) is headquartered; some rules follow it "
         "rather than the destination", "15 CFR 742.6(a)(6)(iii)(A)"),
    Term("VEU", "Validated End User", "an authorisation for named data centres abroad", "15 CFR 748.15"),
    Term("SNAP-R", "Simplified Network Application Process Redesign", "BIS's online system for license applications "
         "and notifications", "15 CFR 748.1"),
    Term("KYC", "Know your customer", "due diligence on the buyer and end user", "15 CFR 732 Supp. 3"),
    Term("is-informed letter", "Is-informed letter",
         "a letter in which BIS informs an exporter that a license is required for named items or parties; "
         "such letters are not published", "15 CFR 744.21(b), 744.23(b)", aliases=("is-informed", "is informed")),
    Term("Sec. 232", "Section 232 of the Trade Expansion Act of 1962",
         "national-security import duties; the January 2026 proclamation set duty bands for AI chips by TPP and DRAM "
         "bandwidth (flagged by chipsim as a condition, not an export outcome)", "19 U.S.C. 1862; Proclamation of 2026-01-14",
         aliases=("232", "232 band", "Section 232")),
    Term("HTS", "Harmonized Tariff Schedule of the United States", "the US import tariff nomenclature", ""),
    Term("CBP", "US Customs and Border Protection", "the agency that collects import duties", ""),
    Term("CSMS", "Cargo Systems Messaging Service", "CBP's notices to the trade", ""),
    Term("AID", "AI Diffusion framework", "the January 2025 rule with country tiers, AIA, LPP and Tier 2 allocations; "
         "BIS announced on 2025-05-13 that it would not enforce it", "90 FR 4544 (FR Doc 2025-00636)",
         aliases=("AI Diffusion",)),
    Term("RLP", "January 2026 license review policy (chipsim's parameter prefix)",
         "case-by-case review, instead of denial, for exports from the US to China/Macau below the TPP and DRAM "
         "bandwidth limits", "91 FR 1684 (FR Doc 2026-00789)"),
    Term("H20", "NVIDIA H20 (chipsim's parameter prefix for the April 2025 letters)",
         "the reported bandwidth triggers of the April 2025 is-informed letters, named after the chip they targeted",
         "NVIDIA Form 8-K 2025-04-15"),
    Term("CSA", "Chip Security Act (chipsim's parameter prefix; H.R. 3447 / S.1705, a bill)",
         "location verification on every covered chip from 180 days after enactment; a duty to report diversion",
         "H.R. 3447 / S.1705 (119th Congress)"),
    Term("GAIN", "GAIN AI Act (chipsim's parameter prefix; S.3150 / H.R. 5885, a bill)",
         "a licence for an advanced IC to a country of concern needs a certification that US customers had priority",
         "S.3150 / H.R. 5885 (119th Congress)", aliases=("OVERWATCH", "AI OVERWATCH")),
    Term("RELATIVE", "Thresholds relative to China's own chips (chipsim's parameter prefix)",
         "a limit derived from the chip table: the best figure among chips designed in China and in volume production "
         "on the evaluation date, times (1 + margin), as the Moolenaar letter of 2025-08-25 proposes",
         "Moolenaar letter 2025-08-25 (exportcompliancedaily.com 2025-08-27)"),
    Term("CN", "China (ISO 3166-1 code)", "the People's Republic of China; the EAR treats Hong Kong as China", ""),
    Term("CAC", "Cyberspace Administration of China", "China's internet regulator; its guidance shows in the import column", ""),
    Term("MIIT", "Ministry of Industry and Information Technology (China)", "its guidance shows in the import column", ""),
    Term("H100e", "H100-equivalents", "a chip's TPP divided by the TPP of one NVIDIA H100 SXM (15,831)", "",
         aliases=("H100-equivalents",)),
    Term("Tier 1, 2, 3", "AI Diffusion country tiers", "Tier 1: the US and 18 allies; Tier 3: D:5 and Macau; "
         "Tier 2: everyone else", "15 CFR 740 Supp. 5 (90 FR 4544)", aliases=("Tier 1", "Tier 2", "Tier 3")),
    Term("FDP rule", "Foreign direct product rule", "extends the EAR to some items made abroad with US technology",
         "15 CFR 734.9", aliases=("FDP", "FDPR")),
    Term("TF32", "TensorFloat-32", "NVIDIA's 19-bit tensor format stored in 32 bits; the bit length chipsim counts is a "
         "setting (see Method)", "", aliases=("FP64", "FP32", "FP16", "BF16", "FP8", "FP6", "FP4", "INT8", "INT4")),
    Term("presumption of denial", "License review policy", "applications are reviewed with a presumption of denial "
         "(chipsim's outcome 'denied')", "15 CFR 742.6(b)(10)", aliases=("denied",)),
    Term("presumption of approval", "License review policy", "applications are reviewed with a presumption of approval",
         "15 CFR 742.6(b)(10)"),
    Term("case-by-case", "License review policy", "applications are reviewed one by one, with no presumption",
         "15 CFR 742.6(b)(10)"),
    Term("indeterminate", "chipsim outcome", "a figure the decision needs (TPP, die area, bandwidth) is unknown; "
         "never treated as zero", ""),
    Term("US", "United States", "", ""),
    Term("GB", "Gigabyte", "10^9 bytes (GB/s: gigabytes per second)", ""),
    Term("AI", "Artificial intelligence", "", ""),
    Term("GAO", "US Government Accountability Office", "its decisions (e.g. B-337935) say whether a rule took effect", ""),
    Term("FT", "Financial Times", "newspaper; chipsim cites its reports where no official text exists", ""),
    Term("CLI", "Command-line interface", "chipsim's `chipsim` command, which runs the same engine as this app", ""),
    Term("DNR", "So-called Donetsk People's Republic", "a region of Ukraine under a comprehensive US embargo",
         "15 CFR 746.6"),
    Term("LNR", "So-called Luhansk People's Republic", "a region of Ukraine under a comprehensive US embargo",
         "15 CFR 746.6"),
    Term("UVEU", "Universal Validated End User", "AI Diffusion's authorisation for data centres in Tier 1 and 2",
         "15 CFR 748.15 as amended by 90 FR 4544"),
    Term("NVEU", "National Validated End User", "AI Diffusion's per-country authorisation for data centres",
         "15 CFR 748.15 as amended by 90 FR 4544"),
    Term("DC", "District of Columbia", "part of the United States: a shipment there is no export", "15 CFR 772.1"),
    Term("UNCERTAIN", "chipsim evidence marker", "the citation's reading of the law is uncertain; see the preset notes",
         ""),
    Term("UAE", "United Arab Emirates", "", ""),
    Term("PRC", "People's Republic of China", "", ""),
    Term("OFAC", "Office of Foreign Assets Control (US Treasury)", "administers sanctions that can bar an export the EAR "
         "would allow", "31 CFR 500-599"),
    Term("EO", "Executive Order", "", ""),
    Term("CACR", "Cuban Assets Control Regulations", "OFAC's Cuba sanctions", "31 CFR 515"),
    Term("ITSR", "Iranian Transactions and Sanctions Regulations", "OFAC's Iran sanctions", "31 CFR 560"),
    Term("GP10", "General Prohibition 10", "no one may deal in an item knowing a violation has occurred or will occur",
         "15 CFR 736.2(b)(10)", aliases=("General Prohibition 10",)),
    Term("Entity List", "Entity List", "parties for which a license is required for items subject to the EAR",
         "15 CFR 744.11, 744 Supp. 4"),
    Term("STA", "Strategic Trade Authorization", "a license exception for Country Group A:5/A:6 destinations",
         "15 CFR 740.20"),
    Term("IC", "Integrated circuit", "", "", aliases=("ICs",)),
    Term("GPU", "Graphics processing unit", "", "", aliases=("GPUs",)),
    Term("SKU", "Stock-keeping unit", "one sold product variant", ""),
    Term("HBM stack", "High Bandwidth Memory", "stacked DRAM dies beside a processor; a standalone stack is 3A090.c",
         f"{_CFR774}.c", aliases=("HBM2e", "HBM3", "HBM3e")),
    Term("datacenter note", "Note to ECCN 3A090", "ICs not designed or marketed for datacenters with a TPP below "
         "4,800 are outside 3A090.a/.b (the number the note states; chipsim's parameter 3A090.note.tpp)", f"{_CFR774}, Note"),
)

EXCEPTION_NAMES = {"CCD": "Consumer Communications Devices", "NAC": "Notified Advanced Computing", "ACA": "Advanced Computing Authorized",
                   "AIA": "Artificial Intelligence Authorization", "LPP": "Low Processing Performance",
                   "HBM": "High Bandwidth Memory"}
GROUP_NAMES = {"A:5": "Country Group A:5 (License Exception STA, the closest allies)",
               "A:6": "Country Group A:6 (License Exception STA, with limits)",
               "D:1": "Country Group D:1 (national security concerns)", "D:2": "Country Group D:2 (nuclear)",
               "D:3": "Country Group D:3 (chemical and biological weapons)", "D:4": "Country Group D:4 (missile technology)",
               "D:5": "Country Group D:5 (US arms embargoed countries)",
               "E:1": "Country Group E:1 (terrorist supporting countries)", "E:2": "Country Group E:2 (unilateral embargo)"}


@lru_cache(maxsize=1)
def _exceptions() -> list[Term]:
    from .scenario import all_presets

    found: dict[str, Term] = {}
    for s in all_presets():
        for rules in s.chains.values():
            for rule in rules:
                exc = rule.get("exception")
                if exc and exc not in found:
                    expansion = f"License Exception {exc}" + (f" ({EXCEPTION_NAMES[exc]})" if exc in EXCEPTION_NAMES else "")
                    found[exc] = Term(exc, expansion, re.sub(r"\{[^}]*\}", "the limit", rule.get("note", "")),
                                      f"{rule['citation']} [{s.id}]")
    return list(found.values())


def _groups(day: dt.date) -> list[Term]:
    from ..data.destinations import groups_as_of, memberships

    m = memberships()
    out = []
    for group, members in sorted(groups_as_of(day).items()):
        cites = m[m["group"] == group]["citation"].value_counts()
        out.append(Term(group, GROUP_NAMES.get(group, f"Country Group {group}"),
                        f"{len(members)} members on {day}: {', '.join(sorted(members))}",
                        cites.index[0] if len(cites) else "15 CFR 740 Supp. 1"))
    return out


def terms(day: dt.date | None = None) -> list[Term]:
    """Every glossary entry, sorted by term (country-group members as of `day`, default today)."""
    day = day or dt.date.today()
    return sorted(list(STATIC) + _exceptions() + _groups(day), key=lambda t: t.term.lower())


@lru_cache(maxsize=1)
def _index() -> dict[str, Term]:
    out = {}
    for t in terms():
        for name in (t.term,) + t.aliases:
            out.setdefault(name.lower(), t)
    return out


def lookup(word: str) -> Term | None:
    return _index().get(word.lower())


ACRONYM = re.compile(r"(?<![\w.:-])(?:I/O|AC/S|[A-E]:\d|[A-Z][A-Z0-9-]*[A-Z0-9](?:-[A-Z])?|H100e|TF32)(?![\w:])")
# names, not acronyms: companies, chips and document numbers the texts cite
NAMES = re.compile(r"^(?:NVIDIA|AMD|AWS|TSMC|SMIC|MI\d+\w*|[A-Z]\d{2,}\w*|B-\d+|AND|OR|NOT)$")


def acronyms_in(text: str) -> list[str]:
    """Acronyms and country-group names in a text, in order of first appearance (company, chip and
    document names left out)."""
    return [a for a in dict.fromkeys(ACRONYM.findall(text or "")) if not NAMES.match(a)]


# ---------------------------------------------------------------------------------------------
# parameters the regulation states together: moving one alone changes a number the law repeats

@dataclass(frozen=True)
class Link:
    names: tuple[str, ...]
    why: str
    citation: str


LINKS = (
    Link(("3A090.a.1.tpp", "3A090.note.tpp"),
         "the datacenter Note's exemption (ICs not designed or marketed for datacenters, TPP below 4800) repeats the "
         "3A090.a.1 threshold; moving one alone keeps the old number for non-datacenter chips",
         f"{_CFR774}.a.1 and Note"),
)


def linked_parameters(parameters) -> list[Link]:
    """The links whose parameters all exist in a scenario's parameters."""
    return [link for link in LINKS if all(n in parameters for n in link.names)]
