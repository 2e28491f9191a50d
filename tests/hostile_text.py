"""Ticket data written by an attacker: Markdown links and images, HTML, Streamlit directives and spreadsheet
formulas in team, customer, agent, subject, source, file, target and calendar names (for the AppTest and the
browser test). Every injected address points at HOST, so a test can look for it in links, images and requests."""

from __future__ import annotations

import csv
import io
import re
import string
from datetime import datetime, timedelta

HOST = "evil.example"
WORD_JOINER = "\u2060"

TEAM_LINK = f"[log in again](http://{HOST}/login)"
TEAM_IMAGE = f"![x](http://{HOST}/pixel.png)"
TEAM_PLAIN = "Tier 1"
TEAMS = [TEAM_LINK, TEAM_IMAGE, TEAM_PLAIN]
CUSTOMERS = [f"<img src=http://{HOST}/html.png> ACME", f'=HYPERLINK("http://{HOST}/f","ACME")', "ACME\r@SUM(1+1)",
             f"+1 :red[alarm] :material/home: $x$ www.{HOST}"]
SUBJECTS = [f"Refund [here](http://{HOST}/refund)", "-2+3 invoice", "@SUM(1+1) login", "\t=1+1 <b>bold</b>"]
AGENTS = [f"**Bob** <a href=http://{HOST}/a>x</a>", "Ann"]
FILE_NAME = f"![f](http://{HOST}/file.png) =1+1.csv"
SOURCE = f"[src](http://{HOST}/source)"
CALENDAR = f"![c](http://{HOST}/calendar.png)"
TARGET_RESPONSE = f"[Urgent](http://{HOST}/target) response"
TARGET_RESOLUTION = f"![t](http://{HOST}/t.png) resolution"
AUTHOR = f"[me](http://{HOST}/author)"
REASON = f"see ![r](http://{HOST}/reason.png)"

HEADER = ["Ticket ID", "Subject", "Status", "Priority", "Source", "Agent", "Group", "Created time",
          "Initial response time", "Resolved time", "Company Name"]
PRIORITIES = ["Urgent", "High", "Medium", "Low"]
START = datetime(2025, 10, 1, 8, 0)


def export_csv(rows: int = 60) -> bytes:
    """A Freshdesk-style export of `rows` tickets (plus three near-duplicates for the Data quality checks)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    fmt = "%Y-%m-%d %H:%M:%S"
    for i in range(rows):
        created = START + timedelta(hours=19 * i)
        response = created + (timedelta(seconds=5) if i % 10 == 0 else timedelta(minutes=40 * (i % 5)))
        resolved = None if i % 11 == 3 else created + timedelta(hours=5 * (i % 7) + 1)
        record = [1000 + i, SUBJECTS[i % 4], "Open" if resolved is None else "Closed", PRIORITIES[i % 4],
                  "Email", AGENTS[i % 2], TEAMS[i % 3], created.strftime(fmt),
                  response.strftime(fmt) if resolved is None or response <= resolved else "",
                  resolved.strftime(fmt) if resolved else "", CUSTOMERS[i % 4]]
        writer.writerow(record)
        if i < 3:  # same customer and subject three minutes later: a duplicate
            writer.writerow([5000 + i] + record[1:7] + [(created + timedelta(minutes=3)).strftime(fmt)] + record[8:])
    return out.getvalue().encode("utf-8")


def targets_yaml(goal: str = "90%", effective: str | None = None, reason: str | None = None) -> str:
    extra = (f"    effective: {effective}\n" if effective else "") + (f"    reason: '{reason}'\n" if reason else "")
    return f"""calendars:
  '{CALENDAR}':
    timezone: UTC
    hours: {{mon-sun: "00:00-24:00"}}
targets:
  - name: '{TARGET_RESPONSE}'
    metric: first_response
    within: 1h
    goal: {goal}
    calendar: 24x7
{extra}  - name: '{TARGET_RESOLUTION}'
    metric: resolution
    where: {{team: '{TEAM_LINK}'}}
    within: 8h
    goal: 80%
    calendar: '{CALENDAR}'
"""


def shown(markdown: str) -> str:
    """What CommonMark displays for text without markup: backslash escapes resolved, word joiners invisible."""
    return re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", markdown).replace(WORD_JOINER, "")


def live_markup(markdown: str) -> list[str]:
    """Forms in a Markdown text that a renderer would turn into a link, an image, HTML or a directive."""
    found = re.findall(r"(?<!\\)\]\((?:https?:)?//", markdown)  # [text](http://…
    found += re.findall(r"!(?<!\\)\[", markdown) if "![" in markdown else []  # ![image]
    found += re.findall(r"(?<!\\)<(?:[a-zA-Z/!]|https?:)", markdown)  # <img …>, <http://…>
    found += re.findall(r"(?i)https?://" + re.escape(HOST) + r"|www\." + re.escape(HOST) + r"|@" + re.escape(HOST),
                        markdown)  # bare URLs become links
    # :red[…], :material/…: — except the icon st.badge itself writes first (':red-badge[:material/error: …]')
    found += re.findall(r"(?<!\\)(?<!-badge\[):(?:red|material)[\[/]", markdown)
    return found


def live_formula(cell: str) -> bool:
    """Would a spreadsheet run this text cell as a formula? (A plain number such as -3.5 is a number.)"""
    if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]?\d+)?", cell):
        return False
    return cell.lstrip().startswith(("=", "+", "-", "@", "\t", "\r", "\n")) or cell.startswith(("\t", "\r", "\n"))
