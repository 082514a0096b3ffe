"""Method: definitions, what is modelled and what is only flagged, evidence grades — and not legal advice."""

import streamlit as st

from .state import write_url

TEXT = """
**Not legal advice.** chipsim models the published (and some reported) US rules on advanced computing ICs. It
does not replace a classification by counsel or a BIS advisory opinion.

**Metrics** (15 CFR 774 Supp. 1, ECCN 3A090, Technical Notes 1–4)
- *TPP* = highest, over all precisions, of dense TOPS × bit length of the operation (2 × MacTOPS × bits).
  Sparse vendor figures are halved; the table says which.
- *Performance density* = TPP / applicable die area (sum of non-planar logic dies, HBM excluded).
- Conventions where the text is silent are settings (`sim/conventions.py`): TF32 counted at 32 bits, FP6 at 6,
  a GB200 per GPU.

**Outcomes**: *allowed* (no license), *exception* (NAC, ACA, AIA, LPP, HBM), *license* (presumption of approval or
case-by-case), *denied* (presumption of denial), *indeterminate* (a figure the decision needs is unknown —
never treated as zero).

**Modelled**: 3A090.a/.b/.c classification and the datacenter note; destination scopes with dated EAR country
groups (Nicaragua 2024-03-15, Cambodia 2026-02-03, UAE 2026-07-10; Hong Kong as China; Macau named with D:5);
the headquarters rule; NAC/ACA (split 2024-04-04); AI Diffusion tiers, AIA, LPP and Tier 2 allocations (as
written, not enforced); the reported April 2025 H20 triggers; the January 2026 case-by-case policy.

**Only flagged**: Sec. 232 duties (a condition), the 15% revenue share, UAE Supp. No. 8 entities, licence
conditions. **Not modelled**: end-use rules (§744.23 supercomputer and others), the Entity List and
foreign-direct-product rules, VEU data-centre caps, unpublished is-informed letters beyond the reported criteria.

**Evidence grades**: each preset and parameter carries *P* (primary legal text), *S* (secondary source) or
UNCERTAIN in its citation; each chip row carries *datasheet*, *secondary* or *estimate*.
"""


def render(state) -> None:
    st.header("Method")
    st.markdown(TEXT)
    write_url(state)
