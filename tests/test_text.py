"""md_escape: user text in Markdown-rendering places shows as typed, never as a link, image, directive or block."""

from __future__ import annotations

import re
import string

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from slacore.text import WORD_JOINER, md_escape

PUNCTUATION = set(string.punctuation)
INJECTED = [
    "[log in again](http://evil.example/a)",
    "![x](http://evil.example/pixel.png)",
    "<img src=http://evil.example/i.png>",
    "<http://evil.example/c>",
    "see http://evil.example/b, www.evil.example and joe@evil.example",
    ":red[alarm] :material/home: :smile: $x^2$",
    "[x]: http://evil.example/ref",
    "[a][b] **bold** _it_ ~gone~ `code`",
]


def shown(markdown: str) -> str:
    """What CommonMark displays for a fragment without markup: backslash escapes resolved, word joiners invisible."""
    out, i = [], 0
    while i < len(markdown):
        ch = markdown[i]
        if ch == "\\" and i + 1 < len(markdown) and markdown[i + 1] in PUNCTUATION:
            out.append(markdown[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out).replace(WORD_JOINER, "")


def live_markup(markdown: str) -> list[str]:
    """Markdown forms that would still be interpreted (an unescaped bracket, angle, backtick, star, tilde, dollar;
    a URL, `www.` host, address or `:code` not broken by a word joiner)."""
    found = re.findall(r"(?<!\\)(?:\\\\)*([\[\]<>`*~$|#])", markdown)
    found += re.findall(r"(?i)https?://|www\.|:[a-z]|\w@\w", markdown)
    return found


def test_plain_prose_comes_back_unchanged():
    for text in ["Tier 2", "bad_rows_mixed.csv", "Acme GmbH (EMEA)", "Urgent first response",
                 "The value 'fast' is not a number: enter digits only, e.g. 240 or 85.5.", "ünïcödé — 😀"]:
        assert md_escape(text) == text


def test_links_images_html_and_directives_are_shown_as_typed():
    for text in INJECTED:
        escaped = md_escape(text)
        assert shown(escaped) == text
        assert live_markup(escaped) == [], (text, escaped)
        assert "](" not in escaped.replace("\\](", "") and "![" not in escaped


def test_block_starts_are_escaped():
    assert md_escape("- list") == "\\- list"
    assert md_escape("+ item") == "\\+ item"
    assert md_escape("---") == "\\---"
    assert md_escape("1. one") == "1\\. one"
    assert md_escape("2) two") == "2\\) two"
    assert md_escape("# heading") == "\\# heading"
    assert md_escape("> quote") == "\\> quote"
    assert md_escape("    indented code") == "indented code"


def test_line_breaks_become_spaces_and_none_is_empty():
    assert md_escape("ACME\r@SUM(1+1)\nnext") == f"ACME @{WORD_JOINER}SUM(1+1) next"
    assert md_escape(None) == "" and md_escape(float("nan")) == "" and md_escape(pd.NA) == ""
    assert md_escape(42) == "42"


def test_underscores_inside_words_stay_bare():
    assert md_escape("created_at") == "created_at"
    assert md_escape("_x_ __init__") == "\\_x\\_ \\_\\_init\\_\\_"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_any_text_shows_as_typed_and_stays_inert(text):
    escaped = md_escape(text)
    expected = re.sub(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+", " ", text).lstrip(" \t").replace(WORD_JOINER, "")
    assert shown(escaped) == expected
    assert live_markup(escaped) == []
    assert not re.search(r"[\r\n]", escaped)
    assert not re.match(r"(?:[-+]|\d{1,9}[.)])(?:\s|$)", escaped), "no list marker at the start"
