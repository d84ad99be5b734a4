"""A tab whose page is built the first time it is shown (issue 15 point 4).

A tabbed area with many pages (Settings has twelve, the policy editor alone takes a quarter
of a second) built them all before its first paint. `LazyPage` stands in the tab instead:
an empty container that builds the real page on its first showEvent (its tab chosen while
the area is on screen) or when code asks for it (`build()`), e.g. a link to one section.
`build_at(tabs, index)` on currentChanged also builds a tab chosen while the area is
hidden, so a page chosen in code is there before the next paint. The tab's title, order,
tooltip and enabled state stay on the QTabWidget and do not change.

Tab order: the page's controls are made as children of the container after the rest of the
window, so Qt would put them at the end of the window's focus chain. `build()` moves them
to just after the container, as if the page had been there from the start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from attendance_desktop.gui.navigator import PupilPanel


class LazyPage(QWidget):
    """`make()` returns the widget to put in the tab (the page, or the page in a wrapper)."""

    def __init__(self, make: Callable[[], QWidget], *, margins: bool = False) -> None:
        super().__init__()
        self._make: Callable[[], QWidget] | None = make
        self.content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        if not margins:
            self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def is_built(self) -> bool:
        return self.content is not None

    def build(self) -> QWidget:
        """The tab's content, built now if it is not yet."""
        if self.content is None:
            assert self._make is not None
            make, self._make = self._make, None
            content = make()
            self.content = content
            self._layout.addWidget(content)
            content.show()  # now, not on the layout's queued show: Tab and grabs see it
            self._follow_in_tab_order(content)
        return self.content

    def _follow_in_tab_order(self, content: QWidget) -> None:
        # The page's own focus chain is in widget order: thread it in after the last
        # focusable widget before this container (the tab bar, or a page built before),
        # as if the page had been there from the start (setTabOrder ignores widgets that
        # take no focus; the inner parts of a spin box or combo box go to it by proxy).
        before = self.previousInFocusChain()
        while before is not self and (self.isAncestorOf(before) or before is self
                                      or not before.focusPolicy() & Qt.FocusPolicy.TabFocus):
            before = before.previousInFocusChain()
        if before is self:
            return
        chain: list[QWidget] = []
        w = content.nextInFocusChain()
        while w is not content and content.isAncestorOf(w):
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None:
                chain.append(w)
            w = w.nextInFocusChain()
        for w in chain:
            QWidget.setTabOrder(before, w)
            before = w

    def showEvent(self, event: QShowEvent) -> None:
        self.build()
        super().showEvent(event)


def build_at(tabs: QTabWidget, index: int) -> None:
    """Build the tab at index if it is a LazyPage (connect to currentChanged, so a tab
    chosen while the area is hidden is built too)."""
    page = tabs.widget(index)
    if isinstance(page, LazyPage):
        page.build()


class LazyPupilPanel(LazyPage):
    """A pupil panel (Navigator.PupilPanel) in a tab, built when first shown: until then it
    only remembers whose record to show, and is told on building."""

    def __init__(self, make: Callable[[], QWidget]) -> None:
        super().__init__(make)
        self._pupil_id: int | None = None

    def show_pupil(self, pupil_id: int | None) -> None:
        self._pupil_id = pupil_id
        if self.content is not None:
            cast(PupilPanel, self.content).show_pupil(pupil_id)

    def build(self) -> QWidget:
        fresh = self.content is None
        content = super().build()
        if fresh:
            cast(PupilPanel, content).show_pupil(self._pupil_id)
        return content
