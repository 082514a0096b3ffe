"""chipsim's front door (placeholder until the app issue): the bundled chip table with its metrics."""

import streamlit as st

from sim import load_chips, with_metrics

st.set_page_config(page_title="chipsim", layout="wide")
st.title("chipsim — AI-chip export-control simulator")
st.dataframe(with_metrics(load_chips())[["chip_id", "vendor", "name", "segment", "tpp", "pd", "dram_bw_gbps",
                                         "io_bw_gbps", "confidence", "sources"]], hide_index=True)
