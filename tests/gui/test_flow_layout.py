"""The layouts that let pages fit 1366x768 at 125-150%: rows that wrap (FlowLayout, reflow)
and side-by-side panes that stack (FoldingSplitter, fold)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from attendance_desktop.gui.flow_layout import FlowLayout, reflow
from attendance_desktop.gui.folding_splitter import FoldingBox, FoldingSplitter, fold


def _host(qtbot, width: int) -> tuple[QWidget, FlowLayout, list[QPushButton]]:  # type: ignore[no-untyped-def]
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host, spacing=6)
    buttons = [QPushButton(f"Button number {i}") for i in range(6)]
    for b in buttons:
        flow.addWidget(b)
    host.resize(width, flow.heightForWidth(width))
    host.show()
    qtbot.waitExposed(host)
    return host, flow, buttons


def test_a_flow_row_wraps_inside_its_width_and_grows_in_height(qtbot) -> None:  # type: ignore[no-untyped-def]
    host, flow, buttons = _host(qtbot, 300)
    one_row = sum(b.sizeHint().width() for b in buttons)
    assert one_row > 300  # would not fit on one line
    assert flow.minimumSize().width() <= max(b.sizeHint().width() for b in buttons) + 1
    assert flow.heightForWidth(300) > flow.heightForWidth(one_row + 60)
    rows = {b.y() for b in buttons}
    assert len(rows) > 1
    for b in buttons:
        assert host.rect().contains(b.geometry()), (b.text(), b.geometry())
    buttons[0].hide()  # a hidden widget takes no room
    host.layout().activate()
    assert buttons[1].x() == 0


def test_reflow_keeps_a_label_with_its_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = QWidget()
    qtbot.addWidget(page)
    outer = QVBoxLayout(page)
    row = QHBoxLayout()
    label, field, button = QLabel("Find:"), QLineEdit(), QPushButton("Go")
    row.addWidget(label)
    row.addWidget(field)
    row.addStretch(1)
    row.addWidget(button)
    outer.addLayout(row)
    flow = reflow(row)
    assert outer.itemAt(0).layout() is flow
    assert flow.count() == 2  # the pair and the button; the stretch went
    assert label.parentWidget() is field.parentWidget() is not page


def test_side_by_side_panes_stack_when_narrow(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = QWidget()  # (a splitter that is a window of its own keeps a minimum size)
    qtbot.addWidget(page)
    split = FoldingSplitter()
    QVBoxLayout(page).addWidget(split)
    panes = []
    for _ in range(2):
        pane = QWidget()
        pane.setMinimumWidth(300)
        split.addWidget(pane)
        panes.append(pane)
    page.show()
    page.resize(800, 300)
    qtbot.waitUntil(lambda: page.width() == 800)
    assert split.orientation().name == "Horizontal"
    assert split.minimumSizeHint().width() < 600  # it may be squeezed: then it stacks
    page.resize(400, 600)
    qtbot.waitUntil(lambda: split.orientation().name == "Vertical")
    assert split.height() > 600 - 30
    page.resize(900, 600)
    qtbot.waitUntil(lambda: split.orientation().name == "Horizontal")


def test_fold_turns_a_form_row_into_a_column_when_narrow(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = QWidget()
    qtbot.addWidget(page)
    outer = QVBoxLayout(page)
    row = QHBoxLayout()
    for _ in range(2):
        pane = QWidget()
        pane.setMinimumWidth(300)
        row.addWidget(pane)
    outer.addLayout(row)
    box = fold(row)
    assert isinstance(outer.itemAt(0).layout(), FoldingBox)
    assert page.minimumSizeHint().width() < 600
    page.show()
    page.resize(900, 400)
    outer.activate()
    assert box.direction() == box.Direction.LeftToRight
    page.resize(450, 400)
    outer.activate()
    assert box.direction() == box.Direction.TopToBottom
