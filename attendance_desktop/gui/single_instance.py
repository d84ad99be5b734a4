"""One running copy per data folder (and per Windows account), per mode.

The first copy takes a lock file and listens on a local socket (a named pipe on
Windows); a second start finds the lock taken, asks the first over the socket to bring
its window forward, and exits. Slots are separate for the staff window ("gui") and a
standalone kiosk ("kiosk"), so a kiosk PC or second screen can run beside the staff app
on the same data; the kiosk opened from the staff window lives in the staff process.

On Windows the app also creates the named mutexes the installer looks for (Inno Setup
AppMutex), so it can ask the user to close the app before an upgrade.
"""

from __future__ import annotations

import enum
import getpass
import hashlib
import logging
import os
import sys
import time
from pathlib import Path, PurePath

from PySide6.QtCore import QDir, QLockFile, QObject, Qt, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

from attendance_desktop import INSTANCE_NAME
from attendance_desktop.config.paths import AppPaths

log = logging.getLogger(__name__)

ACTIVATE = b"activate\n"
ANSWER = b"ok\n"
# How long a second start keeps trying to reach a first copy that is still starting up.
CONNECT_PATIENCE_S = 10.0


class Claim(enum.Enum):
    FIRST = "first"  # this process is the running copy
    ACTIVATED = "activated"  # another copy runs and was asked to come forward
    NO_ANSWER = "no answer"  # another copy holds the lock but did not answer


def instance_key(paths: AppPaths, mode: str) -> str:
    """A short name from the data folder, the database (without password), user and mode."""
    if isinstance(paths.where, PurePath):
        database = paths.db_url  # a data folder's file: rendered already, no SQLAlchemy
    else:
        from sqlalchemy.engine import make_url

        try:
            database = make_url(paths.db_url).render_as_string(hide_password=True)
        except Exception:  # an unreadable URL still names one database
            database = paths.db_url
    try:
        user = getpass.getuser()
    except Exception:
        user = str(os.getuid()) if hasattr(os, "getuid") else ""
    folder = os.path.normcase(str(paths.data_dir))  # Windows paths ignore case
    digest = hashlib.sha256("\n".join([folder, database, user]).encode("utf-8"))
    return f"{INSTANCE_NAME}-{mode}-{digest.hexdigest()[:16]}"


class SingleInstance(QObject):
    """Claim the slot with `claim()`; the first copy emits `activated` on a second start."""

    activated = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._lock = QLockFile(str(Path(QDir.tempPath()) / f"{key}.lock"))
        self._lock.setStaleLockTime(0)  # stale only if its process is gone (crash)
        self._server: QLocalServer | None = None

    def claim(self) -> Claim:
        if self._lock.tryLock(0):
            self._listen()
            return Claim.FIRST
        if self._lock.error() != QLockFile.LockError.LockFailedError:
            # The temporary folder cannot hold the lock: fall back to the socket alone.
            log.warning("single instance: lock file unusable (%s)", self._lock.error().name)
            if self._ask_running_copy(patience_s=0.5):
                return Claim.ACTIVATED
            self._listen()
            return Claim.FIRST
        if self._ask_running_copy(patience_s=CONNECT_PATIENCE_S):
            return Claim.ACTIVATED
        return Claim.NO_ANSWER

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock.isLocked():
            self._lock.unlock()

    # --- first copy -----------------------------------------------------------

    def _listen(self) -> None:
        # We hold the lock, so a socket of this name is left over from a crash.
        QLocalServer.removeServer(self.key)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_new_connection)
        if server.listen(self.key):
            self._server = server
            log.info("single instance: listening as %s", self.key)
        else:
            log.warning("single instance: cannot listen as %s (%s)", self.key,
                        server.errorString())

    @Slot()
    def _on_new_connection(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            sock = server.nextPendingConnection()
            sock.setParent(self)
            sock.readyRead.connect(self._on_ready_read)
            sock.disconnected.connect(sock.deleteLater)
            if sock.bytesAvailable():
                self._read(sock)

    @Slot()
    def _on_ready_read(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket):
            self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            return
        message = bytes(sock.readLine().data())
        if message == ACTIVATE:
            log.info("single instance: another start asked this copy to come forward")
            sock.write(ANSWER)
            sock.flush()
            self.activated.emit()
        sock.disconnectFromServer()

    # --- second copy ----------------------------------------------------------

    def _ask_running_copy(self, patience_s: float) -> bool:
        allow_foreground_window()
        deadline = time.monotonic() + patience_s
        while True:
            sock = QLocalSocket()
            sock.connectToServer(self.key)
            if sock.waitForConnected(500):
                sock.write(ACTIVATE)
                sock.waitForBytesWritten(1000)
                answered = sock.waitForReadyRead(3000) and sock.readAll().data() == ANSWER
                sock.disconnectFromServer()
                if answered:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)  # the first copy may still be opening its socket


def bring_forward(widget: QWidget) -> None:
    """Show a window in front of the others, restoring it if minimised."""
    if widget.isMinimized():
        state = widget.windowState() & ~Qt.WindowState.WindowMinimized
        widget.setWindowState(state | Qt.WindowState.WindowActive)
    if not widget.isVisible():
        widget.show()
    widget.raise_()
    widget.activateWindow()


# --- Windows -----------------------------------------------------------------

_mutex_handles: list[int] = []  # kept open for the life of the process


def create_windows_mutexes(name: str = INSTANCE_NAME) -> int:
    """Create the session and global named mutexes the installer checks; Windows only.

    Returns how many were created or opened (0 elsewhere). The mutexes mark "the app is
    running" and are never waited on. The global one lets Everyone check for it, so an
    installer run by another (administrator) account still sees it.
    """
    if sys.platform != "win32":
        return 0
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    kernel32.CreateMutexW.restype = wintypes.HANDLE
    kernel32.CreateMutexW.argtypes = [ctypes.c_void_p, wintypes.BOOL, wintypes.LPCWSTR]

    class SecurityAttributes(ctypes.Structure):
        _fields_ = [("nLength", wintypes.DWORD), ("lpSecurityDescriptor", ctypes.c_void_p),
                    ("bInheritHandle", wintypes.BOOL)]

    # Everyone may wait on (check) it; full access for the system and administrators.
    sddl = "D:(A;;0x00100000;;;WD)(A;;GA;;;SY)(A;;GA;;;BA)"
    descriptor = ctypes.c_void_p()
    attributes = None
    if advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl, 1, ctypes.byref(descriptor), None):
        attributes = SecurityAttributes(ctypes.sizeof(SecurityAttributes), descriptor, False)
    created = 0
    for full_name in (name, f"Global\\{name}"):
        sa = ctypes.byref(attributes) if attributes is not None else None
        handle = kernel32.CreateMutexW(sa, False, full_name)
        if handle:
            _mutex_handles.append(handle)
            created += 1
        else:
            # Another account's copy made it first: it exists, which is all that matters.
            log.info("mutex %s not created (error %s)", full_name, ctypes.get_last_error())
    return created


def allow_foreground_window() -> None:
    """Windows only lets the foreground process hand focus on: let the running copy take it."""
    if sys.platform != "win32":
        return
    import ctypes

    asfw_any = -1
    ctypes.WinDLL("user32").AllowSetForegroundWindow(asfw_any)
