"""SLA performance dashboard: navigation and first-start sample data — nothing else.

Run with `make run` (or `streamlit run app.py -- --db PATH`). Pages live in pages/, domain logic in slacore/.
"""

import streamlit as st

from pages.shared import get_store, guarded
from slacore.sample import SampleDataMissing, ensure_sample_data

st.set_page_config(page_title="SLA dashboard", page_icon=":material/speed:", layout="wide")


@st.cache_resource(show_spinner="Loading the sample data…")
def _first_start(db_key: str) -> bool:
    """Once per process and database: an empty database gets the sample exports."""
    return ensure_sample_data(get_store())


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
    "Setup": [
        st.Page("pages/targets.py", title="Targets", icon=":material/flag:", url_path="targets"),
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:", url_path="data"),
    ],
}

page = st.navigation(PAGES)
store = get_store()  # a database that cannot be opened: its one sentence on every page, in place of the page

with guarded("Start-up"):
    try:
        _first_start(str(store.path))
    except SampleDataMissing as missing:  # the app still works: the Data page takes the user's own export
        st.warning(str(missing))

page.run()
