"""Edit a letter's wording: merge fields to insert, a checker, save, reset to ready-made."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.folding_splitter import FoldingSplitter
from attendance_desktop.gui.letters.preview_dialog import PagesPreviewDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.letters import (
    letter_layout,
    letter_templates,
    template_store,
    template_syntax,
)
from attendance_desktop.services.letters.template_syntax import DIRECTIVES, MERGE_FIELDS

BLOCK_HELP = {
    "[[signature]]": "The headteacher's signature block",
    "[[signature:lead]]": "The attendance lead's signature block",
    "[[figures]]": "A table of each child's attendance",
    "[[chart]]": "A bar chart of each child's attendance against the target",
    "[[write:Label|2]]": "A labelled space to write in (2 lines)",
    "[[tick:Label]]": "A tick box",
    "[[sign:Parent or carer|For the school]]": "Signature and date lines",
    "[[rule]]": "A line across the page",
    "[[pagebreak]]": "Start a new page",
    "{extra:name}": "A value typed in when the letter is made (change 'name')",
}
assert all(b.strip("[]{}").split(":")[0] in (*DIRECTIVES, "extra") for b in BLOCK_HELP)


class TemplateEditorWidget(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.key: str | None = None
        self.saved_title = ""
        self.saved_body = ""
        self._build()
        self.reload()

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        splitter = FoldingSplitter()  # panes stack when narrow (125-150% scaling)
        outer.addWidget(splitter)
        self.list = QListWidget()
        self.list.setAccessibleName("Letters")
        self.list.setToolTip("Choose a letter to edit its wording")
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(self._chosen)
        splitter.addWidget(self.list)

        middle = QWidget()
        mid = QVBoxLayout(middle)
        row = QHBoxLayout()
        row.addWidget(QLabel("Title:"))
        self.title = QLineEdit()
        self.title.setAccessibleName("Letter title")
        row.addWidget(self.title, 1)
        mid.addLayout(row)
        self.info = QLabel()
        theme.set_role(self.info, "muted")
        self.when_used = QLabel()
        self.when_used.setWordWrap(True)
        theme.set_role(self.when_used, "muted")
        # a wrapped label is not given its height next to a stretching editor: reserve it
        self.when_used.setMinimumHeight(self.when_used.fontMetrics().lineSpacing() * 2 + 4)
        mid.addWidget(self.info)
        mid.addWidget(self.when_used)
        self.body = QPlainTextEdit()
        self.body.setAccessibleName("Letter wording")
        self.body.setToolTip("Blank line = new paragraph. {field} is filled in for each family; "
                             "**words** are printed in bold.")
        font = QFont(self.body.font())
        font.setPointSize(max(font.pointSize(), 10))
        self.body.setFont(font)
        self.body.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        mid.addWidget(self.body, 1)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Problems found")
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mid.addWidget(self.problems)
        buttons = QHBoxLayout()
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Look for unknown fields and broken blocks")
        self.check_button.clicked.connect(self.check)
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the wording (Ctrl+S); refused if a field is unknown")
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        self.reset_button = QPushButton("Reset to the ready-made wording…")
        self.reset_button.setToolTip("Put back the wording the app came with")
        self.reset_button.clicked.connect(self.reset)
        self.preview_button = QPushButton("Preview…")
        self.preview_button.setToolTip("See the wording as a letter for the first pupil on roll "
                                       "(before saving)")
        self.preview_button.clicked.connect(self.preview)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        mid.addLayout(buttons)
        splitter.addWidget(middle)

        right = QWidget()
        rc = QVBoxLayout(right)
        rc.addWidget(QLabel("<b>Merge fields and blocks</b><br>Double-click to insert"))
        self.fields = QListWidget()
        self.fields.setAccessibleName("Merge fields")
        self.fields.setToolTip("Double-click (or press Return) to insert at the cursor")
        for name, desc in MERGE_FIELDS.items():
            item = QListWidgetItem(f"{{{name}}}")
            item.setToolTip(desc)
            item.setData(Qt.ItemDataRole.UserRole, f"{{{name}}}")
            self.fields.addItem(item)
        for block, desc in BLOCK_HELP.items():
            item = QListWidgetItem(block)
            item.setToolTip(desc)
            item.setData(Qt.ItemDataRole.UserRole, block)
            self.fields.addItem(item)
        self.fields.itemActivated.connect(self._insert)
        self.fields.itemDoubleClicked.connect(self._insert)
        self.field_help = QLabel()
        self.field_help.setWordWrap(True)
        self.fields.currentItemChanged.connect(self._field_help)
        rc.addWidget(self.fields, 1)
        rc.addWidget(self.field_help)
        splitter.addWidget(right)
        splitter.setSizes([290, 620, 250])

    def reload(self) -> None:
        current = self.key
        self.list.blockSignals(True)
        self.list.clear()
        for t in template_store.list_templates(self.ctx.engine):
            item = QListWidgetItem(t.title + ("" if t.is_default else "  (edited)"))
            item.setData(Qt.ItemDataRole.UserRole, t.key)
            item.setToolTip(t.description)
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = 0
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == current:
                row = i
        self.list.setCurrentRow(row)
        if current is None and self.list.count():
            self._load(self.list.item(0).data(Qt.ItemDataRole.UserRole))

    def dirty(self) -> bool:
        return (self.title.text(), self.body.toPlainText()) != (self.saved_title,
                                                                self.saved_body)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _chosen(self, item: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        if key == self.key:
            return
        if self.key is not None and self.dirty():
            answer = QMessageBox.question(
                self, "Unsaved wording", "The wording of this letter has changed. "
                "Leave it without saving?", QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                self.list.blockSignals(True)
                self.list.setCurrentItem(previous)
                self.list.blockSignals(False)
                return
        self._load(key)

    def select(self, key: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.list.setCurrentRow(i)

    def _load(self, key: str) -> None:
        info = template_store.get_template(self.ctx.engine, key)
        self.key = key
        self.saved_title, self.saved_body = info.title, info.body
        self.title.setText(info.title)
        self.body.setPlainText(info.body)
        self._show_info(info)
        self.problems.clear()

    def _show_info(self, info: template_store.TemplateInfo) -> None:
        kind = {"letter": "Letter addressed to the family", "form": "Form",
                "certificate": "Certificate"}[info.layout]
        family = " · brothers and sisters share one letter" if info.family else ""
        if info.is_default:
            state = "ready-made wording"
        else:
            when = f" on {info.updated_at:%d %b %Y %H:%M}" if info.updated_at else ""
            state = f"edited by {info.updated_by}{when}"
        self.info.setText(f"{kind}{family} · {state}")
        self.when_used.setText(f"When: {info.description}")

    @Slot(QListWidgetItem)
    def _insert(self, item: QListWidgetItem) -> None:
        text = item.data(Qt.ItemDataRole.UserRole)
        cursor = self.body.textCursor()
        if text.startswith("[[") and cursor.positionInBlock() > 0:
            text = "\n" + text  # blocks sit on a line of their own
        cursor.insertText(text)
        self.body.setTextCursor(cursor)
        self.body.setFocus()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _field_help(self, item: QListWidgetItem | None, _prev: QListWidgetItem | None) -> None:
        self.field_help.setText(item.toolTip() if item else "")

    def _family(self) -> bool:
        return bool(self.key and letter_templates.DEFAULTS[self.key].family)

    @Slot()
    def check(self) -> list[str]:
        found = template_syntax.check_template(self.body.toPlainText(), family=self._family())
        if found:
            theme.set_role(self.problems, "error")
            self.problems.setText("Problems:\n" + "\n".join(f"• {p}" for p in found))
        else:
            theme.set_role(self.problems, "ok")
            self.problems.setText("No problems found.")
        return found

    @Slot()
    def preview(self) -> PagesPreviewDialog | None:
        if self.key is None:
            return None
        try:
            _head, pages = letter_layout.preview_wording(
                self.ctx.engine, self.key, self.body.toPlainText(), today=self.ctx.today(),
                title=self.title.text())
        except ServiceError as exc:
            self.check()
            QMessageBox.warning(self, "Preview", f"The letter cannot be shown: {exc}")
            return None
        _pid, note = letter_layout.preview_pupil(self.ctx.engine, self.key, self.ctx.today())
        dialog = PagesPreviewDialog(pages, f"Preview: {self.title.text()}", self, note=note)
        dialog.setModal(True)
        dialog.show()
        return dialog

    @Slot()
    def save(self) -> None:
        if self.key is None:
            return
        try:
            info = template_store.save_template(self.ctx.engine, self.ctx.actor, self.key,
                                                self.body.toPlainText(), self.title.text())
        except ServiceError as exc:
            self.check()
            QMessageBox.warning(self, "Not saved", str(exc))
            return
        self.saved_title, self.saved_body = info.title, info.body
        theme.set_role(self.problems, "ok")
        self.problems.setText("Saved.")
        self._show_info(info)
        self._refresh_list_item(info)

    @Slot()
    def reset(self) -> None:
        if self.key is None:
            return
        answer = QMessageBox.question(
            self, "Reset wording", "Replace this letter's wording with the ready-made "
            "wording? Your changes to it will be lost (the old wording stays in the change "
            "history).", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            info = template_store.reset_template(self.ctx.engine, self.ctx.actor, self.key)
        except ServiceError as exc:
            QMessageBox.warning(self, "Not reset", str(exc))
            return
        self._load(info.key)
        self._refresh_list_item(info)
        self.problems.setText("The ready-made wording is back.")

    def _refresh_list_item(self, info: template_store.TemplateInfo) -> None:
        item = self.list.currentItem()
        if item is not None:
            item.setText(info.title + ("" if info.is_default else "  (edited)"))
