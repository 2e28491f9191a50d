"""SLA performance dashboard: navigation and first-start sample data — nothing else.

Run with `make run` (or `streamlit run app.py -- --db PATH`). Pages live in pages/, domain logic in slacore/.
"""

from pathlib import Path

import streamlit as st

from pages.login import admin_pages, gate
from pages.shared import forget_uploads, get_store, guarded
from slacore.sample import SampleDataMissing, ensure_sample_data
from slacore.uploads import clean_stale

st.set_page_config(page_title="SLA dashboard", page_icon=str(Path(__file__).parent / "assets" / "icon.png"), layout="wide")


@st.cache_resource(show_spinner="Loading the sample data…")
def _first_start(db_key: str) -> bool:
    """Once per process and database: an empty database gets the sample exports."""
    return ensure_sample_data(get_store())


@st.cache_resource(show_spinner=False)
def _clean_stale_uploads() -> int:
    """Once per process: upload folders left by a server that was killed are removed."""
    return clean_stale()


gate()  # login (when the secrets turn it on): stops here until someone is signed in

HOME = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True, url_path="overview")


def _home_by_name() -> None:
    """/home opens Home. Streamlit serves the default page at / only and ignores its url_path, so /home needs a page
    of its own; it cannot carry the default page's url_path too (two pages with one URL break navigation)."""
    st.switch_page(HOME)


PAGES = {
    "": [
        HOME,
        st.Page(_home_by_name, title="Home", url_path="home", visibility="hidden"),
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
page = st.navigation(PAGES)
if page.url_path != "data":
    forget_uploads()  # the uploader went with the Data page, and so do the copies of its files
store = get_store()  # a database that cannot be opened: its one sentence on every page, in place of the page

with guarded("Start-up"):
    _clean_stale_uploads()
    try:
        _first_start(str(store.path))
    except SampleDataMissing as missing:  # the app still works: the Data page takes the user's own export
        st.warning(str(missing))

page.run()
