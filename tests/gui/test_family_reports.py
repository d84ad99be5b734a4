"""Reports to every family run off the GUI thread with a progress dialog whose Cancel
really cancels: the letters already written to disk are removed and nothing is logged."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import LetterLog
from attendance_desktop.gui.letters.letters_widget import LettersWidget
from attendance_desktop.gui.serial_worker import wait_idle
from attendance_desktop.services.letters import letter_service
from tests.services.letters.test_letter_service import build_school


@pytest.fixture
def pupils(ctx, monkeypatch, built_once):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    return list(built_once(ctx.engine, build_school).values())


def test_cancel_stops_the_family_reports_and_removes_what_was_written(qtbot, ctx, pupils,  # type: ignore[no-untyped-def]
                                                                      monkeypatch) -> None:
    gate = threading.Event()
    seen: list[str] = []
    real = letter_service.run_batch

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        # The real batch: let it write two families' reports, then hold it until the
        # head has pressed Cancel (the worker thread is still inside the batch).
        gen = real(*args, **kwargs)
        for _ in range(3):  # "gathering", letter 1, letter 2
            step = next(gen)
            seen.append(step.label)
            yield step
        gate.wait(5)
        return (yield from gen)

    monkeypatch.setattr(letter_service, "run_batch", held)
    w = LettersWidget(ctx)
    qtbot.addWidget(w)
    w.show()
    assert wait_idle(30)  # the pupil list loads on the serial worker
    send = w.send
    send.select_template("half_termly_report")
    assert wait_idle(30)
    send.mode_combo.setCurrentIndex(send.mode_combo.findData("all"))
    assert wait_idle(30)
    send.tick_pupils(pupils)
    assert wait_idle(30)
    send.make_letters()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=10000)
    written = list(ctx.paths.letters_dir.rglob("*.pdf"))
    assert len(written) == 2  # streamed to disk as made, not held in memory
    qtbot.waitUntil(send.task.dialog.isVisible, timeout=5000)
    assert "Letter 2 of 5" in seen[-1]
    send.task.dialog.findChild(QPushButton).click()
    gate.set()
    qtbot.waitUntil(lambda: not send.task.running, timeout=10000)
    assert "Cancelled" in send.status.text()
    assert list(ctx.paths.letters_dir.rglob("*.pdf")) == []
    with session_scope(ctx.engine) as s:
        assert s.exec(select(LetterLog)).all() == []
    assert not send.print_button.isEnabled()
