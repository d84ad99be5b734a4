"""One running copy per data folder and mode: real processes and the socket in-process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QDir, QLockFile

from attendance_desktop import INSTANCE_NAME
from attendance_desktop.config import logs
from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.gui import single_instance
from attendance_desktop.gui.single_instance import (
    ACTIVATE,
    ANSWER,
    Claim,
    SingleInstance,
    create_windows_mutexes,
    instance_key,
)

pytestmark = pytest.mark.slow  # runs first in a parallel run (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
NOTE = "is already running for this data folder; its window has been brought to the front."
unix_only = pytest.mark.skipif(sys.platform == "win32",
                               reason="Unix sockets and signals (named pipes on Windows)")
PATIENCE_S = 90  # generous ceilings for a busy machine; nothing here measures speed


def _env() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.pop("ATTENDANCE_DATA_DIR", None)
    env.pop("ATTENDANCE_DB_URL", None)
    return env


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "attendance_desktop", *args], cwd=ROOT,
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for_log(data: Path, text: str, proc: subprocess.Popen[str] | None = None) -> str:
    log_file = logs.log_file_path(data)
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        content = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
        if text in content:
            return content
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the first copy ended early: {proc.communicate()}")
        time.sleep(0.1)
    pytest.fail(f"{text!r} never appeared in the log")


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=PATIENCE_S)
    return proc.returncode, out, err


@unix_only
def test_a_second_start_brings_the_first_forward_and_exits_0(tmp_path):
    data = tmp_path / "school data"
    first = _start("--data-dir", str(data))
    try:
        _wait_for_log(data, "single instance: listening as", first)
        second = subprocess.run(
            [sys.executable, "-m", "attendance_desktop", "gui", "--data-dir", str(data)],
            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=PATIENCE_S)
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == f"Attendance Desktop {NOTE}"
        assert second.stderr.strip() in ("", "This plugin does not support propagateSizeHints()")
        _wait_for_log(data, "another start asked this copy to come forward", first)
        # A new data folder: the first copy shows the welcome screen, and that comes forward.
        content = _wait_for_log(data, "brought WelcomeDialog to the front", first)
        assert content.count("start: ") == 2  # the second copy logged its start and stop
        assert first.poll() is None  # still running
    finally:
        code, _out, err = _stop(first)
    # SIGTERM goes through the event loop, so the first copy stops cleanly.
    assert code == 0, err
    assert "Traceback" not in err
    content = logs.log_file_path(data).read_text(encoding="utf-8")
    assert content.rstrip().endswith("stop (exit code 0)")


@unix_only
def test_the_standalone_kiosk_has_its_own_slot(qtbot, tmp_path):
    data = tmp_path / "data"
    # The staff copy's slot, held by this process as the staff window holds it (a real
    # lock file and socket; the staff window itself is not what this test is about).
    staff = SingleInstance(instance_key(resolve_paths(data, environ={}), "gui"))
    assert staff.claim() is Claim.FIRST
    kiosk = None
    try:
        kiosk = _start("kiosk", "--data-dir", str(data))  # not refused: a separate slot
        _wait_for_log(data, f"single instance: listening as {INSTANCE_NAME}-kiosk-", kiosk)
        again = subprocess.run(
            [sys.executable, "-m", "attendance_desktop", "kiosk", "--data-dir", str(data)],
            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=PATIENCE_S)
        assert again.returncode == 0
        assert NOTE in again.stdout
        _wait_for_log(data, "brought KioskWindow to the front", kiosk)
    finally:
        codes = [_stop(kiosk)[0]] if kiosk is not None else []
        staff.release()
    assert codes == [0]


def test_keys_follow_the_folder_and_mode_but_not_the_password(tmp_path):
    a = resolve_paths(tmp_path / "a", environ={})
    assert instance_key(a, "gui") == instance_key(resolve_paths(tmp_path / "a" / ".." / "a",
                                                                environ={}), "gui")
    assert instance_key(a, "gui") != instance_key(a, "kiosk")
    assert instance_key(a, "gui") != instance_key(resolve_paths(tmp_path / "b", environ={}),
                                                  "gui")
    pg1 = resolve_paths(tmp_path, "postgresql+psycopg://office:one@db/att", environ={})
    pg2 = resolve_paths(tmp_path, "postgresql+psycopg://office:two@db/att", environ={})
    assert instance_key(pg1, "gui") == instance_key(pg2, "gui")
    assert "one" not in instance_key(pg1, "gui")
    assert instance_key(a, "gui").startswith(f"{INSTANCE_NAME}-gui-")
    assert len(instance_key(a, "gui")) < 60  # short enough for a Unix socket path


def _python_client(path: str, answers: list[bytes]) -> threading.Thread:
    """A second start's message sent with a plain socket (it frees the GIL while waiting,
    so this process's event loop can answer)."""

    def run() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(30)
            sock.connect(path)
            sock.sendall(ACTIVATE)
            answers.append(sock.recv(16))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@unix_only
def test_in_process_the_first_copy_answers_and_emits_activated(qtbot):
    key = f"{INSTANCE_NAME}-test-{uuid.uuid4().hex[:12]}"
    first = SingleInstance(key)
    try:
        assert first.claim() is Claim.FIRST
        answers: list[bytes] = []
        with qtbot.waitSignal(first.activated, timeout=30_000):
            client = _python_client(str(Path(QDir.tempPath()) / key), answers)
            qtbot.waitUntil(lambda: bool(answers), timeout=30_000)
        client.join()
        assert answers == [ANSWER]
    finally:
        first.release()
    again = SingleInstance(key)  # released: the next claim is first again
    assert again.claim() is Claim.FIRST
    again.release()


@unix_only
def test_a_copy_holding_the_lock_without_answering_is_reported(monkeypatch):
    monkeypatch.setattr(single_instance, "CONNECT_PATIENCE_S", 0.5)
    key = f"{INSTANCE_NAME}-test-{uuid.uuid4().hex[:12]}"
    holder = QLockFile(str(Path(QDir.tempPath()) / f"{key}.lock"))
    assert holder.tryLock(0)
    try:
        assert SingleInstance(key).claim() is Claim.NO_ANSWER
    finally:
        holder.unlock()


@unix_only
def test_a_crashed_copy_leaves_nothing_that_blocks_the_next_start(qtbot, tmp_path):
    key = f"{INSTANCE_NAME}-test-{uuid.uuid4().hex[:12]}"
    script = (
        "import sys, time\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from attendance_desktop.gui.single_instance import SingleInstance\n"
        "app = QCoreApplication([])\n"
        f"instance = SingleInstance({key!r})\n"
        "print(instance.claim().value, flush=True)\n"
        "time.sleep(600)\n"
    )
    crashed = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=_env(),
                               stdout=subprocess.PIPE, text=True)
    assert crashed.stdout is not None
    assert crashed.stdout.readline().strip() == "first"
    crashed.kill()  # no clean-up: the lock file and the socket file stay behind
    crashed.wait()
    crashed.stdout.close()
    assert (Path(QDir.tempPath()) / key).exists()  # the stale socket
    assert (Path(QDir.tempPath()) / f"{key}.lock").exists()
    after = SingleInstance(key)
    try:
        assert after.claim() is Claim.FIRST
        # ... and it really listens: a second start reaches it.
        answers: list[bytes] = []
        with qtbot.waitSignal(after.activated, timeout=30_000):
            client = _python_client(str(Path(QDir.tempPath()) / key), answers)
            qtbot.waitUntil(lambda: bool(answers), timeout=30_000)
        client.join()
        assert answers == [ANSWER]
    finally:
        after.release()


def test_the_installer_mutex_is_windows_only():
    if sys.platform == "win32":
        assert create_windows_mutexes() >= 1
    else:
        assert create_windows_mutexes() == 0
