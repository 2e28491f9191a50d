"""User text shown where Streamlit renders Markdown (captions, headers, alerts, labels, tooltips), as typed.

Ticket exports are written by customers and agents: a team called `[log in again](http://x)` or
`![x](http://x/pixel.png)` must not become a link, or make the browser fetch an image. Streamlit renders Markdown
(GitHub-flavoured, plus `:red[...]` colour and `:material/...:` icon directives, `:emoji:` codes and `$math$`) in
nearly every text it shows, so every piece of user text that meets Markdown goes through `md_escape` first.
Dataframe cells, selectbox and multiselect options, chart titles and chart tooltips show text as it is: no escaping
there (it would show the backslashes).
"""

from __future__ import annotations

import re

# Backslash-escaped wherever they stand: CommonMark shows an escaped ASCII punctuation character as itself.
_ALWAYS = frozenset("\\`*[]<>#~|$&")
# Word joiner (U+2060): invisible, no line break. Streamlit's renderer makes links of bare `http://` URLs, `www.`
# hosts and e-mail addresses, and emoji or icons of `:smile:` / `:material/home:`, on the text AFTER escapes are
# resolved, so a backslash cannot stop those: a word joiner after the `:`, the `www` and the `@` breaks them up.
WORD_JOINER = "\u2060"
_JOIN_AFTER = re.compile(r"(?i):(?=\S)|www(?=\.)|@")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_ORDERED_LIST = re.compile(r"\d{1,9}(?=[.)])")


def _missing(value) -> bool:
    try:
        return bool(value != value)  # NaN; pandas' NA answers NA, which refuses bool()
    except TypeError:
        return True
    except ValueError:  # an array: not one missing value
        return False


def md_escape(text) -> str:
    """`text` as an inline Markdown fragment that renders as exactly these characters.

    Plain prose comes back unchanged. Line breaks become spaces and leading blanks go (a browser shows neither;
    as Markdown they would start a new block). None and missing values (NaN, NA) become "", anything else
    `str(value)`.
    """
    if text is None or (not isinstance(text, str) and _missing(text)):
        return ""
    text = _LINE_BREAKS.sub(" ", str(text)).lstrip(" \t")
    last = len(text) - 1
    out = []
    for i, ch in enumerate(text):
        if ch in _ALWAYS:
            out.append("\\" + ch)
        elif ch == "_" and not (0 < i < last and text[i - 1].isalnum() and text[i + 1].isalnum()):
            out.append("\\_")  # inside a word (`bad_rows.csv`) an underscore never makes emphasis: keep it bare
        else:
            out.append(ch)
    escaped = _JOIN_AFTER.sub(lambda m: m.group(0) + WORD_JOINER, "".join(out))
    # At the start, `-`/`+` (a list; `---` a rule) and `1.` / `1)` (a numbered list) would open a block.
    if escaped[:1] in ("-", "+"):
        return "\\" + escaped
    number = _ORDERED_LIST.match(escaped)
    if number:
        end = number.end()
        return escaped[:end] + "\\" + escaped[end:]
    return escaped


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 group', '4 groups', '1,200 tickets' — never 'group(s)'."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def day_range(start, end) -> str:
    """'3 – 9 Nov 2026', '28 Dec 2025 – 3 Jan 2026': the year once, twice where the range crosses one."""
    if start.year != end.year:
        return f"{start:%d %b %Y} – {end:%d %b %Y}"
    if start.month != end.month:
        return f"{start:%d %b} – {end:%d %b %Y}"
    return f"{start:%d} – {end:%d %b %Y}"


def period_name(start, grain: str) -> str:
    """A period as a lead says it: 'the week of 17 Aug 2026', 'August 2026', 'Q3 2026', '17 Aug 2026'."""
    if grain == "month":
        return f"{start:%B %Y}"
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start:%Y}"
    if grain == "week":
        return f"the week of {start:%d %b %Y}"
    return f"{start:%d %b %Y}"


# What a column is called where a user reads it (table headers, downloads keep the field names). A column not
# listed here gets its name in words ("first_contact" -> "First contact").
COLUMN_LABELS = {
    "target": "Target", "outcome": "Outcome", "source": "Source", "ticket_id": "Ticket", "created_at": "Created",
    "first_response_at": "First response", "resolved_at": "Resolved", "ticket_status": "Status",
    "priority": "Priority", "team": "Team", "channel": "Channel", "customer": "Customer", "subject": "Subject",
    "business_minutes": "Business minutes", "threshold_minutes": "Threshold, business min",
    "minutes_left": "Business min left", "time_left": "Time left", "business_minutes_so_far": "Business min so far",
    "import_id": "Import", "file_name": "File", "rows_read": "Rows read", "rows_loaded": "Rows loaded",
    "rows_rejected": "Rows rejected", "finished_at": "Imported", "started_at": "Started", "kind": "Kind",
    "row_number": "Row", "reason": "Reason", "raw": "Raw value", "canonical": "Maps to", "tickets": "Tickets",
    "lcl": "Lower control limit %", "ucl": "Upper control limit %", "center": "Centre line %",
    "p50_min": "Median, business min", "p90_min": "p90, business min", "attainment": "Attainment %",
    "goal": "Goal %", "goal_pct": "Goal %", "met": "Met", "breached": "Breached", "pending": "Pending",
    "unmeasured": "Unmeasured", "decided": "Decided", "effective_from": "Effective from", "recorded_at": "Recorded",
    "author": "Author", "version": "Version", "metric": "Metric", "within": "Within", "calendar": "Calendar",
    "measure": "Measured by", "pause": "Pauses", "timezone": "Time zone", "hours": "Opening hours",
    "holidays": "Holidays", "closed": "Closed on", "name": "Name", "customer_tier": "Tier", "category": "Category",
}


def column_label(name: str) -> str:
    """A column's header in words: the COLUMN_LABELS entry, else the field name with spaces."""
    name = str(name)
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]
