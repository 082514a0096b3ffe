"""Streamlit screens for chipsim; each module renders one screen from the shared AppState."""
