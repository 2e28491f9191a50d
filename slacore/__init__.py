"""slacore: the SLA dashboard's domain logic (import, calendars, targets, metrics, exports) without any UI.

Usable from tests, from the command line (`python -m slacore`) and from the Streamlit pages, which stay thin.
"""

__version__ = "0.1.0"
