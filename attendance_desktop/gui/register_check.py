"""The register check (services.integrity_service) in the GUI: weekly by itself, from
Settings → Backups, and its last result as a line on the Today board. The check and the
reading of its last result run off the GUI thread."""

from __future__ import annotations

from collections.abc import Generator

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QGroupBox, QPushButton, QVBoxLayout, QWidget

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.common import MessageLabel, bullet_list, hint
from attendance_desktop.gui.periodic import PeriodicJob, StatusLabel
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import integrity_service

CHECK_DUE_EVERY_MS = 60 * 60 * 1000  # is a weekly check due? asked hourly (one tiny read)
FIRST_CHECK_MS = 30_000  # after start-up has settled
SHOWN_PROBLEMS = 20


def describe(result: integrity_service.CheckResult) -> str:
    if result.ok:
        return result.summary()
    listed = list(result.problems[:SHOWN_PROBLEMS])
    rest = result.count - len(listed)
    if rest:
        listed.append(f"… and {rest} more (run `attendance-desktop check` for the full list)")
    return f"{result.summary()}:\n{bullet_list(listed)}"


class WeeklyCheck(PeriodicJob):
    """Runs the check when the last one is older than 7 days (or there is none): shortly
    after start, then whenever the hourly timer finds it due. `finished` carries the
    CheckResult (or the exception); nothing when no check was due."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *,
                 every_ms: int = CHECK_DUE_EVERY_MS, first_ms: int = FIRST_CHECK_MS) -> None:
        self.ctx = ctx
        super().__init__(parent, self.job, every_ms=every_ms, first_ms=first_ms, emit_none=False)

    def job(self, token: CancelToken) -> Generator[Progress, None, object]:
        yield Progress(0, 0, "")
        if not integrity_service.check_is_due(self.ctx.engine, self.ctx.now()):
            return None
        result = yield from integrity_service.check_job(self.ctx.engine)(token)
        return result

    def check_if_due(self) -> None:
        self.run_now()

    def stop(self, wait_ms: int = 10_000, *, cancel: bool = True) -> None:
        super().stop(wait_ms, cancel=cancel)


class CheckResultLabel(StatusLabel):
    """The Today board's line: "Register checked 2 days ago: all well", or a red warning
    with the count of problems."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__("registerCheck", "Register check", read=self.read, show=self.show_result)
        self.ctx = ctx

    def read(self) -> integrity_service.LastCheck | None:
        return integrity_service.last_check(self.ctx.engine)

    def show_result(self, value: object) -> None:
        last: integrity_service.LastCheck | None = value  # type: ignore[assignment]
        if last is None:
            self.show_ok("Register not checked yet: it is checked once a week by itself, or"
                         " from Settings → Backups")
        elif last.problems:
            self.show_error(last.describe(self.ctx.now()))
        else:
            self.show_ok(last.describe(self.ctx.now()))


class RegisterCheckBox(QGroupBox):
    """Settings → Backups: "Check the register" with a progress dialog and the result."""

    checked = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Tamper evidence", parent)
        self.ctx = ctx
        self.task: BackgroundTask | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(hint("Checks the database file, the guards that keep the history "
                              "append-only and every hash chain, so a mark or a record "
                              "changed outside the app shows up. Runs weekly by itself."))
        self.button = QPushButton("Check the &register")
        self.button.clicked.connect(self.run_check)
        layout.addWidget(self.button)
        self.message = MessageLabel("registerCheckResult")
        layout.addWidget(self.message)

    @Slot()
    def run_check(self) -> None:
        if self.task is not None:
            return
        self.button.setEnabled(False)
        self.task = BackgroundTask(self, "Checking the register",
                                   integrity_service.check_job(self.ctx.engine))
        self.task.succeeded.connect(self._done)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)
        self.task.ended.connect(self._ended)
        self.task.start()

    @Slot(object)
    def _done(self, result: integrity_service.CheckResult) -> None:
        if result.ok:
            self.message.show_ok(describe(result))
        else:
            self.message.show_error(describe(result))
        self.checked.emit()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        reason = str(exc) if isinstance(exc, ServiceError) else \
            f"unexpected error ({type(exc).__name__}: {exc}); see the log file"
        self.message.show_error(f"The check could not run: {reason}")

    @Slot()
    def _cancelled(self) -> None:
        self.message.show_warning("Check cancelled.")

    @Slot()
    def _ended(self) -> None:
        # The finished task stays a child of this widget and goes with it: deleting it
        # just after its job ended (deleteLater) crashed Qt now and then (gui/progress.py).
        self.task = None
        self.button.setEnabled(True)
