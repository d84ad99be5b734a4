"""Command line for IT staff and scripts. Imports no Qt.

Every command takes --data-dir DIR or --db-url URL (or $ATTENDANCE_DATA_DIR); a new data
folder gets a new database with a school on default settings. Exit 0 on success, 2 on
bad usage or bad input, with a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from attendance_desktop import __version__
from attendance_desktop.config import locations
from attendance_desktop.config.paths import AppPaths, resolve_paths
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import ImportRejected, ServiceError, StartupError

if TYPE_CHECKING:  # the database stack is imported by the commands that use it (start-up time)
    from sqlalchemy.engine import Engine

    from attendance_desktop.domain.stats import Counts

_log = logging.getLogger(__name__)
# Without a configured handler, logging's last resort would print the traceback on
# stderr; the log file handler (config.logs) receives the records via the root logger.
logging.getLogger("attendance_desktop").addHandler(logging.NullHandler())


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"'{text}' is not a date (use YYYY-MM-DD)")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    where = common.add_argument_group("where the data is")
    where.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                       help="data folder (default: $ATTENDANCE_DATA_DIR, else the "
                            "machine-wide folder shared by every account; see the README)")
    where.add_argument("--db-url", metavar="URL", default=argparse.SUPPRESS,
                       help="database URL instead of the SQLite file, e.g. "
                            "postgresql+psycopg://host/school")

    parser = _Parser(prog="attendance-desktop", parents=[common],
                     description="Attendance registers for a primary school.")
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("gui", parents=[common], help="open the main window (the default)")
    sub.add_parser("kiosk", parents=[common], help="open the late-arrival sign-in kiosk")

    demo = sub.add_parser("demo", parents=[common], help="create the synthetic demo school")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    demo.add_argument("--pupils", type=int, default=210, help="number of pupils (default 210)")
    demo.add_argument("--today", type=_date, default=None,
                      help="pretend today is this date (default: today)")
    demo.add_argument("--years", type=int, default=1,
                      help="academic years of history (default 1: this year to today)")
    demo.add_argument("--open", action="store_true",
                      help="open the main window afterwards (an existing demo school is "
                           "opened as it is)")

    imp = sub.add_parser("import", parents=[common], help="import pupils or marks from CSV")
    imp_sub = imp.add_subparsers(dest="what", required=True, parser_class=_Parser)
    for what in ("pupils", "marks"):
        p = imp_sub.add_parser(what, parents=[common], help=f"import {what} from a CSV file")
        p.add_argument("file", type=Path)
        if what == "marks":
            p.add_argument("--reason", default="",
                           help="why marks in registers that have closed are changed"
                                " (required when the file changes any)")

    _add_ctf_parsers(common, imp_sub)
    exp = sub.add_parser("export", parents=[common], help="export marks to CSV")
    exp_sub = exp.add_subparsers(dest="what", required=True, parser_class=_Parser)
    _add_ctf_parsers(common, None, exp_sub)
    p = exp_sub.add_parser("marks", parents=[common], help="export marks to a CSV file")
    p.add_argument("file", type=Path)
    p.add_argument("--from", dest="start", type=_date, default=None)
    p.add_argument("--to", dest="end", type=_date, default=None)
    _add_calendar_census_parsers(sub, exp_sub, common)

    st = sub.add_parser("stats", parents=[common], help="attendance figures")
    st.add_argument("--from", dest="start", type=_date, default=None,
                    help="first date (default: start of this academic year)")
    st.add_argument("--to", dest="end", type=_date, default=None,
                    help="last date (default: today)")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument("--compulsory-only", action="store_true",
                    help="count only sessions of compulsory school age")

    al = sub.add_parser("alerts", parents=[common],
                        help="tracker flags per pupil (bands, lateness, PA, penalty, missing)")
    al.add_argument("--on", type=_date, default=None, help="as on this date (default: today)")
    al.add_argument("--json", action="store_true", help="print JSON")

    mv = sub.add_parser("move-data", parents=[common],
                        help="move a school left in an old per-user folder into the data "
                             "folder (only into an empty database)")
    mv.add_argument("source", metavar="FROM", type=Path, nargs="?", default=None,
                    help="the old folder (default: this account's folder from the first "
                         "release)")
    mv.add_argument("--never-ask", action="store_true",
                    help="leave the old data where it is and stop mentioning it")
    _add_backup_commands(sub, common)
    _add_check_command(sub, common)
    _add_benchmark_parsers(sub, common)
    _add_chronology_command(sub, common)
    _add_outbox_commands(sub, common)
    return parser


def parse(argv: list[str]) -> argparse.Namespace | None:
    try:
        return build_parser().parse_args(argv)
    except UsageError as exc:
        print(f"attendance-desktop: {exc}", file=sys.stderr)
        return None


def paths_for(args: argparse.Namespace) -> AppPaths:
    return resolve_paths(getattr(args, "data_dir", None), getattr(args, "db_url", None))


def run(args: argparse.Namespace) -> int:
    handler = _HANDLERS.get(args.command)
    if handler is None:
        print(f"attendance-desktop: unknown command '{args.command}'", file=sys.stderr)
        return 2
    paths: AppPaths | None = None
    try:
        paths = paths_for(args)
        from attendance_desktop.services.database import open_database

        engine = open_database(paths, notify=_note)
        try:
            if args.command != "move-data":
                legacy = locations.legacy_note(paths.data_dir, paths.sqlite_file)
                if legacy:
                    _note(legacy)
            return handler(engine, args)
        finally:  # closed here, not left to the process's exit (main() may run again)
            engine.dispose()
    except ImportRejected as exc:
        # Every problem on standard output for the person fixing the file; the one-line
        # reason on standard error as for any other failure.
        for problem in exc.problems:
            print(f"{exc.source}: {problem}")
        print(f"attendance-desktop: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        # One line for the user; the chained cause with its traceback for the log.
        _log.exception("could not open the database: %s", exc)
        print(f"attendance-desktop: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"attendance-desktop: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped early (e.g. `| head`): not an error of ours; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (OSError, ValueError) as exc:
        _log.exception("%s failed", args.command)
        print(f"attendance-desktop: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        # A disk, lock or file fault met after start-up (e.g. the disk fills during an
        # import) reads as at start-up; anything else is a bug. No traceback either way.
        from attendance_desktop.services.database import explain

        known = explain(exc, paths) if paths is not None else None
        _log.exception("%s failed", args.command)
        if known is not None:
            print(f"attendance-desktop: {known}", file=sys.stderr)
        else:
            print(f"attendance-desktop: unexpected error ({type(exc).__name__}: "
                  f"{_one_line(exc)}); please report it with the log file", file=sys.stderr)
        return 2


def _note(text: str) -> None:
    print(f"attendance-desktop: note: {text}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""


# --- handlers -----------------------------------------------------------------


def _holds_demo_school(engine: Engine) -> bool:
    from sqlmodel import func, select

    from attendance_desktop.db.engine import session_scope
    from attendance_desktop.db.models import Pupil, School

    with session_scope(engine) as s:
        school = s.exec(select(School)).first()
        pupils = s.exec(select(func.count()).select_from(Pupil)).one()
        return bool(school and school.is_demo and pupils)


def _cmd_demo(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.demo import demo_service

    if args.open and _holds_demo_school(engine):
        print("The demo school is already in this data folder; opening it.")
        return 0
    summary = demo_service.create_demo(engine, seed=args.seed, pupils=args.pupils,
                                       today=args.today or dt.date.today(), years=args.years)
    print(summary)
    return 0


def _cmd_import(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.interchange import mark_import, pupil_import

    if args.what == "ctf":
        return _cmd_import_ctf(engine, args)
    if args.what == "pupils":
        result = pupil_import.import_pupils(engine, args.file)
    else:
        # Recorded as the operating-system account that ran the command.
        who = Actor(getpass.getuser(), Role.COMMAND_LINE)
        result = mark_import.import_marks(engine, args.file, who, reason=args.reason)
    print(result)
    return 0


def _cmd_export(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.interchange import mark_export
    from attendance_desktop.services.records import audit_service

    if args.what == "census":
        return _cmd_export_census(engine, args)
    if args.what == "ctf":
        return _cmd_export_ctf(engine, args)
    result = mark_export.export_marks(engine, args.file, args.start, args.end)
    # Logged as the operating-system account that ran the command (no pupil names).
    audit_service.record_export(engine, audit_service.command_line_actor(), "export marks",
                                result.pupils, args.file, details=f"{result.exported} marks")
    print(result)  # says how many marks were left out for pupils without a UPN
    return 0


def _default_range(engine: Engine, start: dt.date | None,
                   end: dt.date | None) -> tuple[dt.date, dt.date]:
    from attendance_desktop.services.school import calendar_service

    end = end or dt.date.today()
    if start is None:
        year = calendar_service.year_containing(engine, end)
        start = year.start if year else dt.date(end.year if end.month >= 9 else end.year - 1, 9, 1)
    if start > end:
        raise ServiceError(f"--from {start} is after --to {end}")
    return start, end


def counts_row(c: Counts) -> dict[str, Any]:
    return {
        "possible": c.possible, "present": c.present, "approved": c.approved,
        "authorised": c.authorised, "unauthorised": c.unauthorised,
        "not_counted": c.not_counted, "attendance_pct": c.attendance_pct_1dp(),
        "persistent": c.persistent(), "severe": c.severe(), "late_l": c.late_l,
        "late_u": c.late_u,
    }


def _cmd_stats(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.school import policy_service

    policy = policy_service.load_policy(engine)
    start, end = _default_range(engine, args.start, args.end)
    from attendance_desktop.services.reports import stats_service

    scope = stats_service.Scope(compulsory_only=args.compulsory_only)
    school = stats_service.totals(engine, start, end, scope)
    pupils = stats_service.per_pupil(engine, start, end, scope)

    def row(c: Counts) -> dict[str, Any]:
        out = counts_row(c)
        out["persistent"] = c.persistent(policy.persistent_absence_pct)
        out["severe"] = c.severe(policy.severe_absence_pct)
        return out

    school_row = row(school) | {
        "pupils": len(pupils), "minutes_late": school.minutes_late,
        "persistent_pupils": sum(p.counts.persistent(policy.persistent_absence_pct)
                                 for p in pupils),
        "severe_pupils": sum(p.counts.severe(policy.severe_absence_pct) for p in pupils),
        "codes": dict(sorted(school.by_code.items())),
    }
    rows = [{"upn": p.upn, "name": p.name, "class": p.class_name} | row(p.counts)
            for p in pupils]
    if args.json:
        from attendance_desktop.services.records import audit_service

        # The JSON names every pupil: logged as the account that ran the command.
        audit_service.record_export(engine, audit_service.command_line_actor(),
                                    "stats --json", len(rows), "standard output",
                                    details=f"{start.isoformat()} to {end.isoformat()}")
        print(json.dumps({"from": start.isoformat(), "to": end.isoformat(),
                          "school": school_row, "pupils": rows}, indent=1))
        return 0
    pct = school_row["attendance_pct"]
    print(f"Attendance {start:%d %b %Y} to {end:%d %b %Y}: "
          f"{'–' if pct is None else f'{pct:.1f}%'} over {school.possible} possible sessions, "
          f"{len(pupils)} pupils, {school_row['persistent_pupils']} persistently absent, "
          f"{school_row['severe_pupils']} severely absent")
    cols = ["upn", "possible", "present", "approved", "authorised", "unauthorised",
            "not_counted", "attendance_pct", "persistent", "severe", "late_l", "late_u"]
    print("\t".join(cols))
    for r in rows:
        print("\t".join(_cell(r[c]) for c in cols))
    return 0


def _cmd_alerts(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.trackers import alerts_service

    on = args.on or dt.date.today()
    rows = [alerts_service.alert_row(p) for p in alerts_service.alerts(engine, on)]
    if args.json:
        print(json.dumps({"on": on.isoformat(), "pupils": rows}, indent=1))
        return 0
    cols = ["upn", "attendance_pct", "band", "lateness_level", "persistent", "severe",
            "penalty_threshold_met", "missing_education"]
    table = [[_cell(", ".join(r[c]) if isinstance(r[c], list) else r[c]) for c in cols]
             for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in table)]) for i, c in enumerate(cols)]
    print(f"Alerts on {on:%d %b %Y}: {len(rows)} pupils on roll")
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
    for row in table:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _cmd_move_data(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.config import locations

    paths = paths_for(args)
    engine.dispose()  # the move writes through SQLite; hold no connection meanwhile
    if paths.sqlite_file is None or paths.sqlite_file != paths.data_dir / locations.DB_FILE:
        raise ServiceError("move-data moves into a data folder's own SQLite file; this "
                           "database is elsewhere (--db-url)")
    source = args.source
    if source is None:
        found = locations.find_legacy_data(paths.data_dir)
        if found is None:
            raise ServiceError(f"no old data to move: none in {locations.legacy_data_dir()}, "
                               f"or it was moved or dismissed already")
        source = found.folder
    if args.never_ask:
        locations.dismiss_legacy_data(source, paths.data_dir)
        print(f"The old data in {source} is left where it is and will not be offered again "
              f"({locations.MARKER_NAME} written there).")
        return 0
    result = locations.move_legacy_data(source, paths.data_dir)
    from attendance_desktop.services.database import open_database

    open_database(paths).dispose()  # brings the moved school to the current schema now
    print(result)
    return 0


# --- term dates and the census (calendar import/export, export census) -----------------


def _add_calendar_census_parsers(sub: Any, exp_sub: Any, common: argparse.ArgumentParser
                                 ) -> None:
    cal = sub.add_parser("calendar", parents=[common],
                         help="term dates: import or export the CSV file (see the README)")
    cal_sub = cal.add_subparsers(dest="what", required=True, parser_class=_Parser)
    p = cal_sub.add_parser("import", parents=[common],
                           help="add academic years, terms, half terms, INSET days and "
                                "closures from a CSV file (all or nothing)")
    p.add_argument("file", type=Path)
    p.add_argument("--replace", action="store_true",
                   help="replace years already in the calendar that the file changes")
    p = cal_sub.add_parser("export", parents=[common], help="write the term dates to CSV")
    p.add_argument("file", type=Path)
    p = exp_sub.add_parser("census", parents=[common],
                           help="per-pupil school census attendance figures for a term")
    p.add_argument("file", type=Path)
    p.add_argument("--term", default=None,
                   help="Autumn, Spring, Summer 1, Summer 2 or Summer (both halves); "
                        "default: the term the next census collects")
    p.add_argument("--year", default=None, metavar="YYYY/YY",
                   help="academic year, e.g. 2025/26 (default: the latest with that term)")


def _cmd_calendar(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.domain.roles import CLI_ACTOR
    from attendance_desktop.services.interchange import calendar_io

    if args.what == "import":
        print(calendar_io.import_calendar(engine, CLI_ACTOR, args.file, replace=args.replace))
    else:
        print(calendar_io.export_calendar(engine, args.file))
    return 0


def _cmd_export_census(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.records import audit_service
    from attendance_desktop.services.reports import census_service

    periods = census_service.periods_for(args.term, args.year, dt.date.today())
    result = census_service.export_census(engine, args.file, periods)
    audit_service.record_export(engine, audit_service.command_line_actor(), "census export",
                                result.pupils, args.file)
    print(result)
    return 0


# --- Common Transfer File (issue 14 points 5 and 6) --------------------------------


def _add_ctf_parsers(common: argparse.ArgumentParser, imp_sub: Any, exp_sub: Any = None) -> None:
    if imp_sub is not None:
        p = imp_sub.add_parser("ctf", parents=[common], help="import pupils from a DfE Common "
                               "Transfer File (shows every change first)")
        p.add_argument("file", type=Path)
        p.add_argument("--sections", default="details,contacts,attendance",
                       help="comma-separated: details, contacts, attendance (default: all)")
        p.add_argument("--admitted", type=_date, default=None,
                       help="admission date for new pupils (default: today)")
        p.add_argument("--yes", action="store_true", help="save without asking")
        return
    p = exp_sub.add_parser("ctf", parents=[common],
                           help="write a Common Transfer File for a pupil (a leaver)")
    p.add_argument("upn")
    p.add_argument("file", type=Path)
    p.add_argument("--lea", default="", help="this school's LA number (3 digits)")
    p.add_argument("--estab", default="", help="this school's establishment number (4 digits)")
    p.add_argument("--to-lea", default="", help="the next school's LA number (default MMM)")
    p.add_argument("--to-estab", default="",
                   help="the next school's establishment number (default MMMM)")


def _cmd_import_ctf(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.interchange import ctf_import

    sections = [x.strip() for x in args.sections.split(",") if x.strip()]
    pv = ctf_import.preview(engine, args.file, sections, args.admitted)
    print(pv.summary())
    if pv.imported_before:
        _note(f"{args.file.name}: {pv.imported_before}")
    for p in pv.pupils:
        state = "NEW" if p.is_new else "no changes" if p.unchanged else "UPDATE"
        print(f"{p.upn}  {p.name}  {state}")
        for line in [] if p.unchanged else p.lines():
            print(f"    {line}")
    if not args.yes:
        if not sys.stdin.isatty():
            print("Nothing saved: run again with --yes to import.")
            return 0
        if input("Import these changes? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing saved.")
            return 0
    print(ctf_import.import_ctf(engine, args.file, sections, admission_date=args.admitted,
                                expect_sha256=pv.sha256))
    return 0


def _cmd_export_ctf(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.interchange import ctf_export
    from attendance_desktop.services.records import audit_service

    result = ctf_export.export_ctf(engine, args.upn, args.file, lea=args.lea, estab=args.estab,
                                  dest_lea=args.to_lea, dest_estab=args.to_estab)
    audit_service.record_export(engine, audit_service.command_line_actor(), "CTF export", 1,
                                args.file)
    print(result)
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


# --- backups (issue 13) -----------------------------------------------------------------


def _add_backup_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    b = sub.add_parser("backup", parents=[common],
                       help="make a verified backup; prints its path")
    b.add_argument("--to", type=Path, default=None, metavar="DIR",
                   help="write it into DIR (default: the data folder's backups/, copied to "
                        "the second folder set in Settings → Backups)")
    r = sub.add_parser("restore", parents=[common],
                       help="restore a backup (verified first; the current database is "
                            "kept as before-restore-… in backups/)")
    r.add_argument("file", type=Path, metavar="FILE")
    r.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    v = sub.add_parser("verify-backup", parents=[common],
                       help="check a backup file; prints OK or its problems (exit 1)")
    v.add_argument("file", type=Path, metavar="FILE")


def _cmd_backup(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.records import backup_service

    result = backup_service.run_job(backup_service.make_backup(paths_for(args), engine,
                                                               to=args.to))
    assert isinstance(result, backup_service.BackupResult)
    if result.path is None:
        raise ServiceError(result.note)
    if result.second_problem:
        _note(f"no copy in the second folder: {result.second_problem}")
    print(result.path)
    return 0


def _cmd_restore(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.domain.backups import parse_name
    from attendance_desktop.domain.roles import CLI_ACTOR
    from attendance_desktop.services.records import backup_service, restore_service

    paths = paths_for(args)
    checked = backup_service.verify_database(args.file)
    if not checked.ok:
        raise ServiceError(f"{args.file} cannot be restored: {checked.summary()}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise ServiceError("restore replaces the register: confirm on a terminal, or "
                               "add --yes")
        facts = parse_name(args.file.name)
        when = f" as it was on {facts.taken_at:%a %d %b %Y at %H:%M}" if facts else ""
        answer = input(f"Restore the register{when} from {args.file}? A verified copy of the "
                       f"current database is kept first in {paths.backup_dir}. Type yes: ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was restored.")
            return 1
    result = backup_service.run_job(restore_service.restore(paths, engine, args.file,
                                                            CLI_ACTOR))
    assert isinstance(result, restore_service.RestoreResult)
    print(f"Restored {result.restored_from}; the database as it was is in {result.kept_copy}")
    return 0


def _cmd_verify_backup(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.records import backup_service

    result = backup_service.verify_database(args.file)
    if result.ok:
        print(f"OK: {args.file}" + (f" (schema revision {result.revision})"
                                    if result.revision else ""))
        return 0
    for problem in result.problems:
        print(f"{args.file}: {problem}")
    return 1


# --- check: the tamper-evident chains (issue 13 point 1) --------------------------------


def _add_check_command(sub: Any, common: argparse.ArgumentParser) -> None:
    sub.add_parser("check", parents=[common],
                   help="check the register was not changed outside the app: the database "
                        "file, the append-only guards and every hash chain (exit 1 when "
                        "anything is wrong)")


def _cmd_check(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.register import integrity_service

    result = integrity_service.check(engine)
    for problem in result.problems:
        print(problem)
    if result.more:
        print(f"... and {result.more} more problems of the same kinds")
    print(result.summary())
    return 0 if result.ok else 1


# --- national and local-authority figures (benchmarks import / list) --------------------


def _add_benchmark_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    bm = sub.add_parser("benchmarks", parents=[common],
                        help="national and local-authority attendance figures")
    bm_sub = bm.add_subparsers(dest="what", required=True, parser_class=_Parser)
    p = bm_sub.add_parser("import", parents=[common],
                          help="read a DfE 'Pupil absence in schools in England' data file "
                               "(CSV; all or nothing; see the README)")
    p.add_argument("file", type=Path)
    p.add_argument("--la", default="", metavar="NNN",
                   help="the local authority's three-digit number (default: from the "
                        "school's details)")
    p.add_argument("--phase", default="State-funded primary",
                   help="the file's education_phase to read (default: %(default)s)")
    p = bm_sub.add_parser("list", parents=[common], help="the figures held")
    p.add_argument("--json", action="store_true", help="print JSON")


def _cmd_benchmarks(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.domain.benchmarks import AREA_LABELS, PERIOD_LABELS
    from attendance_desktop.services.records import audit_service
    from attendance_desktop.services.reports import benchmark_service

    if args.what == "import":
        preview, saved = benchmark_service.import_file(
            engine, audit_service.command_line_actor(), args.file, args.la, args.phase)
        print(f"{preview.source}: {len(preview.figures)} figures read, {saved} new or changed"
              + ("" if preview.la_code else "; no local authority given or found in the "
                 "school's details, so only national figures were read (use --la NNN)"))
        return 0
    rows = benchmark_service.list_figures(engine)
    if args.json:
        print(json.dumps([{**{k: getattr(r.figure, k) for k in (
            "area", "area_name", "academic_year", "period", "overall_absence_pct",
            "authorised_pct", "unauthorised_pct", "persistent_absence_pct",
            "severe_absence_pct")}, "attendance_pct": r.figure.attendance_pct,
            "source": r.source} for r in rows], indent=2))
        return 0
    for r in rows:
        f = r.figure
        print(f"{f.academic_year}  {PERIOD_LABELS[f.period]:<24} {AREA_LABELS[f.area]:<16}"
              f" attendance {f.attendance_pct:5.1f}%  ({r.source})")
    return 0


# --- outbox: send or list the queued email (issue 17 point 5) --------------------------


def _add_outbox_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    o = sub.add_parser("outbox", parents=[common], help="the email outbox: send what is due "
                       "(e.g. from a scheduled task) or list the messages")
    o_sub = o.add_subparsers(dest="outbox_command", required=True, parser_class=_Parser)
    o_sub.add_parser("send", parents=[common], help="send every message that is due (exit 1"
                     " when the server could not be reached or some failed)")
    p = o_sub.add_parser("list", parents=[common], help="list the messages, newest first")
    p.add_argument("--status", action="append", default=[], metavar="STATUS",
                   choices=("queued", "sending", "check", "sent", "failed", "cancelled"),
                   help="only these statuses (repeatable)")


def _cmd_outbox(engine: Engine, args: argparse.Namespace) -> int:
    from attendance_desktop.services.mail import outbox, sender

    if args.outbox_command == "send":
        result = sender.flush(engine)
        print(result)
        return 1 if result.error or result.failed or result.needs_checking else 0
    for m in outbox.list_messages(engine, args.status):
        when = f"{m.sent_at:%Y-%m-%d %H:%M}" if m.sent_at else f"{m.queued_at:%Y-%m-%d %H:%M}"
        print("\t".join((str(m.id), m.status_label, when, m.recipient, m.subject,
                         str(m.attempts), m.last_error, m.message_id)))
    return 0


_HANDLERS: dict[str, Callable[[Engine, argparse.Namespace], int]] = {
    "check": _cmd_check,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
    "verify-backup": _cmd_verify_backup,
    "demo": _cmd_demo,
    "import": _cmd_import,
    "export": _cmd_export,
    "stats": _cmd_stats,
    "alerts": _cmd_alerts,
    "move-data": _cmd_move_data,
    "calendar": _cmd_calendar,
    "benchmarks": _cmd_benchmarks,
    "outbox": _cmd_outbox,
}


# --- chronology export (issue 16 point 6) ------------------------------------------------


def _add_chronology_command(sub: Any, common: argparse.ArgumentParser) -> None:
    ch = sub.add_parser("chronology", parents=[common], help="a pupil's chronology")
    ch_sub = ch.add_subparsers(dest="what", required=True, parser_class=_Parser)
    p = ch_sub.add_parser("export", parents=[common],
                          help="save a pupil's chronology as CSV, or as PDF when the file "
                               "name ends .pdf (recorded in the access log)")
    p.add_argument("upn", help="the pupil's UPN")
    p.add_argument("file", type=Path)
    p.add_argument("--family", action="store_true",
                   help="include brothers and sisters (shared parental responsibility)")
    p.add_argument("--kind", default="All kinds",
                   help="only rows of this kind, e.g. 'Referrals and notifications'")
    p.add_argument("--search", default="", help="only rows containing these words")
    p.add_argument("--purpose", choices=("meeting", "referral", "record"), default="meeting",
                   help="what a PDF is for (printed in its heading)")


def _cmd_chronology(engine: Engine, args: argparse.Namespace) -> int:
    from sqlmodel import select

    from attendance_desktop.db.engine import session_scope
    from attendance_desktop.db.models import Pupil
    from attendance_desktop.services.records import audit_service
    from attendance_desktop.services.trackers import chronology_output
    from attendance_desktop.services.trackers import chronology_service as chron

    if args.kind not in chron.FILTERS:
        raise ServiceError(f"--kind must be one of: {', '.join(chron.FILTERS)}")
    with session_scope(engine) as s:
        pupil_id = s.exec(select(Pupil.id).where(Pupil.upn == args.upn.strip().upper())).first()
    if pupil_id is None:
        raise ServiceError(f"no pupil has the UPN {args.upn}")
    tl = chron.timeline(engine, pupil_id, family=args.family, text=args.search,
                        kinds=chron.FILTERS[args.kind])
    actor = audit_service.command_line_actor()
    if args.file.suffix.lower() == ".pdf":
        filters = "; ".join(x for x in (f"kind: {args.kind}" if args.kind != "All kinds"
                                        else "", f"search: {args.search}" if args.search
                                        else "") if x)
        pages = chronology_output.write_pdf(engine, actor, tl, args.file,
                                            purpose=args.purpose, filters=filters)
        print(f"Saved {len(tl.items)} rows on {pages} pages to {args.file}")
    else:
        rows = chronology_output.write_csv(engine, actor, tl, args.file)
        print(f"Saved {rows} rows to {args.file}")
    return 0


_HANDLERS["chronology"] = _cmd_chronology
