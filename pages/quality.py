"""Placeholder: being built."""

import streamlit as st

st.title("quality")
st.info("Coming soon.")
