"""Register navigation on the demo school: every class, every span, ◀ ▶, the date box, Today,
the Today board's "Open register" and Data checks' "Go there". Each step checks the snapshot
that was loaded (class, dates, pupils), not only what the combo boxes say."""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable

import pytest
from PySide6.QtCore import QDate
from sqlalchemy.engine import Engine

from attendance_desktop.gui.main_window import MainWindow
from attendance_desktop.gui.register.register_widget import WHOLE_SCHOOL, RegisterWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.register import grid_service
from attendance_desktop.services.school import calendar_service
from tests.conftest import HEAD, no_automatic_backups

THU = dt.date(2025, 11, 20)


@pytest.fixture
def demo_ctx(ctx, demo_school):
    demo_school(ctx.engine, pupils=120, today=THU)
    no_automatic_backups(ctx.engine)  # two tests close a main window on it
    return AppContext(paths=ctx.paths, engine=ctx.engine, actor=HEAD, clock=ctx.clock)


def _page(qtbot, ctx: AppContext, shown: bool = True, **kwargs) -> RegisterWidget:
    page = RegisterWidget(ctx, **kwargs)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    if shown:
        page.show()
    assert wait_idle(30)  # the grid is read on the serial worker
    return page


# What the checks compare with, read once per database, class and span: the tests here
# only read, and the long walk asks for the same ones again and again.
_ORACLE: weakref.WeakKeyDictionary[Engine, dict[tuple, object]] = weakref.WeakKeyDictionary()


def _remembered(engine: Engine, key: tuple, read: Callable[[], object]):
    known = _ORACLE.setdefault(engine, {})
    if key not in known:
        known[key] = read()
    return known[key]


def _on_roll(engine: Engine, start: dt.date, end: dt.date, class_id: int | None) -> set[int]:
    return _remembered(engine, ("roll", start, end, class_id), lambda: {
        p.id for p in grid_service.load_snapshot(engine, start, end, class_id).pupils})


def _class_of(engine, class_id: int | None) -> set[int]:
    """Every pupil of the class this year (the whole school for None)."""
    return _on_roll(engine, dt.date(2025, 9, 1), dt.date(2026, 7, 31),
                    None if class_id == WHOLE_SCHOOL else class_id)


def _expected_span(engine, kind: str, anchor: dt.date):
    year = _remembered(engine, ("year", anchor),
                       lambda: calendar_service.year_containing(engine, anchor))
    return grid_service.span_for(kind, anchor, year)


def _check_shown(page: RegisterWidget, class_id: int, kind: str, anchor: dt.date,
                 pupils: set[int]) -> None:
    """The controls AND the loaded snapshot show this class, span and date."""
    assert wait_idle(30)  # the grid is read on the serial worker
    engine = page.ctx.engine
    assert page.class_box.currentData() == class_id
    assert page.span_box.currentData() == kind
    assert page.anchor == anchor
    snap = page.model.snap
    assert snap.class_id == (None if class_id == WHOLE_SCHOOL else class_id)
    span = _expected_span(engine, kind, anchor)
    assert (snap.start, snap.end) == (span.start, span.end), (kind, anchor)
    shown = {p.id for p in snap.pupils}
    assert shown <= pupils
    assert len(shown) >= len(pupils) - 3  # a few join or leave during the year
    assert shown == _on_roll(engine, span.start, span.end, snap.class_id)
    assert page.model.rowCount() == len(shown)
    if snap.columns and snap.pupils:
        idx = page.view.currentIndex()
        assert idx.isValid()
        assert snap.start <= snap.columns[idx.column()].day <= snap.end


@pytest.mark.slow
def test_every_class_and_every_span_forward_and_back(qtbot, demo_ctx):
    # Not on screen: this walk checks some 170 loads, and painting each one took half its
    # time; painting is not what it checks (the other tests here show the page).
    page = _page(qtbot, demo_ctx, shown=False)
    engine = demo_ctx.engine
    classes = [page.class_box.itemData(i) for i in range(page.class_box.count())]
    assert len(classes) >= 8  # whole school and the demo's seven classes
    for i, cid in enumerate(classes):
        pupils = _class_of(engine, None if cid == WHOLE_SCHOOL else cid)
        assert pupils
        page.span_box.setCurrentIndex(page.span_box.findData("week"))
        assert wait_idle(30)
        page.set_anchor(THU)
        assert wait_idle(30)
        page.class_box.setCurrentIndex(i)
        assert wait_idle(30)
        _check_shown(page, cid, "week", THU, pupils)
        for kind in grid_service.SPANS:
            page.span_box.setCurrentIndex(page.span_box.findData(kind))
            assert wait_idle(30)
            _check_shown(page, cid, kind, page.anchor, pupils)
            first = page.model.snap
            if kind == "year":
                continue  # the demo has one academic year: ▶ has nowhere to go
            page.next_span()
            assert wait_idle(30)
            after = page.model.snap
            assert after.start > first.end, (cid, kind)
            _check_shown(page, cid, kind, page.anchor, pupils)
            if kind == "week":
                assert after.start == first.start + dt.timedelta(days=7)
            page.next_span()
            assert wait_idle(30)
            assert page.model.snap.start > after.end
            page.previous_span()
            assert wait_idle(30)
            assert (page.model.snap.start, page.model.snap.end) == (after.start, after.end)
            page.previous_span()
            assert wait_idle(30)
            assert (page.model.snap.start, page.model.snap.end) == (first.start, first.end)
            _check_shown(page, cid, kind, page.anchor, pupils)


def test_date_box_and_today_keep_the_class(qtbot, demo_ctx):
    page = _page(qtbot, demo_ctx)
    engine = demo_ctx.engine
    for i in range(1, page.class_box.count()):
        cid = page.class_box.itemData(i)
        pupils = _class_of(engine, cid)
        page.class_box.setCurrentIndex(i)
        assert wait_idle(30)
        page.date_edit.setDate(QDate(2025, 10, 8))
        assert wait_idle(30)
        _check_shown(page, cid, "week", dt.date(2025, 10, 8), pupils)
        col = page.model.snap.columns[page.view.currentIndex().column()]
        assert col.day == dt.date(2025, 10, 8)  # the date picked is the day selected
        page.date_edit.setDate(QDate(2025, 9, 16))
        assert wait_idle(30)
        _check_shown(page, cid, "week", dt.date(2025, 9, 16), pupils)
        page.go_today()
        assert wait_idle(30)
        _check_shown(page, cid, "week", THU, pupils)
        col = page.model.snap.columns[page.view.currentIndex().column()]
        assert (col.day, col.session) == (THU, "AM")  # 10:00: the morning session


def test_year_with_no_next_year_stays_put(qtbot, demo_ctx):
    page = _page(qtbot, demo_ctx, span="year")
    before = (page.model.snap.start, page.model.snap.end)
    page.next_span()
    assert wait_idle(30)
    assert (page.model.snap.start, page.model.snap.end) == before
    assert "academic year" in page.status.text()


def _window(qtbot, ctx) -> MainWindow:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    return win


def test_open_register_from_the_today_board_for_every_class(qtbot, demo_ctx):
    # 08:50 on Thursday: the morning registers are still to take for every class.
    ctx = AppContext(paths=demo_ctx.paths, engine=demo_ctx.engine, actor=HEAD,
                     clock=lambda: dt.datetime(2025, 11, 20, 8, 50))
    from sqlmodel import select

    from attendance_desktop.db.engine import session_scope
    from attendance_desktop.db.models import Mark

    with session_scope(ctx.engine) as s:  # today's marks not taken yet
        for m in s.exec(select(Mark).where(Mark.date == THU)):
            s.delete(m)
    win = _window(qtbot, ctx)
    board = win.current_page()
    qtbot.waitUntil(lambda: board.loader.loads > 0 and not board.loader.busy, timeout=10_000)
    rows = board.registers.rowCount()
    assert rows >= 7
    # Leave the Register page on another class, span and date first.
    win.show_area(win.area_index("Register"))
    assert wait_idle(30)
    register = win.current_page()
    register.class_box.setCurrentIndex(1)
    register.span_box.setCurrentIndex(register.span_box.findData("term"))
    register.set_anchor(dt.date(2026, 2, 3))
    for row in range(rows):
        win.show_area(win.area_index("Today"))
        assert wait_idle(30)
        board.registers.selectRow(row)
        cid = board.registers.item(row, 0).data(0x0100)
        board.open_register()
        page = win.current_page()
        assert page is register
        _check_shown(page, cid, "week", THU, _class_of(ctx.engine, cid))
        col = page.model.snap.columns[page.view.currentIndex().column()]
        assert (col.day, col.session) == (THU, "AM")


def test_go_there_opens_the_pupils_class_and_week(qtbot, demo_ctx):
    engine = demo_ctx.engine
    win = _window(qtbot, demo_ctx)
    win.show_area(win.area_index("Register"))
    assert wait_idle(30)
    page = win.current_page()
    page.class_box.setCurrentIndex(1)  # some class, this week
    whole = grid_service.load_snapshot(engine, dt.date(2025, 9, 1), THU)
    by_class: dict[int, int] = {}
    for p in whole.pupils:
        if p.admitted <= dt.date(2025, 9, 3) and p.left is None:
            by_class.setdefault(p.class_id, p.id)
    assert len(by_class) >= 7
    days = sorted({c.day for c in whole.columns if c.open})
    page.data_checks()
    dialog = page.checks_dialog  # a child of the page: closed with it
    for n, (cid, pid) in enumerate(sorted(by_class.items())):
        day = days[7 * n + 3]  # school days in different weeks
        dialog.cellRequested.emit(pid, day, "PM")  # what "Go there" sends
        assert wait_idle(30)
        assert "not in the register" not in page.status.text()
        _check_shown(page, cid, "week", day, _class_of(engine, cid))
        idx = page.view.currentIndex()
        snap = page.model.snap
        assert snap.pupils[idx.row()].id == pid
        assert (snap.columns[idx.column()].day, snap.columns[idx.column()].session) == (
            day, "PM")
    dialog.close()
