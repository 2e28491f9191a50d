"""Placeholder: being built."""

import streamlit as st

st.title("benchmarks")
st.info("Coming soon.")
