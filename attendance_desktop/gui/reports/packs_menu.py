"""Reports → Packs: the governors' termly pack, the LA termly return and the staff
briefing (services.packs), each built off the GUI thread for the period chosen on the page
and saved where the user says. Every file saved is in the access log."""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QPushButton, QWidget

from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.reports.packs import briefing, governors, la_return, pack_pdf
from attendance_desktop.services.reports.report_periods import ReportPeriod
from attendance_desktop.services.school import school_service

PACKS = {
    "governors": ("Governors' termly pack (PDF and CSV)…", "Governors pack",
                  "Figures, the same point last year, the years' trend, charts, pupil groups "
                  "and the actions taken; pupils by initials"),
    "la_return": ("LA termly return (PDF and CSV)…", "LA termly return",
                  "Pupils with 10+ school days of unauthorised absence, notifications made, "
                  "penalty notices considered and issued; names pupils"),
    "briefing": ("Staff briefing (PDF and CSV)…", "Staff briefing",
                 "Each class's figures and who needs attention, and why; names pupils"),
}


class PacksButton(QPushButton):
    """A button with a menu of packs; `saved` carries a line for the page's status."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, chosen_period: Callable[[], ReportPeriod],
                 parent: QWidget | None = None) -> None:
        super().__init__("Pac&ks", parent)
        self.ctx = ctx
        self.chosen_period = chosen_period
        self.task: BackgroundTask | None = None
        self.setAccessibleName("Termly packs")
        self.setToolTip("One-click packs for the period chosen above: governors, the local "
                        "authority, staff")
        menu = QMenu(self)
        for key, (label, _what, tip) in PACKS.items():
            action = menu.addAction(label)
            action.setToolTip(tip)
            action.setData(key)
        menu.setToolTipsVisible(True)
        menu.triggered.connect(lambda action: self.make(str(action.data())))
        self.setMenu(menu)

    def make(self, key: str, path: str | None = None) -> None:
        """Build pack KEY for the chosen period and save it (asks where unless given)."""
        if self.task is not None:
            return
        try:
            period = self.chosen_period()
        except ServiceError as exc:
            QMessageBox.warning(self, "Packs", f"Choose a period first: {exc}.")
            return
        what = PACKS[key][1]
        if path is None:
            name = f"{what} {period.label}".replace("/", "-").replace(":", "")
            path, _ = QFileDialog.getSaveFileName(self, f"Save the {what.lower()}",
                                                  str(Path.home() / f"{name}.pdf"),
                                                  "PDF files (*.pdf)")
            if not path:
                return
        engine, today = self.ctx.engine, self.ctx.today()
        head = Letterhead.from_details(school_service.get_school(engine).details)
        target = Path(path)

        def job(token: CancelToken) -> Generator[Progress, None, Any]:
            if key == "governors":
                pack = yield from governors.build_governors_pack(engine, period, today=today,
                                                                 token=token)
                data, pupils = pack_pdf.render_governors_pack(pack, head), 0
                csv_text = governors.governors_csv(pack)
            elif key == "la_return":
                yield Progress(0, 2, "Reading the term")
                r = la_return.build_la_return(engine, Span(period.label, period.start,
                                                           period.end))
                data, pupils = pack_pdf.render_la_return(r, head), len(
                    {u.pupil_id for u in r.unauthorised} | {e.pupil_id for e in
                                                            (*r.notifications, *r.considered)})
                csv_text = la_return.la_return_csv(r)
            else:
                b = yield from briefing.build_briefing(engine, period, today=today, token=token)
                data = pack_pdf.render_briefing(b, head)
                pupils = sum(len(c.attention) for c in b.classes)
                csv_text = briefing.briefing_csv(b)
            token.check()
            target.write_bytes(data)
            csv_path = target.with_suffix(".csv")  # the same figures for a spreadsheet
            csv_path.write_text(csv_text, encoding="utf-8-sig")
            return [target, csv_path], pupils

        def done(result: object) -> None:
            files, pupils = result  # type: ignore[misc]
            for f in files:
                audit_service.record_export(self.ctx.engine, self.ctx.actor,
                                            what.lower(), pupils, str(f))
            self.saved.emit("Saved " + " and ".join(f.name for f in files))

        self._done = done
        self.setEnabled(False)
        self.task = BackgroundTask(self, f"Making the {what.lower()}", job)
        self.task.succeeded.connect(self._succeeded)
        self.task.failed.connect(self._failed)
        self.task.ended.connect(self._ended)
        self.task.start()

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        self._done(result)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, ServiceError | OSError) else \
            f"unexpected error ({type(exc).__name__}); see the log file"
        QMessageBox.warning(self, "Packs", f"Not saved: {text}.")

    @Slot()
    def _ended(self) -> None:
        # The finished task stays a child of this widget and goes with it: deleting it
        # just after its job ended (deleteLater) crashed Qt now and then (gui/progress.py).
        self.task = None
        self.setEnabled(True)
