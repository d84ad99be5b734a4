"""gui/lazy_page.py: a tab's page is built when first shown, and Tab walks into it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget

from attendance_desktop.gui.lazy_page import LazyPage, build_at


class Form(QWidget):
    def __init__(self, name: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.first = QLineEdit(objectName=f"{name}-first")
        self.second = QLineEdit(objectName=f"{name}-second")
        for w in (self.first, self.second):
            layout.addWidget(w)


def _window(made: list[str]):  # type: ignore[no-untyped-def]
    window = QWidget()
    layout = QVBoxLayout(window)
    tabs = QTabWidget()
    for name in ("one", "two", "three"):
        def make(name: str = name) -> QWidget:
            made.append(name)
            return Form(name)
        tabs.addTab(LazyPage(make), name.title())
    tabs.currentChanged.connect(lambda i: build_at(tabs, i))  # (the first addTab emits it)
    layout.addWidget(tabs)
    after = QPushButton("After")  # a control after the tabs, made before any page
    layout.addWidget(after)
    return window, tabs, after


def test_pages_are_built_when_first_shown_or_chosen(qtbot):
    made: list[str] = []
    window, tabs, _after = _window(made)
    qtbot.addWidget(window)
    assert made == []
    window.show()
    assert made == ["one"]  # the tab on show
    window.hide()
    tabs.setCurrentIndex(2)  # chosen while hidden (a link from another area)
    assert made == ["one", "three"]
    third = tabs.widget(2)
    assert isinstance(third, LazyPage)
    assert third.build() is third.content  # once only
    tabs.setCurrentIndex(0)
    tabs.setCurrentIndex(2)
    assert made == ["one", "three"]
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["One", "Two", "Three"]


def test_tab_from_the_tab_bar_walks_into_a_page_built_later(qtbot):
    made: list[str] = []
    window, tabs, after = _window(made)
    qtbot.addWidget(window)
    window.show()
    tabs.setCurrentIndex(1)  # built after the "After" button: Qt would put it last
    page = tabs.widget(1).content
    tabs.tabBar().setFocus(Qt.FocusReason.OtherFocusReason)
    order = []
    for _ in range(3):
        window.focusNextChild()
        order.append(window.focusWidget())
    assert order == [page.first, page.second, after]
