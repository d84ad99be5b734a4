"""Qt-free fixtures: a fresh SQLite database per test."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import hashlib
import inspect
import os
import pickle
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths, resolve_paths
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.database import open_database
from attendance_desktop.services.demo import demo_service
from attendance_desktop.services.school import calendar_service

pytest_plugins = ["pytester"]  # tests/gui/test_leak_checks.py runs pytest on leaky tests

# How long the leak checks (here and tests/gui/conftest.py) wait for a thread to end: 5 s,
# or less where tests/gui/test_leak_checks.py runs pytest on tests that leak on purpose.
LEAK_WAIT_S = float(os.environ.get("ATTENDANCE_LEAK_WAIT_S", "5"))

HEAD = Actor("Test Head", Role.HEAD, staff_id=None)
OFFICE = Actor("Test Office", Role.OFFICE, staff_id=None)


def pytest_configure(config: pytest.Config) -> None:
    _temporary_folders_in_memory(config)


def _temporary_folders_in_memory(config: pytest.Config) -> None:
    """Every test's folders (tmp_path, and everything made with `tempfile`, in the test
    run and in the processes it starts) go in the machine's memory-backed folder
    /dev/shm when it has one with room, instead of the disk's /tmp.

    The app opens SQLite with synchronous=FULL (db/engine.py): each commit waits for the
    disk, as a legal record should. The tests commit tens of thousands of times, and on
    a disk those waits were about a quarter of the suite's time; in memory the same
    code runs, fsync and all, without the wait. Not done when the person running the
    tests chose a folder (TMPDIR, --basetemp) or ATTENDANCE_TEST_TMP=disk. Decided once,
    in the process that starts the parallel workers: they inherit TMPDIR."""
    if (os.environ.get("ATTENDANCE_TEST_TMP", "memory") != "memory"
            or os.environ.get("TMPDIR") or config.option.basetemp
            or os.environ.get("PYTEST_DEBUG_TEMPROOT")):
        return
    shm = Path("/dev/shm")
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").split("\n")
        in_memory = any(line.split()[1:3] == ["/dev/shm", "tmpfs"]
                        for line in mounts if line.strip())
        roomy = shutil.disk_usage(shm).free > 2 * 2**30
    except (OSError, IndexError):
        return
    if in_memory and roomy and os.access(shm, os.W_OK | os.X_OK):
        os.environ["TMPDIR"] = str(shm)
        tempfile.tempdir = None  # read TMPDIR again


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` (several seconds each: real processes, servers, whole-window
    walks) run first, so in a parallel run (`-n 2 --dist worksteal`) the quick ones fill
    in around them instead of one worker finishing a long test alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[None]:
    """No automatic garbage collection while collecting, and what collecting leaves (the
    test modules, the items) frozen afterwards (see _collect_after_each_test). Collecting
    rewrites every test module's asserts: millions of short-lived syntax-tree objects,
    and with automatic collection on, the full collections they set off each walked the
    objects the app's, SQLAlchemy's and Qt's modules had made by then."""
    gc.disable()
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()


@pytest.fixture(autouse=True, scope="session")
def _no_automatic_collection() -> Iterator[None]:
    """The app collects garbage itself (gui/gc_guard.py: on the GUI thread, never on a
    background job's); the tests do too, after each test (below), not whenever
    allocations pass a threshold during it."""
    gc.disable()
    yield
    gc.unfreeze()
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test(_no_automatic_collection: None) -> Iterator[None]:
    """Each test's garbage is collected when it ends, so anything left unclosed in it (a
    file, a database connection) is reported against that test (unclosed resources are
    errors: pyproject.toml filterwarnings), and what survives is frozen: the next test's
    collection then looks only at what that test made."""
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _no_machine_or_user_locations(tmp_path_factory: pytest.TempPathFactory,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads this PC's machine config file or finds a real first-release folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("ATTENDANCE_MACHINE_CONFIG", str(home / "no-machine-config.ini"))


@pytest.fixture(autouse=True)
def _no_leaked_python_threads(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a Python thread running (a server, a sender, a worker): each
    new thread gets two seconds to end. Opt out with
    @pytest.mark.leaks_allowed("threads", reason=...)."""
    before = set(threading.enumerate())
    yield
    # (a "dummy" thread is Qt's: a pool thread that ran Python code; tests/gui checks those)
    started = [t for t in threading.enumerate()
               if t not in before and not isinstance(t, threading._DummyThread)]
    deadline = time.monotonic() + min(2.0, LEAK_WAIT_S)
    for thread in started:
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in started if t.is_alive()]
    marks = list(request.node.iter_markers("leaks_allowed"))
    if left and not any("threads" in m.args for m in marks):
        pytest.fail(f"the test left Python threads running: {', '.join(left)}", pytrace=False)


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return resolve_paths(tmp_path / "data", environ={})


@pytest.fixture(autouse=True, scope="session")
def cheap_pin_hashing() -> Iterator[None]:
    """Argon2 at its cheapest in tests (each production hash takes ~0.25 s on purpose);
    tests/services/school/test_pin_rules.py checks the production cost itself. Session-wide,
    so a module's shared fixture (built before any function-scoped fixture) hashes cheaply
    too: the demo school's four PINs cost a second at production cost, and each sign-in
    against them another quarter."""
    from attendance_desktop.services.school import auth_service

    old = auth_service.use_hash_cost(auth_service.HashCost(1, 8, 1))
    yield
    auth_service.use_hash_cost(old)


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new database made once per run (migrated and seeded as open_database makes it);
    each test's `engine` starts from a copy instead of running every migration again."""
    paths = resolve_paths(tmp_path_factory.mktemp("template") / "data", environ={})
    open_database(paths).dispose()  # closing the last connection checkpoints the WAL
    assert paths.sqlite_file is not None
    assert paths.sqlite_file.is_file()
    return paths.sqlite_file


def _shared_between_workers(factory: pytest.TempPathFactory, key: str,
                            make: Callable[[], tuple[Path, Any]]) -> tuple[Path, Any]:
    """`make()` once per run, not once per worker: in a parallel run (pytest-xdist) the
    first worker to need `key` builds it under a file lock in a folder all workers of this
    run share, and the others copy its database and unpickle its result."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    try:
        import fcntl
    except ImportError:  # (Windows: each worker builds its own)
        fcntl = None  # type: ignore[assignment]
    if not run or fcntl is None:
        return make()
    folder = factory.getbasetemp().parent / f"built-{run}"
    folder.mkdir(exist_ok=True)
    name = hashlib.sha256(key.encode()).hexdigest()[:24]
    db, result_file = folder / f"{name}.sqlite3", folder / f"{name}.pickle"
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if result_file.exists():
            return db, pickle.loads(result_file.read_bytes())
        source, result = make()
        try:
            data = pickle.dumps(result)
        except (pickle.PicklingError, TypeError, AttributeError):
            return source, result  # not shareable: this worker keeps its own
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(db)) as dst:
            src.backup(dst)
        result_file.write_bytes(data)  # last: its presence says the database is complete
        return db, result


@pytest.fixture(scope="session")
def built_once(tmp_path_factory: pytest.TempPathFactory, _template_database: Path
               ) -> Callable[..., Any]:
    """`built_once(engine, build, *args, **kw)` does what `build(engine, *args, **kw)` does
    to a new database, from a copy: each build and set of arguments runs once per run (in
    a database of its own, copied from the template) and its result is copied over
    `engine`'s database, which must be new SQLite; `build`'s return value is kept too."""
    made: dict[tuple[Any, ...], tuple[Path, Any]] = {}

    def copy_into(engine: Engine, build: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        # the engine's application clock, as the records take their times from it
        bound = clock._CLOCKS.get(engine)
        at = bound() if bound is not None else None
        # the arguments with the defaults filled in: said or not, the same build
        bound_args = inspect.signature(build).bind(engine, *args, **kw)
        bound_args.apply_defaults()
        params = list(bound_args.arguments.items())[1:]
        key = (build.__module__, build.__qualname__, *sorted(params), ("clock", at))
        if key not in made:
            def make() -> tuple[Path, Any]:
                paths = resolve_paths(tmp_path_factory.mktemp("built") / "data", environ={})
                assert paths.sqlite_file is not None
                paths.sqlite_file.parent.mkdir(parents=True, mode=0o700)
                shutil.copyfile(_template_database, paths.sqlite_file)
                built = open_database(paths)
                if at is not None:
                    bind_clock(built, FixedClock(at))
                try:
                    return paths.sqlite_file, build(built, *args, **kw)
                finally:
                    built.dispose()

            made[key] = _shared_between_workers(tmp_path_factory, repr(key), make)
        source, result = made[key]
        target = engine.url.database
        assert engine.dialect.name == "sqlite", "built_once copies SQLite files"
        assert target
        engine.dispose()  # no connection open while the file is replaced
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return copy.deepcopy(result)  # each test its own (ids dicts get changed)

    return copy_into


@pytest.fixture(scope="session")
def demo_school(built_once: Callable[..., Any]) -> Callable[..., demo_service.DemoSummary]:
    """`demo_school(engine, **kw)` does what `demo_service.create_demo(engine, **kw)` does
    to a new database, from a copy: each set of arguments is built once per run (in a
    database of its own) and copied over `engine`'s database, which must be new SQLite."""

    def copy_into(engine: Engine, **kw: Any) -> demo_service.DemoSummary:
        summary: demo_service.DemoSummary = built_once(engine, demo_service.create_demo, **kw)
        return summary

    return copy_into


@pytest.fixture
def engine(paths: AppPaths, _template_database: Path) -> Iterator[Engine]:
    """A fresh database for this test: a copy of the template, opened by the app."""
    target = paths.sqlite_file
    if target is not None and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(_template_database, target)
    eng = open_database(paths)
    yield eng
    eng.dispose()


@pytest.fixture
def school_year(engine: Engine) -> calendar_service.YearInfo:
    """The 2025/26 academic year with default term dates and England's bank holidays."""
    calendar_service.create_academic_year(engine, HEAD, default_term_dates(2025),
                                          inset_days=[dt.date(2025, 9, 1)])
    year = calendar_service.year_containing(engine, dt.date(2025, 10, 1))
    assert year is not None
    return year


def clock_at(engine: Engine, when: dt.datetime) -> None:
    """Set the application's clock for `engine` (the services read the time from it)."""
    bind_clock(engine, FixedClock(when))


def no_automatic_backups(engine: Engine) -> None:
    """Switch the school's automatic backups off (Settings → Backups), for a test that
    closes a main window on a big school but is not about backups: the backup at quit
    verifies every mark's ledger link, ~0.8 s of CPU on the 210-pupil demo. Automatic
    backups themselves are tested in tests/gui/test_backups_page.py."""
    import dataclasses

    from attendance_desktop.services.records import backup_store

    backup_store.save_settings(engine, HEAD, dataclasses.replace(
        backup_store.load_settings(engine), automatic=False))


def put_marks(engine: Engine, actor: Actor,
              cells: list[tuple[int, dt.date, str, str] | tuple[int, dt.date, str, str,
                                                                 int | None, str]],
              source: str = "register", reason: str = "") -> None:
    """Test set-up: write marks through the register path as if each was entered on its
    day before the register closed (so no amendment is needed or recorded)."""
    from attendance_desktop.services import clock
    from attendance_desktop.services.register import register_service
    from attendance_desktop.services.register.register_service import MarkChange

    before = clock._CLOCKS.get(engine)
    try:
        for day in sorted({c[1] for c in cells}):
            bind_clock(engine, FixedClock(dt.datetime.combine(day, dt.time(7, 59, 30, 500))))
            register_service.apply_changes(engine, actor, [
                MarkChange(*c) for c in cells if c[1] == day],  # type: ignore[arg-type]
                source=source, reason=reason)
    finally:
        if before is not None:
            bind_clock(engine, before)
        else:
            clock._CLOCKS.pop(engine, None)


def put_mark(engine: Engine, actor: Actor, pupil_id: int, day: dt.date, session: str,
             code: str, minutes_late: int | None = None, comment: str = "",
             source: str = "import", reason: str = "") -> None:
    """One mark of history (default source 'import': no term dates needed)."""
    put_marks(engine, actor, [(pupil_id, day, session, code, minutes_late, comment)],
              source=source, reason=reason)


# The PostgreSQL test server's fixtures (pg_base, pg_engine, pg_template), for any test that asks.
from tests.db.pg_fixtures import pg_base, pg_engine, pg_template  # noqa: E402, F401
