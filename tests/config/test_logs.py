"""The support log: where it is, what it holds (never pupils' data or passwords), and
that a log which cannot be written never stops the app."""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

import pytest
from sqlmodel import select

from attendance_desktop import __main__, __version__, cli
from attendance_desktop.config import logs
from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import Contact, Pupil

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pupils_sims.csv"
POSIX = os.name == "posix"


@pytest.fixture(autouse=True)
def _close_log():
    yield
    logs.teardown_logging()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_command_writes_start_and_stop_to_a_private_log(tmp_path, capsys):
    data = tmp_path / "data"
    assert __main__.main(["stats", "--data-dir", str(data)]) == 0
    log_file = data / "logs" / "attendance-desktop.log"
    text = log_file.read_text(encoding="utf-8")
    assert f"start: Attendance Desktop {__version__}, command stats, Python" in text
    assert f"data folder {data.resolve()}" in text
    assert f"database SQLite file {data.resolve() / 'attendance.sqlite3'}" in text
    assert text.rstrip().endswith("stop (exit code 0)")
    if POSIX:
        assert _mode(log_file) == 0o600
        assert _mode(log_file.parent) == 0o700


def test_a_second_command_appends_to_the_same_log(tmp_path, capsys):
    data = tmp_path / "data"
    __main__.main(["stats", "--data-dir", str(data)])
    # alerts refuses without term dates (exit 2): the refusal is logged like any stop
    __main__.main(["alerts", "--data-dir", str(data)])
    text = logs.log_file_path(data).read_text(encoding="utf-8")
    assert text.count("start: ") == 2
    assert text.count("stop (exit code 0)") == 1
    assert text.count("stop (exit code 2)") == 1
    assert "command alerts" in text


def test_rotated_files_stay_private_and_the_log_stays_small(tmp_path):
    path = logs.setup_logging(tmp_path)
    logger = logging.getLogger("attendance_desktop.test")
    for i in range(8_000):  # ~9 MB of long lines: more than the 5 old files kept
        logger.info("line %06d %s", i, "x" * 1_100)
    logs.teardown_logging()
    files = sorted(path.parent.iterdir())
    assert [f.name for f in files] == ["attendance-desktop.log"] + [
        f"attendance-desktop.log.{n}" for n in range(1, logs.BACKUP_COUNT + 1)]
    assert "line 007999" in path.read_text(encoding="utf-8")
    assert all(f.stat().st_size <= logs.MAX_BYTES for f in files)
    if POSIX:
        assert {_mode(f) for f in files} == {0o600}


def test_a_record_logged_by_another_thread_after_teardown_opens_no_file(tmp_path):
    # A thread (the SMTP server, a worker) that picked up the handler just before
    # teardown_logging closed it: the base class would open the file again and nothing
    # would ever close it (a ResourceWarning at some later garbage collection).
    path = logs.setup_logging(tmp_path)
    (handler,) = [h for h in logging.getLogger().handlers
                  if isinstance(h, logging.FileHandler) and h.baseFilename == str(path)]
    logs.teardown_logging()
    record = logging.LogRecord("late", logging.INFO, __file__, 1, "after the close", None,
                               None)
    handler.handle(record)
    assert handler.stream is None
    assert "after the close" not in path.read_text(encoding="utf-8")


def test_a_data_folder_that_is_a_file_means_no_log_and_no_crash(tmp_path, capsys):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("I am a file", encoding="utf-8")
    logs.setup_logging(not_a_folder)
    assert logs.active_log_file() is None
    logging.getLogger("attendance_desktop.test").error("goes nowhere", exc_info=ValueError("x"))
    assert capsys.readouterr().err == ""  # silent: no traceback, no extra lines


def test_the_cli_still_gives_one_line_when_the_log_cannot_be_written(tmp_path, capsys):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("I am a file", encoding="utf-8")
    assert __main__.main(["stats", "--data-dir", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_log_folder_that_cannot_be_written_is_skipped_quietly(tmp_path, capsys):
    # A file where the logs folder should be: no account, root included, can write there
    # (a read-only folder would not stop root, which CI runs as).
    (tmp_path / "logs").write_text("not a folder", encoding="utf-8")
    logs.setup_logging(tmp_path)
    assert logs.active_log_file() is None
    assert capsys.readouterr().err == ""


def test_database_urls_are_described_without_their_password():
    described = logs.describe_database("postgresql+psycopg://office:s3cr%40t:x@db.school:5432/att")
    assert "s3cr" not in described
    assert described == "PostgreSQL at postgresql+psycopg://office:***@db.school:5432/att"
    assert logs.describe_database("sqlite:////srv/a b/attendance.sqlite3") == \
        "SQLite file /srv/a b/attendance.sqlite3"
    assert "secret" not in logs.describe_database("not a url with secret")


def test_a_password_never_reaches_the_log(tmp_path, capsys):
    # Port 1 on loopback refuses at once: the failure (and its traceback) is logged.
    url = "postgresql+psycopg://office:Pa55word-in-url@127.0.0.1:1/school"
    code = __main__.main(["stats", "--data-dir", str(tmp_path / "d"), "--db-url", url])
    assert code != 0
    text = logs.log_file_path(tmp_path / "d").read_text(encoding="utf-8")
    assert "office:***@127.0.0.1:1/school" in text
    assert "Pa55word" not in text
    assert "Traceback" not in capsys.readouterr().err


def test_an_error_escaping_a_command_gives_one_line_and_its_traceback_goes_to_the_log(
        tmp_path, capsys, monkeypatch):
    # cli.run answers faults itself; this is the safety net in __main__ behind it.
    def broken(_args):
        raise RuntimeError("a bug in a command")

    monkeypatch.setattr(cli, "run", broken)
    data = tmp_path / "data"
    assert __main__.main(["stats", "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert str(logs.log_file_path(data.resolve())) in err
    text = logs.log_file_path(data).read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: a bug in a command" in text
    assert "stop (exit code 2)" in text


def test_the_log_holds_no_pupils_data_after_demo_import_and_stats(tmp_path, capsys):
    data = tmp_path / "data"
    common = ["--data-dir", str(data)]
    assert __main__.main(["demo", "--pupils", "40", *common]) == 0
    assert __main__.main(["import", "pupils", str(FIXTURE), *common]) == 0
    assert __main__.main(["stats", *common]) == 0
    assert __main__.main(["alerts", *common]) == 0
    assert __main__.main(["export", "marks", str(tmp_path / "marks.csv"), *common]) == 0
    assert __main__.main(["import", "marks", str(tmp_path / "marks.csv"), *common]) == 0

    engine = make_engine(resolve_paths(data, environ={}).db_url)
    with session_scope(engine) as s:
        pupils = s.exec(select(Pupil)).all()
        contacts = s.exec(select(Contact)).all()
        private = {p.upn for p in pupils if p.upn}
        for p in pupils:
            private |= {p.legal_forename, p.legal_surname, p.preferred_forename,
                        p.preferred_surname}
        for c in contacts:
            private |= {c.forename, c.surname, c.phone_mobile, c.phone_home, c.email,
                        c.address, c.postcode}
    engine.dispose()
    private = {v for v in private if v and len(v) >= 3}
    assert len(private) > 100  # the check has something to find
    assert "Abbott" in private  # a pupil from the imported file
    text = "\n".join(f.read_text(encoding="utf-8") for f in (data / "logs").iterdir())
    assert text.count("start: ") == 6
    # Imports are logged by file name and counts.
    assert re.search(rf"pupil import {FIXTURE.name} by command line: \d+ new, \d+ updated", text)
    assert re.search(r"mark import marks.csv by command line: 0 new, 0 changed, \d+ unchanged",
                     text)
    found = sorted(v for v in private if re.search(rf"\b{re.escape(v)}\b", text))
    assert found == []


def test_database_errors_are_logged_without_the_values_of_the_statement(tmp_path):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    log_file = logs.setup_logging(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE pupil (upn TEXT UNIQUE, name TEXT)"))
        conn.execute(text("INSERT INTO pupil VALUES (:u, :n)"),
                     {"u": "A123456789012", "n": "Zebedee Quartermaine"})
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO pupil VALUES (:u, :n)"),
                     {"u": "A123456789012", "n": "Zebedee Quartermaine"})
    engine.dispose()
    assert "Zebedee" in str(caught.value)  # SQLAlchemy quotes the values ...
    logging.getLogger("attendance_desktop.test").error("insert failed: %s", caught.value,
                                                       exc_info=caught.value)
    logs.teardown_logging()
    content = log_file.read_text(encoding="utf-8")
    assert "UNIQUE constraint failed: pupil.upn" in content  # ... the log keeps the fault
    assert "[parameters: hidden from the log]" in content
    assert "Zebedee" not in content
    assert "A123456789012" not in content


def test_postgresql_key_details_are_redacted():
    detail = ('duplicate key value violates unique constraint "pupil_upn_key"\n'
              "DETAIL:  Key (upn)=(A123456789012) already exists.")
    assert logs.redact(detail).endswith("DETAIL:  Key (upn)=(hidden) already exists.")


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_a_new_data_folder_made_for_the_log_is_private(tmp_path):
    data = tmp_path / "new" / "data"
    logs.setup_logging(data)
    assert _mode(data) == 0o700


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_in_a_folder_shared_with_a_group_the_log_is_shared_with_it(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o2770)  # what IT sets up for a group of staff accounts
    path = logs.setup_logging(data)
    logging.getLogger("attendance_desktop.test").info("hello")
    assert _mode(path.parent) == 0o2770
    assert _mode(path) == 0o660
