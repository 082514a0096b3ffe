"""The app's cached loaders of bundled data: the chip table and the presets.

They sit at the bottom of `ui/` so that every other ui module (periods, state, the screens) may use them
without importing one another in a circle.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import streamlit as st

from sim import load_chips
from sim.rules.scenario import Scenario, load_scenario


@st.cache_resource(show_spinner=False)
def bundled_chips() -> pd.DataFrame:
    """The bundled table, one object shared by every session (read, never modified: screens filter copies)."""
    return load_chips()


@lru_cache(maxsize=None)
def preset(pid: str) -> Scenario:
    """A bundled preset, one shared object (a process-wide cache like cache_resource, without hashing its key
    on each of the few hundred calls a rerun makes while labelling the rule pickers)."""
    return load_scenario(pid)
