"""SQLModel tables. Schema changes go through Alembic migrations (db/migrations).

Conventions: dates are `date`, moments are naive local `datetime` (a school is in one
place and staff read local times); sessions are "AM"/"PM"; codes are national codes (domain.codes).
Append-only tables (amendments, audit, decisions) are protected by triggers.
"""

from __future__ import annotations

import datetime as dt

from pydantic import NaiveDatetime
from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Column, Field, SQLModel


def _now() -> dt.datetime:
    """The PC's time, for a record made without one (services pass the app clock's).

    A Python function, not `dt.datetime.now` itself: pydantic asks a default factory for
    its signature at every construction, and for a built-in that means parsing its text
    signature - ~100 us per object, 80% of making a Mark (tests/db/test_models.py)."""
    return dt.datetime.now()

# --- school and policy -------------------------------------------------------


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    urn: str = ""
    local_authority: str = ""
    head_name: str = ""
    attendance_lead_name: str = ""
    logo_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    is_demo: bool = False
    set_up_complete: bool = False
    created_at: NaiveDatetime = Field(default_factory=_now)


class PolicySetting(SQLModel, table=True):
    """One policy value (JSON text) per key; see domain.policy.Policy for the keys."""

    key: str = Field(primary_key=True)
    value_json: str


class SettingChange(SQLModel, table=True):
    """Append-only record of every change to a policy value, the calendar or school details."""

    id: int | None = Field(default=None, primary_key=True)
    area: str  # policy | calendar | school | staff
    key: str
    old_value: str = ""
    new_value: str = ""
    changed_at: NaiveDatetime = Field(default_factory=_now)
    staff_name: str = ""
    staff_role: str = ""


# --- calendar ----------------------------------------------------------------


class AcademicYear(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)  # "2026/27"
    start_date: dt.date
    end_date: dt.date


class Term(SQLModel, table=True):
    """A half term (the unit of school time); `term_name` groups two halves into a term."""

    id: int | None = Field(default=None, primary_key=True)
    academic_year_id: int = Field(foreign_key="academicyear.id", index=True)
    term_name: str  # Autumn | Spring | Summer
    name: str  # Autumn 1
    start_date: dt.date
    end_date: dt.date


class Closure(SQLModel, table=True):
    """A day or session when the school is closed: bank holiday, INSET, planned or emergency."""

    __table_args__ = (UniqueConstraint("date", "session"),)
    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    session: str = "DAY"  # DAY | AM | PM
    kind: str = "planned"  # bank_holiday | inset | planned | emergency
    code: str = "#"  # '#' planned; Y-codes for unexpected closures
    description: str = ""
    created_by: str = ""


class AssessmentPeriod(SQLModel, table=True):
    """Statutory assessment dates the school enters (KS2 tests, phonics check, ...)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    start_date: dt.date
    end_date: dt.date
    year_groups: str = ""  # comma-separated year group codes, empty = all


# --- people ------------------------------------------------------------------


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    role: str  # office | teacher | head | readonly
    pin_hash: str = ""
    active: bool = True
    failed_attempts: int = 0
    locked_until: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=_now)
    is_demo: bool = False  # a demo account with a published PIN; disabled on a real import


class SchoolClass(SQLModel, table=True):
    __tablename__ = "schoolclass"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    teacher_id: int | None = Field(default=None, foreign_key="staff.id")
    sort_order: int = 0


class Pupil(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    upn: str | None = Field(default=None, unique=True)
    legal_forename: str
    legal_surname: str
    preferred_forename: str = ""
    preferred_surname: str = ""
    dob: dt.date
    sex: str = ""  # F | M | other as recorded
    year_group: str = Field(index=True)  # N, R, 1 .. 6
    class_id: int | None = Field(default=None, foreign_key="schoolclass.id", index=True)
    admission_date: dt.date
    # True while the admission date is only assumed (a pupil file without one): a mark
    # import of earlier history moves it back to the first mark; a date given clears it.
    admission_assumed: bool = False
    leaving_date: dt.date | None = None
    leaving_reason: str = ""
    sen: str = "N"  # N none | K SEN support | E EHCP
    fsm: bool = False
    pupil_premium: bool = False
    looked_after: bool = False
    child_in_need: bool = False
    eal: bool = False
    young_carer: bool = False
    ethnicity: str = ""
    photo_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    notes: str = ""
    is_demo: bool = False


class Contact(SQLModel, table=True):
    """A parent, carer or other adult; shared between siblings through PupilContact."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = ""
    forename: str = ""
    surname: str
    phone_mobile: str = ""
    phone_home: str = ""
    phone_work: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


class PupilContact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("pupil_id", "contact_id"),)
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    relationship: str = ""  # Mother, Father, Carer, Grandparent, ...
    priority: int = 1
    parental_responsibility: bool = True
    lives_with_pupil: bool = True
    emergency_contact: bool = True


# --- the register ------------------------------------------------------------


class Mark(SQLModel, table=True):
    """The current entry for one pupil and session. Changes are kept in MarkAmendment."""

    __table_args__ = (
        UniqueConstraint("pupil_id", "date", "session"),
        # Covers the attendance aggregates (stats_service) so a date range needs no table reads.
        Index("ix_mark_date_session", "date", "session", "pupil_id", "code", "minutes_late"),
    )
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id")
    date: dt.date
    session: str  # AM | PM
    code: str
    minutes_late: int | None = None
    comment: str = ""
    source: str = "register"  # register | kiosk | leave | closure | import | demo
    entered_by: str = ""
    entered_role: str = ""
    entered_at: NaiveDatetime = Field(default_factory=_now)


class MarkAmendment(SQLModel, table=True):
    """Append-only history of every change to a mark (original, new, reason, who, role)."""

    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    date: dt.date = Field(index=True)
    session: str
    old_code: str = ""  # "" = there was no mark
    old_minutes_late: int | None = None
    old_comment: str = ""
    new_code: str = ""
    new_minutes_late: int | None = None
    new_comment: str = ""
    reason: str = ""
    after_close: bool = False
    source: str = "register"
    amended_at: NaiveDatetime = Field(default_factory=_now)
    staff_name: str
    staff_role: str


class CallLog(SQLModel, table=True):
    """A contact attempt with a family about an absence."""

    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    called_at: NaiveDatetime = Field(default_factory=_now)
    method: str = "phone"  # phone | text | email | in person | home visit
    outcome: str  # no answer | message left | reason given | ...
    notes: str = ""
    staff_name: str = ""


class KioskEvent(SQLModel, table=True):
    """A sign-in, sign-out or return at the front desk."""

    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    kind: str  # late_in | in (before the register started) | out | back
    at: NaiveDatetime = Field(default_factory=_now, index=True)
    session: str = "AM"
    reason: str = ""
    code: str = ""
    minutes_late: int | None = None
    accompanied_by: str = ""


class KioskGuard(SQLModel, table=True):
    """The kiosk's wrong-PIN slow-down, kept in the database so a restart does not reset it
    (one row per guard, e.g. "exit")."""

    __tablename__ = "kioskguard"
    name: str = Field(primary_key=True)
    failures: int = 0
    locked_until: NaiveDatetime | None = None


class RegisterRevision(SQLModel, table=True):
    """One row: a number raised by every commit that changes marks, kiosk events or calls,
    so open screens (on this PC or another) see a change with one cheap SELECT."""

    __tablename__ = "register_revision"
    id: int = Field(default=1, primary_key=True)
    revision: int = 0


# --- leave of absence ----------------------------------------------------------


class LeaveRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    requested_by: str
    relationship: str = ""
    received_date: dt.date
    first_date: dt.date
    first_session: str = "AM"
    last_date: dt.date
    last_session: str = "PM"
    ground: str  # code: C, C1, C2, J1, S, R, T, M
    reason: str = ""
    is_holiday: bool = False  # the form's "this is a holiday" tick
    evidence: str = ""
    licence_reference: str = ""
    review_date: dt.date | None = None
    status: str = "pending"  # pending | granted | part_granted | refused | withdrawn
    created_at: NaiveDatetime = Field(default_factory=_now)
    created_by: str = ""


class LeaveDecision(SQLModel, table=True):
    """Append-only: the head's decision, and any later correction as a new row."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="leaverequest.id", index=True)
    outcome: str  # granted | part_granted | refused | withdrawn | taken_unauthorised
    granted_first_date: dt.date | None = None
    granted_first_session: str = "AM"
    granted_last_date: dt.date | None = None
    granted_last_session: str = "PM"
    reasons: str = ""
    conditions: str = ""
    decided_on: dt.date
    decided_at: NaiveDatetime = Field(default_factory=_now)
    staff_name: str
    staff_role: str


# --- trackers and letters ------------------------------------------------------


class TrackerEvent(SQLModel, table=True):
    """Append-only history of escalation levels, stages, actions and reviews."""

    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    tracker: str  # lateness | absence | penalty | mitigation
    kind: str  # level | stage | action | review | note | mitigation_start | mitigation_end
    value: str = ""
    due_date: dt.date | None = None
    details: str = ""
    at: NaiveDatetime = Field(default_factory=_now)
    staff_name: str = ""
    staff_role: str = ""


class PenaltyNotice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    issued_on: dt.date
    amount: int
    status: str = "issued"  # issued | paid | withdrawn | prosecuted
    status_date: dt.date | None = None
    notes: str = ""
    staff_name: str = ""
    # the payment as made (checked against the framework from the notice's own dates)
    paid_on: dt.date | None = None
    amount_paid: int | None = None


class LetterTemplate(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    title: str
    body: str
    updated_at: NaiveDatetime = Field(default_factory=_now)
    updated_by: str = ""


class LetterLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    template_key: str = Field(index=True)
    family_key: str = Field(index=True)  # sorted pupil ids "12,15"
    pupil_ids: str
    addressee: str
    sent_on: dt.date
    staff_name: str = ""
    pdf: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class AppMeta(SQLModel, table=True):
    """Facts about the database itself, e.g. which app version last upgraded its schema,
    so that an older copy of the app can say which version to install."""

    key: str = Field(primary_key=True)
    value: str


# --- exchange with other schools (Common Transfer File) ---------------------------------


class PupilHome(SQLModel, table=True):
    """The pupil's own home address, phones and email as a CTF carries them."""

    pupil_id: int = Field(foreign_key="pupil.id", primary_key=True)
    address: str = ""
    postcode: str = ""
    phone_home: str = ""
    phone_mobile: str = ""
    email: str = ""


class CtfImport(SQLModel, table=True):
    """One CTF import: which file (hash, header), who, when and what it changed."""

    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    file_sha256: str = Field(index=True)
    ctf_version: str = ""
    header_datetime: str = ""
    source_lea: str = ""
    source_estab: str = ""
    source_school: str = ""
    sections: str = ""  # comma-separated: details,contacts,attendance
    pupils_created: int = 0
    pupils_updated: int = 0
    contacts_added: int = 0
    years_added: int = 0
    summary: str = ""  # per UPN: created / the fields changed (names only)
    imported_at: NaiveDatetime = Field(default_factory=_now)
    staff_name: str = ""
    staff_role: str = ""


# --- records: who changed pupils, who took personal data out, what retention removed ----


class PupilChange(SQLModel, table=True):
    """Append-only: one changed field of a pupil or of a pupil's contact (who, role, when,
    old, new), from the editor, the pupil import or the demo."""

    __tablename__ = "pupilchange"
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    contact_id: int | None = None  # set for contact changes (no key: contacts may go)
    field: str  # e.g. legal_surname, dob, contact added, contact phone_mobile
    old_value: str = ""
    new_value: str = ""
    source: str = "editor"  # editor | import | demo | retention
    changed_at: NaiveDatetime = Field(default_factory=_now, index=True)
    staff_name: str = ""
    staff_role: str = ""


class PreviousAttendance(SQLModel, table=True):
    """Attendance at another school, from a CTF: kept apart from this school's register
    (never in `mark`), shown on the profile and counted where the rules span settings."""

    __table_args__ = (UniqueConstraint("pupil_id", "academic_year", "lea", "estab"),)
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    ctf_import_id: int | None = Field(default=None, foreign_key="ctfimport.id")
    academic_year: int  # the year it starts in: 2025 = 2025/26
    lea: str = ""
    estab: str = ""
    school_name: str = ""
    sessions_possible: int = 0
    sessions_attended: int = 0
    sessions_authorised: int = 0
    sessions_unauthorised: int = 0
    start_date: dt.date | None = None  # the first day of `marks`
    marks: str = ""  # one character per session, AM then PM, every day from start_date


class AccessLog(SQLModel, table=True):
    """Append-only: personal data taken out of the app (exports, printouts) and retention
    removals. Never holds pupil names: how many pupils and the file name only."""

    __tablename__ = "accesslog"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # export | print | retention
    what: str  # e.g. "export marks", "stats --json", "fire roll"
    pupils: int = 0
    target: str = ""  # file name (no folder), or "printer"
    details: str = ""
    at: NaiveDatetime = Field(default_factory=_now, index=True)
    staff_name: str = ""
    staff_role: str = ""


class RetentionPermit(SQLModel, table=True):
    """Lets the append-only triggers accept DELETE of history past the retention period.
    A row lives only inside the head's removal transaction (inserted, used, deleted before
    the commit), so no other connection ever sees one."""

    __tablename__ = "retentionpermit"
    id: int | None = Field(default=None, primary_key=True)
    table_name: str
    before_date: dt.date | None = None  # markamendment rows dated before this
    pupil_id: int | None = None  # pupilchange rows of this pupil


RECORD_TABLES = ("pupilchange", "accesslog")  # append-only too (migration 0005)


# --- tamper evidence (db/chains.py) ------------------------------------------------------


class MarkLedger(SQLModel, table=True):
    """Append-only: one row per write of a mark (code "" = the cell was cleared), or one
    per import holding its writes (`batch`), each hashed with the previous row's hash. The
    latest write per cell equals the mark."""

    __tablename__ = "markledger"
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int
    date: dt.date
    session: str
    code: str = ""
    minutes_late: int | None = None
    comment: str = ""
    source: str = ""
    entered_by: str = ""
    entered_role: str = ""
    entered_at: NaiveDatetime
    prev_hash: str
    hash: str
    # An import's writes, all in one row (db/chains.py "batches"); NULL for a single write.
    batch: bytes | None = None


class ChainLink(SQLModel, table=True):
    """Append-only: the hash chain of each append-only kind of record (one link per record)."""

    __tablename__ = "chainlink"
    __table_args__ = (UniqueConstraint("kind", "record_id"),
                      Index("ix_chainlink_kind_id", "kind", "id"))
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    record_id: int
    prev_hash: str
    hash: str


# --- benchmarks ------------------------------------------------------------------


class BenchmarkFigure(SQLModel, table=True):
    """National or local-authority figures for one period of an academic year
    (domain.benchmarks), typed in or imported from a DfE statistics file. Replaced in
    place when new figures arrive; every change is in SettingChange (area "benchmarks")."""

    __table_args__ = (UniqueConstraint("area", "academic_year", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    area: str  # national | la
    area_name: str = ""
    academic_year: str  # "2024/25"
    period: str  # autumn | spring | summer | autumn_spring | year
    overall_absence_pct: float
    authorised_pct: float | None = None
    unauthorised_pct: float | None = None
    persistent_absence_pct: float | None = None
    severe_absence_pct: float | None = None
    source: str = ""  # "typed in" or the file's name
    recorded_at: NaiveDatetime
    recorded_by: str = ""


# --- chronology (issue 16 point 6; services/trackers/chronology_service.py) -----------------------


class ChronologyEntry(SQLModel, table=True):
    """Append-only: a note, meeting or referral in a pupil's chronology. Never edited or
    deleted: a correction is a new entry whose `corrects_id` names the entry it corrects.
    Calls, letters, leave, notices and tracker steps stay in their own tables."""

    __tablename__ = "chronologyentry"
    id: int | None = Field(default=None, primary_key=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    kind: str = Field(index=True)  # chronology_service.ENTRY_KINDS
    occurred_on: dt.date = Field(index=True)
    with_whom: str = ""
    outcome: str = ""
    details: str = ""
    corrects_id: int | None = Field(default=None, foreign_key="chronologyentry.id")
    recorded_at: NaiveDatetime
    staff_name: str
    staff_role: str


APPEND_ONLY_TABLES = ("markamendment", "settingchange", "leavedecision", "trackerevent",
                      "markledger", "chainlink", "chronologyentry")


# --- email (services/mail) --------------------------------------------------------------


class MailSettings(SQLModel, table=True):
    """The school's outgoing mail server (one row). The password is never here: it lives in
    the operating system's credential store (services/mail/credentials.py)."""

    __tablename__ = "mailsettings"
    id: int | None = Field(default=None, primary_key=True)
    host: str = ""
    port: int = 587
    security: str = "starttls"  # starttls | tls (implicit) | none (loopback only)
    account: str = ""  # the login name; "" = the server needs no login
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""


class OutboxMessage(SQLModel, table=True):
    """One email waiting, being sent, sent or failed. `message_id` is made once when queued
    and never changes, so a re-send after a crash can be recognised (RFC 5322 Message-ID)."""

    __tablename__ = "outboxmessage"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)
    kind: str = "letter"  # letter | first_day | test
    recipient: str
    recipient_name: str = ""
    contact_id: int | None = None  # no foreign key: retention may remove the contact
    pupil_ids: str = ""  # "12,15" like LetterLog
    letterlog_id: int | None = Field(default=None, foreign_key="letterlog.id", index=True)
    subject: str
    body: str
    attachment_name: str = ""  # with letterlog_id and no attachment: the letter's own PDF
    attachment: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default="queued", index=True)  # queued|sending|check|sent|failed|cancelled
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: NaiveDatetime
    queued_at: NaiveDatetime
    claimed_at: NaiveDatetime | None = None
    sent_at: NaiveDatetime | None = None
    queued_by: str = ""


class MailEvent(SQLModel, table=True):
    """What happened to each message, attempt by attempt: the letters log's email outcomes."""

    __tablename__ = "mailevent"
    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outboxmessage.id", index=True)
    letterlog_id: int | None = Field(default=None, foreign_key="letterlog.id", index=True)
    at: NaiveDatetime
    outcome: str  # queued | sent | failed | retry | needs checking | cancelled | ...
    detail: str = ""
    staff_name: str = ""


class MailTemplate(SQLModel, table=True):
    """A school's wording of an email (first-day absence messages), seeded from the defaults
    in services/mail/absence.py on first use."""

    __tablename__ = "mailtemplate"
    key: str = Field(primary_key=True)
    title: str
    subject: str
    body: str
    updated_at: NaiveDatetime | None = None
    updated_by: str = ""
