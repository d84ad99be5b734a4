"""Real processes that skip the app's imports: forked from one server process that
imported the app once.

A new Python process spends ~1 s of CPU importing SQLAlchemy, SQLModel and the app before
it does anything. Tests where several processes race (on a lock, a file, a server) need
real, separate processes, but not a fresh interpreter each: multiprocessing's forkserver
imports PRELOAD once (per test process), then forks each worker from it. Every worker is an
OS process of its own that opens its own files and database connections after the fork.
The costs: these workers are the server's children, so a CPU count of the test process's
children (resource.RUSAGE_CHILDREN) does not include them; and a worker inherits the
environment the server started with (some earlier test's), so one that depends on the
environment sets it itself (Forked and start_together pass the test's).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from multiprocessing.context import ForkServerContext
from pathlib import Path

# Everything the forked workers run; the server is started once, with the list as it is
# then, so every user of the server shares this one list.
PRELOAD = ["attendance_desktop.__main__", "attendance_desktop.services.database",
           "tests.services.race_workers", "tests.db.migration_tools",
           "tests.services.backup_helpers"]


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx  # type: ignore[return-value]


def _run_main(module: str, argv: list[str], out: str, err: str,
              environ: dict[str, str]) -> None:
    """In the forked worker: `module.main(argv)` as `python -m module` would run it, its
    standard output and error in files."""
    os.environ.clear()
    os.environ.update(environ)
    for fd, path in ((1, out), (2, err)):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    code = importlib.import_module(module).main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


class Forked:
    """`python -m module argv...` as a forked worker: poll, wait, kill and pid as a
    subprocess.Popen has them; its output in files in `work` (lines() follows stdout)."""

    def __init__(self, work: Path, module: str, *argv: str) -> None:
        work.mkdir(parents=True, exist_ok=True)
        self.out, self.err = work / "stdout", work / "stderr"
        self._proc = context().Process(target=_run_main, args=(
            module, list(argv), str(self.out), str(self.err), dict(os.environ)))
        self._proc.start()
        assert self._proc.pid is not None
        self.pid: int = self._proc.pid

    def poll(self) -> int | None:
        return self._proc.exitcode

    @property
    def returncode(self) -> int | None:
        return self._proc.exitcode

    def wait(self, timeout: float) -> int:
        self._proc.join(timeout)
        code = self._proc.exitcode
        assert code is not None, f"the forked {self.pid} did not end in {timeout} s"
        return code

    def kill(self) -> None:
        self._proc.kill()

    def stderr_text(self) -> str:
        return self.err.read_text() if self.err.exists() else ""

    def lines(self) -> Iterator[str]:
        """Each line of its standard output as it is written, until it has ended."""
        while not self.out.exists():
            if self.poll() is not None:
                return
            time.sleep(0.01)
        with self.out.open(encoding="utf-8") as f:
            partial = ""
            while True:
                ended = self.poll() is not None  # before reading: nothing after is missed
                chunk = f.readline()
                if chunk:
                    partial += chunk
                    if partial.endswith("\n"):
                        yield partial.rstrip("\n")
                        partial = ""
                    continue
                if ended:
                    if partial:
                        yield partial
                    return
                time.sleep(0.01)
