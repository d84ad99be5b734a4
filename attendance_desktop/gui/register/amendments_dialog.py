"""Save (or print) the amendments report for a date range, as PDF or CSV."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, Slot
from PySide6.QtGui import QPageLayout
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from attendance_desktop.services.context import AppContext
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register import amendments_report, mark_reads


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class AmendmentsDialog(QDialog):
    def __init__(self, parent: QWidget | None, ctx: AppContext, start: dt.date,
                 end: dt.date) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Amendments report")
        form = QFormLayout(self)
        self.start = QDateEdit(_qdate(start))
        self.end = QDateEdit(_qdate(end))
        for w, name in ((self.start, "From"), (self.end, "To")):
            w.setCalendarPopup(True)
            w.setDisplayFormat("dd MMM yyyy")
            w.setAccessibleName(name)
            form.addRow(f"&{name}", w)
        self.after_close = QCheckBox("Only changes made after the register closed")
        self.after_close.setChecked(True)
        self.after_close.setToolTip("Untick to include corrections made while the register"
                                    " was still open")
        form.addRow(self.after_close)
        self.count = QLabel()
        form.addRow(self.count)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        pdf = QPushButton("Save &PDF…")
        pdf.setToolTip("Save the report as a PDF to print or keep")
        pdf.clicked.connect(self.save_pdf)
        csv_btn = QPushButton("Save C&SV…")
        csv_btn.setToolTip("Save the report as a spreadsheet (CSV)")
        csv_btn.clicked.connect(self.save_csv)
        print_btn = QPushButton("P&rint…")
        print_btn.setToolTip("Print the report on a printer")
        print_btn.clicked.connect(self.print_report)
        buttons.addButton(pdf, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(csv_btn, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(print_btn, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for w in (self.start, self.end):
            w.dateChanged.connect(self._count)
        self.after_close.toggled.connect(self._count)
        self._count()

    def _range(self) -> tuple[dt.date, dt.date]:
        a, b = self.start.date(), self.end.date()
        return dt.date(a.year(), a.month(), a.day()), dt.date(b.year(), b.month(), b.day())

    @Slot()
    def _count(self) -> None:
        start, end = self._range()
        n = len(mark_reads.amendments_between(
            self.ctx.engine, start, end, after_close_only=self.after_close.isChecked()))
        self.count.setText(f"{n} change(s) in this range")

    def _ask_path(self, suffix: str, filter_text: str) -> Path | None:
        start, end = self._range()
        default = str(self.ctx.paths.data_dir / f"amendments_{start}_{end}.{suffix}")
        name, _ = QFileDialog.getSaveFileName(self, "Save amendments report", default,
                                              filter_text)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(f".{suffix}")

    @Slot()
    def save_pdf(self) -> None:
        path = self._ask_path("pdf", "PDF files (*.pdf)")
        if path is None:
            return
        start, end = self._range()
        n = amendments_report.write_pdf(self.ctx.engine, start, end, path,
                                        after_close_only=self.after_close.isChecked(),
                                        printed_by=self.ctx.actor.name, now=self.ctx.now(),
                                        actor=self.ctx.actor)
        QMessageBox.information(self, "Amendments report", f"Saved {n} change(s) to {path}")

    def report_html(self) -> str:
        """The report as an HTML table, for printing."""
        start, end = self._range()
        rows = mark_reads.amendments_between(
            self.ctx.engine, start, end, after_close_only=self.after_close.isChecked())
        head = "".join(f"<th>{escape(h)}</th>" for h in amendments_report.HEADERS)
        body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>"
                                        for v in amendments_report.row_values(r)) + "</tr>"
                       for r in rows)
        return (f"<h2>Register amendments</h2><p>Sessions {start:%d %B %Y} to {end:%d %B %Y};"
                f" printed {self.ctx.now():%d %B %Y %H:%M} by {escape(self.ctx.actor.name)}."
                f" {len(rows)} change(s).</p><table border='1' cellspacing='0'"
                f" cellpadding='3' style='font-size:8pt'><tr>{head}</tr>{body}</table>")

    @Slot()
    def print_report(self) -> None:
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        doc = QTextDocument()
        doc.setHtml(self.report_html())
        doc.print_(printer)
        start, end = self._range()
        rows = mark_reads.amendments_between(
            self.ctx.engine, start, end, after_close_only=self.after_close.isChecked())
        audit_service.record_export(self.ctx.engine, self.ctx.actor, "amendments report",
                                    [r.pupil_id for r in rows], "printer", kind="print")

    @Slot()
    def save_csv(self) -> None:
        path = self._ask_path("csv", "CSV files (*.csv)")
        if path is None:
            return
        start, end = self._range()
        n = amendments_report.write_csv(self.ctx.engine, start, end, path,
                                        after_close_only=self.after_close.isChecked(),
                                        actor=self.ctx.actor)
        QMessageBox.information(self, "Amendments report", f"Saved {n} change(s) to {path}")
