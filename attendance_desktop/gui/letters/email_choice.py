"""On the Letters page: "Email where we can, print the rest", with who gets which.

Added to SendLettersWidget with a few lines there; it reads the page's chosen letter and
ticked pupils through the page's own methods and runs services/mail/batch.py instead of
the paper-only batch when ticked. Layouts: ui/letters/email_choice.ui, delivery_dialog.ui.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHeaderView,
    QMessageBox,
    QTableWidgetItem,
    QWidget,
)

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.gui.generated.letters.ui_delivery_dialog import Ui_DeliveryDialog
from attendance_desktop.gui.generated.letters.ui_email_choice import Ui_EmailChoice
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.letters import letter_plans
from attendance_desktop.services.mail import batch
from attendance_desktop.services.mail.settings import get_settings


class DeliveryDialog(QDialog):
    """Who gets email and who gets paper, one row per letter."""

    def __init__(self, parent: QWidget, delivery: batch.DeliveryPlan) -> None:
        super().__init__(parent)
        self.ui = Ui_DeliveryDialog()
        self.ui.setupUi(self)
        self.resize(820, 420)
        self.table = self.ui.table
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        rows = [(", ".join(x.letter.pupil_names), x.letter.addressee, "Email",
                 ", ".join(f"{r.name} <{r.email}>" for r in x.recipients))
                for x in delivery.email]
        rows += [(", ".join(x.pupil_names), x.addressee, "Paper",
                  "no email address for a parent with parental responsibility")
                 for x in delivery.paper]
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.ui.buttons.rejected.connect(self.reject)


class EmailChoice(QGroupBox):
    def __init__(self, ctx: AppContext, page: Any) -> None:
        super().__init__()
        self.ui = Ui_EmailChoice()
        self.ui.setupUi(self)
        self.ctx = ctx
        self.page = page  # SendLettersWidget: ticked_ids(), template_combo, extra(), period()
        self.check, self.summary, self.who = self.ui.check, self.ui.emailSummary, self.ui.who
        self._wanted = False  # read by the batch job on a worker thread: no widget calls
        self.check.toggled.connect(self._toggled)
        self.who.clicked.connect(self.show_who)
        self.delivery: batch.DeliveryPlan | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        page.pupil_list.itemChanged.connect(self._schedule)
        page.template_combo.currentIndexChanged.connect(self._schedule)
        if not get_settings(ctx.engine).configured:
            self.check.setEnabled(False)
            self.check.setToolTip("Set up the school's email first (Settings > Email)")

    def wanted(self) -> bool:
        return self._wanted

    @Slot(bool)
    def _toggled(self, checked: bool) -> None:
        self._wanted = checked and self.check.isEnabled()
        self._schedule()

    @Slot()
    def _schedule(self) -> None:
        self._timer.start()

    def _plan(self) -> letter_plans.BatchPlan | None:
        ids = self.page.ticked_ids()
        key = self.page.template_combo.currentData()
        if not ids or not key:
            return None
        return letter_plans.plan_batch(self.ctx.engine, key, ids, today=self.ctx.today(),
                                         extra=self.page.extra(for_preview=True),
                                         period=self.page.period())

    @Slot()
    def refresh(self) -> None:
        if not self.wanted():
            self.delivery = None
            self.summary.setText("All letters on paper.")
            return
        try:
            plan = self._plan()
        except ServiceError as exc:
            self.summary.setText(str(exc))
            return
        if plan is None:
            self.delivery = None
            self.summary.setText("Tick pupils to see who gets email.")
            return
        self.delivery = d = batch.plan_delivery(self.ctx.engine, plan)
        addresses = sum(len(x.recipients) for x in d.email)
        self.summary.setText(f"By email: {len(d.email)} letters to {addresses} addresses."
                             f" On paper: {len(d.paper)} letters.")

    @Slot()
    def show_who(self) -> None:
        was = self.check.isChecked()
        try:
            plan = self._plan()
        except ServiceError as exc:
            QMessageBox.warning(self, "Letters", str(exc))
            return
        if plan is None:
            QMessageBox.information(self, "Letters", "Tick at least one pupil first.")
            return
        DeliveryDialog(self, batch.plan_delivery(self.ctx.engine, plan)).exec()
        self.check.setChecked(was)

    # -- used by SendLettersWidget --------------------------------------------------
    def job(self, plan: letter_plans.BatchPlan, include: bool, token: CancelToken):  # type: ignore[no-untyped-def]
        return batch.run_email_batch(self.ctx.engine, self.ctx.actor, plan,
                                     today=self.ctx.today(),
                                     out_dir=self.ctx.paths.letters_dir, cancel=token,
                                     include_repeats=include)

    def took(self, result: object) -> bool:
        """Show an email batch's outcome on the page; False for a paper-only result."""
        if not isinstance(result, batch.EmailBatchResult):
            return False
        page = self.page
        page.make_button.setEnabled(True)
        page.result = result.paper
        if page.plan is not None:  # Print… prints just the families without email
            page.plan = dataclasses.replace(page.plan, letters=result.paper_letters)
            page.include_repeats = True  # the repeats were already chosen
        printed = result.paper.letters_made if result.paper else 0
        for b in (page.print_button, page.save_button, page.folder_button):
            b.setEnabled(printed > 0)
        where = f"\n\nThe letters to print are in:\n{result.paper.folder}" if result.paper \
            else ""
        text = (f"{result.letters_emailed} letters queued as {result.messages_queued} emails"
                f" (see the Outbox); {printed} letters to print.")
        page.status.setText(text)
        QMessageBox.information(page, "Letters made", text + where +
                                ("\n\nUse Print… to print them." if printed else ""))
        return True
