"""chipsim's front door: pick or edit a rule scenario and see which chips may go where, and why.

Thin on purpose: navigation and shared state only; screens live in ui/, rules in sim/.
"""

import streamlit as st

from sim.errors import ChipsimError
from ui import (
    chip_map,
    compare,
    data_screen,
    flows_screen,
    glossary_screen,
    matrix,
    method,
    planes,
    sidebar,
    sweep_screen,
    timeline_screen,
)
from ui.state import load_view, write_url

st.set_page_config(page_title="chipsim — AI chip export controls", layout="wide")
# a chart's toolbar PNG would carry no provenance: the app's PNG/SVG buttons (provenance printed under the figure)
# are the one way to export a picture
# and the answer starts higher on a laptop screen: Streamlit's default top padding (6rem) leaves a tenth of a 900 px
# screen blank above each screen's title; a picker's list is at least wide enough to read a rule's title and
# status whole, even from the narrow sidebar
st.markdown("<style>[data-testid='stElementToolbarButton']:has(button[aria-label='Download as PNG'])"
            "{display:none !important} [data-testid='stMainBlockContainer']{padding-top:3rem}"
            "[data-testid='stSelectboxVirtualDropdown']{min-width:min(40rem, 90vw)}</style>",
            unsafe_allow_html=True)

# keys in the order of ui.state.SCREENS (the sidebar's list)
SCREENS = {
    "Matrix": matrix.render,
    "Where can this chip go?": chip_map.render,
    "Threshold planes": planes.render,
    "Compare": compare.render,
    "Timeline": timeline_screen.render,
    "Sweep": sweep_screen.render,
    "Compute flows": flows_screen.render,
    "Data": data_screen.render,
    "Method": method.render,
    "Glossary": glossary_screen.render,
}

for warning in load_view():
    st.warning(warning)
state = sidebar.render()
try:
    SCREENS[state.screen](state)
except ChipsimError as exc:  # a user's input the engine refused: say why, keep the app alive
    st.error(str(exc))
except Exception as exc:  # noqa: BLE001 - a bug must not take the other screens down with it
    st.error(f"Unexpected problem on this screen ({type(exc).__name__}: {exc}). The other screens still work; "
             "please report this with the page's link.")
write_url(state)  # the URL holds the whole view (ui.view), so a link restores it
