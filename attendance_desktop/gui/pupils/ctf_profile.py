"""The pupil profile's CTF parts: previous-school attendance and Export CTF for a leaver."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.settings.common import MessageLabel
from attendance_desktop.gui.tables import fill_table, read_only_table
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.interchange import ctf_export, previous_school
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.records import audit_service


def previous_schools_table() -> QWidget:
    table = read_only_table(["Year", "School", "Possible", "Attended", "Authorised",
                             "Unauthorised", "Attendance", "Session marks"],
                            "Attendance at previous schools", object_name="previousSchools")
    table.setToolTip("From Common Transfer Files: kept apart from this school's register and "
                     "figures; counted in the penalty-notice window, which spans schools")
    return table


def show_previous_schools(table, ctx: AppContext, pupil_id: int) -> None:  # type: ignore[no-untyped-def]
    rows = previous_school.history(ctx.engine, pupil_id)
    fill_table(table, [
        (y.academic_year, y.school, str(y.possible), str(y.attended), str(y.authorised),
         str(y.unauthorised), "—" if y.attendance_pct is None else f"{y.attendance_pct:.1f}%",
         f"{y.session_marks} from {y.start_date:%d/%m/%Y}" if y.start_date and y.session_marks
         else "totals only")
        for y in reversed(rows)])


class CtfExportDialog(QDialog):
    """The LA and establishment numbers for the file's header, then where to save it."""

    def __init__(self, ctx: AppContext, pupil_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.pupil_id = ctx, pupil_id
        self.saved: Path | None = None
        p = pupil_service.get_pupil(ctx.engine, pupil_id)
        self.upn = p.data.upn
        self.setWindowTitle(f"Export CTF – {p.name}")
        self.lea, self.estab = QLineEdit(), QLineEdit()
        self.to_lea, self.to_estab = QLineEdit(), QLineEdit()
        form = QFormLayout()
        for edit, label, size, name in (
                (self.lea, "This school's &LA number", 3, "ctfLea"),
                (self.estab, "This school's &establishment number", 4, "ctfEstab"),
                (self.to_lea, "Next school's LA number (blank: not known)", 3, "ctfToLea"),
                (self.to_estab, "Next school's establishment number", 4, "ctfToEstab")):
            edit.setMaxLength(size)
            edit.setObjectName(name)
            form.addRow(label, edit)
        self.message = MessageLabel("ctfExportMessage")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"A Common Transfer File for {p.name} (UPN {self.upn or '—'}):"
                                " details, contacts and attendance here and at earlier "
                                "schools, for the next school's system to import."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _save(self) -> None:
        if not self.upn:
            self.message.show_error("Add the pupil's UPN first (Edit details): a CTF is "
                                    "matched by UPN.")
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save Common Transfer File",
                                              f"CTF_{self.upn}.xml", "XML files (*.xml)")
        if not name:
            return
        try:
            result = ctf_export.export_ctf(
                self.ctx.engine, self.upn, Path(name), lea=self.lea.text(),
                estab=self.estab.text(), dest_lea=self.to_lea.text(),
                dest_estab=self.to_estab.text())
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return
        audit_service.record_export(self.ctx.engine, self.ctx.actor, "CTF export", 1, name)
        self.saved = result.path
        QMessageBox.information(self, "CTF saved", str(result))
        self.accept()
