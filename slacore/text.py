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
