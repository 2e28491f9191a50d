"""AppTest: tickets whose team, customer, agent, subject, source, file, target and calendar names hold Markdown
links and images, HTML, Streamlit directives and formula prefixes. Every page is run; no rendered Markdown text
(markdown, captions, headers, alerts, metric labels, widget labels, tooltips, expander and tab labels) holds a live
link, image, HTML tag or directive from that data, the data still shows as typed, and every download is inert."""

from __future__ import annotations

import csv
import io
import stat

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

import hostile_text as h
from apptest_helpers import open_page
from slacore.text import md_escape

PAGES = ["pages/review.py", "pages/home.py", "pages/performance.py", "pages/trends.py", "pages/benchmarks.py", "pages/quality.py",
         "pages/targets.py", "pages/data.py"]
MARKDOWN_FIELDS = {"label", "help", "body", "content", "text"}
PLAIN_TYPES = {"text", "code", "json", "selectbox", "multiselect"}  # shown as typed by Streamlit itself


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _repeated(field) -> bool:
    flag = getattr(field, "is_repeated", None)  # protobuf 6; older ones only have `label`
    return flag if flag is not None else field.label == field.LABEL_REPEATED


def _strings(message, names):
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for item in (value if _repeated(field) else [value]):
                yield from _strings(item, names)
        elif field.type == field.TYPE_STRING and field.name in names:
            yield from (value if _repeated(field) else [value])


def rendered_markdown(at) -> list[tuple[str, str]]:
    """(element type, text) for every text of the page that Streamlit renders as Markdown."""
    out = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "type", "") in PLAIN_TYPES:
            continue
        out += [(node.type, text) for text in _strings(proto, MARKDOWN_FIELDS) if text]
    return out


@pytest.fixture
def downloads(monkeypatch):
    """Every file the app hands to a download button: (file name, bytes), deferred ones built as a click would."""
    seen: list[tuple[str, object]] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, *args, **kwargs):
        if file_name or not str(mimetype).startswith("image/"):  # the app's icon is media too, not a download
            seen.append((file_name or "", data))
        return add(self, data, mimetype, coordinates, file_name, *args, **kwargs)

    def record_deferred(self, callable_, mimetype, coordinates, file_name=None, *args, **kwargs):
        seen.append((file_name or "", callable_))
        return add_deferred(self, callable_, mimetype, coordinates, file_name, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return seen


def _check_page(at, where: str) -> list[tuple[str, str]]:
    assert not at.exception, (where, at.exception)
    assert not at.error, (where, [e.value for e in at.error])
    texts = rendered_markdown(at)
    for kind, text in texts:
        assert h.live_markup(text) == [], f"{where}: live Markdown from user data in a {kind}: {text!r}"
    return texts


def _check_csv(name: str, data: bytes) -> int:
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows, name
    for row in rows:
        assert len(row) == len(rows[0]), f"{name}: a record was split: {row!r}"
        for cell in row:
            assert not h.live_formula(cell), f"{name}: live formula {cell!r}"
    return len(rows) - 1


def _check_xlsx(name: str, data: bytes) -> None:
    from openpyxl import load_workbook

    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{name}: {cell.coordinate} is a formula"
                assert not (isinstance(cell.value, str) and h.live_formula(cell.value)), (name, cell.coordinate)


def _import_hostile_export(at) -> None:
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="uploads").set_value((h.FILE_NAME, h.export_csv(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.text_input(key=f"src-0-{h.FILE_NAME}").set_value(h.SOURCE).run()
    at.button(key=f"import-0-{h.FILE_NAME}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Imported {md_escape(h.FILE_NAME)}."]


def test_user_text_stays_text_on_every_page_and_downloads_are_inert(empty_app, downloads):
    from slacore.sla_yaml import apply_yaml
    from slacore.store import open_store

    at = open_page()
    _import_hostile_export(at)
    data_texts = _check_page(at, "data page after the import")
    shown = [h.shown(t) for _, t in data_texts]
    assert h.FILE_NAME in shown, "the file name is shown as typed (subheader)"
    assert any(h.SOURCE in s for s in shown), "the source name is shown as typed (import report)"

    store = open_store(empty_app)
    apply_yaml(store, h.targets_yaml(), author=h.AUTHOR, source="the test")
    apply_yaml(store, h.targets_yaml(goal="85%", effective="2025-11-01", reason=h.REASON), author=h.AUTHOR,
               source="the test")

    everything = []
    for page in PAGES:
        at.switch_page(page).run()
        everything += _check_page(at, page)
        if page == "pages/performance.py":
            labels = [m.label for m in at.metric]
            assert [h.shown(label) for label in labels] == [h.TARGET_RESPONSE, h.TARGET_RESOLUTION], labels
            at.button(key=f"tile-{h.TARGET_RESOLUTION}").click().run()
            everything += _check_page(at, "performance drill-down")
            captions = [h.shown(c.value) for c in at.caption]
            assert any(c.startswith(f"all tickets of {h.TARGET_RESOLUTION}: ") for c in captions), captions
        if page == "pages/quality.py":
            from slacore import quality

            for check in quality.labels():
                at.selectbox(key="quality-check").set_value(check).run()
                everything += _check_page(at, f"quality check {check}")
        if page == "pages/benchmarks.py":
            at.text_input(key="bench-value").input("45")
            at.text_input(key="bench-stat").input(h.TEAM_LINK)
            at.text_input(key="bench-segment").input(h.TEAM_IMAGE)
            at.text_input(key="bench-source").input(h.CUSTOMERS[0])
            next(b for b in at.button if b.label == "Add figure").click().run()
            everything += _check_page(at, "benchmarks with a figure of yours")
        if page == "pages/trends.py":
            captions = [h.shown(c.value) for c in at.caption]
            assert any(h.REASON in c for c in captions), "the reason of the target change is shown as typed"

    seen = "\n".join(h.shown(t) for _, t in everything)
    for text in (h.TARGET_RESPONSE, h.TARGET_RESOLUTION, h.CALENDAR, h.REASON):
        assert text in seen, f"{text!r} is shown somewhere, as typed"

    built = {}
    for name, data in downloads:
        built[name] = data() if callable(data) else data
    assert "tickets.csv" in built, "the drill-down offers its download"
    assert {n for n in built if n.startswith("quality-")} >= {"quality-duplicate.csv", "quality-auto_reply.csv"}, built
    for name, data in built.items():
        data = data if isinstance(data, bytes) else data.encode()
        if name.endswith(".csv"):
            _check_csv(name, data)
        elif name.endswith(".xlsx"):
            _check_xlsx(name, data)
        elif name.endswith(".svg"):  # a chart: the page's user text is escaped by the SVG writer
            assert "<script" not in data.decode() and "javascript:" not in data.decode(), name
        elif name.endswith(".png"):
            assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        else:
            assert name == "sla.yaml", f"{name}: a download this test does not know how to check"
    drill = built["tickets.csv"].decode("utf-8-sig")
    assert "'=HYPERLINK" in drill and '"ACME\r@SUM(1+1)"' in drill, "the hostile cells are there, neutralised"


def test_rejected_rows_download_is_inert(empty_app, downloads):
    at = open_page("pages/data.py")
    bad = ("Ticket ID,Subject,Created time,Resolved time,Group\r\n"
           '1,"=cmd|\' /C calc\'!A0",=1+1,,=1+1\r\n'
           '2,"ACME\r@SUM(1+1)",2025-10-01 08:00:00,2025-09-01 08:00:00,@x\r\n'
           "3,fine,2025-10-01 09:00:00,2025-10-01 10:00:00,Tier 1\r\n").encode()
    at.file_uploader(key="uploads").set_value(("bad.csv", bad, "text/csv")).run()
    at.button(key="import-0-bad.csv").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rejected = [data for name, data in downloads if name.startswith("rejected-")]
    assert rejected, "the rejected rows are offered for download"
    assert _check_csv("rejected rows", rejected[-1]) == 2
    # (The layout keeps this inert by itself today: the raw row is a JSON object and the reason starts with words.)


def _session_folders() -> set:
    from slacore import uploads

    return set(uploads.process_dir().glob("session-*"))


def test_uploads_on_disk_are_private_and_go_when_imported_removed_or_left(empty_app):
    from streamlit.runtime import caching

    before = _session_folders()
    at = open_page("pages/data.py")
    at.file_uploader(key="uploads").set_value((h.FILE_NAME, h.export_csv(), "text/csv")).run()
    (folder,) = _session_folders() - before
    files = list(folder.iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700

    at.file_uploader(key="uploads").set_value(None).run()
    assert list(folder.iterdir()) == [], "removed from the uploader: removed from disk"

    at.file_uploader(key="uploads").set_value((h.FILE_NAME, h.export_csv(), "text/csv")).run()
    assert len(list(folder.iterdir())) == 1
    at.button(key=f"import-0-{h.FILE_NAME}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success
    assert list(folder.iterdir()) == [], "imported: the copy is gone"
    at.run()
    assert list(folder.iterdir()) == [], "and is not written again while the upload stays in the uploader"
    assert [s.value for s in at.success] == [f"Imported {md_escape(h.FILE_NAME)}."]
    # (Leaving the Data page removes the copies too: app.py, which AppTest runs only on the first run; the browser
    # test checks that, and the end of the session.)

    at.file_uploader(key="uploads").set_value(("other.csv", h.export_csv(5), "text/csv")).run()
    assert len(list(folder.iterdir())) == 1
    caching.clear_session_resource_cache("test session id")  # what Streamlit does when the session disconnects
    assert not folder.exists(), "the session's folder goes with the session"
    assert folder.parent.is_dir(), "the process folder stays while the process runs"
