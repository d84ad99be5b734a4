"""Import a Common Transfer File: choose sections, see every change, then save or cancel.

The preview comes from the same service code that saves, run in a transaction that is
rolled back, so what is shown is what will be saved. Cancel saves nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.settings.common import MessageLabel
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ImportRejected, ServiceError
from attendance_desktop.services.interchange import ctf_import
from attendance_desktop.services.interchange.ctf_model import SECTION_LABELS, SECTIONS


class CtfImportDialog(QDialog):
    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.path = ctx, path
        self.preview: ctf_import.CtfPreview | None = None
        self.result_text = ""
        self.setWindowTitle(f"Import Common Transfer File – {path.name}")
        self.setObjectName("ctfImportDialog")
        self.summary = QLabel("")
        self.summary.setObjectName("ctfSummary")
        self.summary.setWordWrap(True)
        self.warning = MessageLabel("ctfWarning")
        self.error = MessageLabel("ctfError")
        sections = QGroupBox("What to import")
        sl = QVBoxLayout(sections)
        self.sections: dict[str, QCheckBox] = {}
        for key in SECTIONS:
            box = QCheckBox(SECTION_LABELS[key])
            box.setObjectName(f"section_{key}")
            box.setChecked(True)
            box.toggled.connect(self._refresh)
            self.sections[key] = box
            sl.addWidget(box)
        self.admitted = QDateEdit(QDate(ctx.today()))
        self.admitted.setObjectName("ctfAdmitted")
        self.admitted.setCalendarPopup(True)
        self.admitted.setDisplayFormat("dd/MM/yyyy")
        self.admitted.dateChanged.connect(self._refresh)
        form = QFormLayout()
        form.addRow("Admission date for &new pupils:", self.admitted)
        sl.addLayout(form)
        self.tree = QTreeWidget()
        self.tree.setObjectName("ctfPreview")
        self.tree.setAccessibleName("Changes the import will make")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Pupil", "What will change"])
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.header().setStretchLastSection(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 300)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("&Import",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("ctfImport")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("ctfCancel")
        self.buttons.accepted.connect(self._import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addWidget(sections)
        layout.addWidget(QLabel("Nothing is saved until you press Import. Pupils are matched "
                                "by UPN; blank fields in the file never clear what is held."))
        layout.addWidget(self.error)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.resize(1100, 680)
        self._refresh()

    def chosen(self) -> list[str]:
        return [k for k, box in self.sections.items() if box.isChecked()]

    def admission(self):  # type: ignore[no-untyped-def]
        return self.admitted.date().toPython()

    @Slot()
    def _refresh(self) -> None:
        self.tree.clear()
        self.error.clear_message()
        self.warning.clear_message()
        self.preview = None
        self.import_button.setEnabled(False)
        if not self.chosen():
            self.error.show_error("Choose at least one section to import.")
            return
        try:
            pv = ctf_import.preview(self.ctx.engine, self.path, self.chosen(), self.admission(),
                                    self.ctx.today())
        except ImportRejected as exc:
            self.summary.setText(f"<b>{self.path.name}</b> cannot be imported.")
            self.error.show_error(f"{len(exc.problems)} problem"
                                  f"{'s' if len(exc.problems) != 1 else ''} in the file; "
                                  "nothing can be imported until they are fixed:")
            for problem in exc.problems:
                item = QTreeWidgetItem(["Problem", str(problem)])
                item.setForeground(1, theme.colour("error"))
                item.setToolTip(1, str(problem))
                self.tree.addTopLevelItem(item)
            return
        except ServiceError as exc:
            self.summary.setText(f"<b>{self.path.name}</b> cannot be imported.")
            self.error.show_error(str(exc))
            return
        self.preview = pv
        self.summary.setText(f"<b>{pv.file_name}</b>: CTF {pv.version} from "
                             f"{pv.source_school or 'an unnamed school'}"
                             f"{', made ' + _when(pv.date_time) if pv.date_time else ''}.<br>"
                             f"{len(pv.pupils)} pupil{'s' if len(pv.pupils) != 1 else ''}: "
                             f"{pv.new_pupils} new, {pv.updated_pupils} with changes.")
        if pv.imported_before:
            self.warning.show_warning(f"Imported before: {pv.imported_before}.")
        for p in pv.pupils:
            state = "new pupil" if p.is_new else "no changes" if p.unchanged else "changes"
            top = QTreeWidgetItem([f"{p.name}\n{p.upn}", state.capitalize()])
            top.setToolTip(0, p.upn)
            self.tree.addTopLevelItem(top)
            if p.unchanged:
                continue
            for line in p.lines():
                child = QTreeWidgetItem(["", line])
                child.setToolTip(1, line)
                top.addChild(child)
            top.setExpanded(True)
        self.import_button.setEnabled(self.ctx.actor.can_edit_pupils)

    @Slot()
    def _import(self) -> None:
        pv = self.preview
        if pv is None:
            return
        if pv.imported_before and QMessageBox.question(
                self, "Imported before", f"{pv.imported_before[0].upper()}"
                f"{pv.imported_before[1:]}.\n\nImport it again?") != \
                QMessageBox.StandardButton.Yes:
            return
        try:
            result = ctf_import.import_ctf(self.ctx.engine, self.path, self.chosen(),
                                           self.ctx.actor, self.admission(), pv.sha256,
                                           self.ctx.today(), self.ctx.now())
        except ServiceError as exc:
            self.error.show_error(f"Nothing was saved: {exc}")
            return
        self.result_text = str(result)
        self.accept()


def _when(text: str) -> str:
    try:
        return f"{dt.datetime.fromisoformat(text):%d/%m/%Y at %H:%M}"
    except ValueError:
        return text


def import_ctf_file(ctx: AppContext, parent: QWidget) -> str:
    """Ask for a CTF file, preview it and import on confirmation; the result or ""."""
    name, _ = QFileDialog.getOpenFileName(parent, "Import Common Transfer File", "",
                                          "Common Transfer Files (*.xml);;All files (*)")
    if not name:
        return ""
    dialog = CtfImportDialog(ctx, Path(name), parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return ""
    QMessageBox.information(parent, "CTF imported", dialog.result_text)
    return dialog.result_text
