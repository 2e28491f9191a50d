"""SLA performance dashboard: navigation and first-start sample data — nothing else.

Run with `make run` (or `streamlit run app.py -- --db PATH`). Pages live in pages/, domain logic in slacore/.
"""

from pathlib import Path

import streamlit as st

from pages.login import admin_pages, gate
from pages.shared import get_store, guarded
from slacore.sample import ensure_sample_data

st.set_page_config(page_title="SLA dashboard", page_icon=str(Path(__file__).parent / "assets" / "icon.png"), layout="wide")


@st.cache_resource(show_spinner="Loading the sample data…")
def _first_start(db_key: str) -> bool:
    """Once per process and database: an empty database gets the sample exports."""
    return ensure_sample_data(get_store())


gate()  # login (when the secrets turn it on): stops here until someone is signed in

with guarded("Start-up"):
    _first_start(str(get_store().path))

PAGES = {
    "": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True, url_path="home"),
    ],
    "Explore": [
        st.Page("pages/performance.py", title="Performance", icon=":material/speed:", url_path="performance"),
        st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:", url_path="trends"),
        st.Page("pages/benchmarks.py", title="Benchmarks", icon=":material/leaderboard:", url_path="benchmarks"),
        st.Page("pages/quality.py", title="Data quality", icon=":material/rule:", url_path="quality"),
    ],
    "Review": [
        st.Page("pages/review.py", title="Reviews", icon=":material/groups:", url_path="review"),
    ],
    "Setup": [
        st.Page("pages/targets.py", title="Targets", icon=":material/flag:", url_path="targets"),
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:", url_path="data"),
    ],
}

PAGES["Setup"] += admin_pages()  # Users, for admins (login on)
st.navigation(PAGES).run()
