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
environment sets it itself (start_together passes the test's). A worker killed by a signal
may be reported with exit status 255 (the server's report of it can be lost), so a test
that kills a process and checks how it ended starts it with subprocess instead.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import ForkServerContext

# Everything the forked workers run; the server is started once, with the list as it is
# then, so every user of the server shares this one list.
PRELOAD = ["attendance_desktop.__main__", "attendance_desktop.services.database",
           "tests.services.race_workers", "tests.db.migration_tools"]


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx  # type: ignore[return-value]
