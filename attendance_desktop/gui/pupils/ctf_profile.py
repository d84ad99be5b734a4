"""The pupil profile's CTF parts: previous-school attendance and Export CTF for a leaver."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from attendance_desktop.gui.generated.pupils.ui_ctf_export_dialog import Ui_CtfExportDialog
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


def show_previous_schools(table, rows: list[previous_school.PreviousYear]) -> None:  # type: ignore[no-untyped-def]
    """Fill the table from `previous_school.history` (read off the GUI thread)."""
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
        self.ui = Ui_CtfExportDialog()
        self.ui.setupUi(self)
        self.ui.intro.setText(f"A Common Transfer File for {p.name} (UPN {self.upn or '—'}):"
                              " details, contacts and attendance here and at earlier schools,"
                              " for the next school's system to import.")
        self.ui.buttons.accepted.connect(self._save)
        self.ui.buttons.rejected.connect(self.reject)

    def _save(self) -> None:
        if not self.upn:
            self.ui.message.show_error("Add the pupil's UPN first (Edit details): a CTF is "
                                    "matched by UPN.")
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save Common Transfer File",
                                              f"CTF_{self.upn}.xml", "XML files (*.xml)")
        if not name:
            return
        try:
            result = ctf_export.export_ctf(
                self.ctx.engine, self.upn, Path(name), lea=self.ui.lea.text(),
                estab=self.ui.estab.text(), dest_lea=self.ui.to_lea.text(),
                dest_estab=self.ui.to_estab.text())
        except ServiceError as exc:
            self.ui.message.show_error(str(exc))
            return
        audit_service.record_export(self.ctx.engine, self.ctx.actor, "CTF export", 1, name)
        self.saved = result.path
        QMessageBox.information(self, "CTF saved", str(result))
        self.accept()
