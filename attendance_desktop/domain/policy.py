"""The school's attendance policy as data: every time, threshold and period is a setting.

Presets reproduce the five seed policies (see docs/policies.md). `Policy.validate`
enforces the national rules that bind every preset (e.g. a register open 30 minutes
at most, the same length every session).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from attendance_desktop.domain.codes import CODES

ALL_YEAR_GROUPS = ("N", "R", "1", "2", "3", "4", "5", "6")


class PolicyError(ValueError):
    """A policy value that breaks a national rule or makes no sense."""


@dataclass(frozen=True, slots=True)
class Band:
    """An attendance band: applies when attendance % >= min_pct (checked top down)."""

    key: str
    label: str
    min_pct: float
    concern: bool


@dataclass(frozen=True, slots=True)
class SessionTimes:
    marking_starts: dt.time  # the register may be marked from this time
    late_after: dt.time  # the register starts: arrivals after this are late (L)
    closes: dt.time  # after this an arrival is U

    def open_minutes(self) -> int:
        return _minutes(self.closes) - _minutes(self.late_after)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


# A kiosk reason with this code is marked L or U by the time of arrival.
LATE_BY_TIME = "L/U"
DEFAULT_KIOSK_REASONS: tuple[tuple[str, str], ...] = (
    ("Overslept / traffic / other", LATE_BY_TIME),
    ("Bus, car or transport trouble", LATE_BY_TIME),
    ("Medical or dental appointment", "M"),
    ("Illness earlier in the day", "I"),
)
DEFAULT_KIOSK_OUT_REASONS: tuple[str, ...] = (
    "Medical or dental appointment",
    "Feeling unwell",
    "Family reason",
    "Other",
)


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the absence escalation: its action is due `due_days` after the stage
    starts; its review `review_weeks` after the action (0 = no review, the last step).
    `letter` is a letter template key; "{band}" means the band's concern letter."""

    key: str
    label: str
    action: str
    due_days: int
    review_weeks: int
    letter: str = ""


@dataclass(frozen=True, slots=True)
class LatenessStep:
    """An action the lateness flowchart asks for at a level (concern | significant |
    escalated); `after_review` steps fall due only after a not-improved review."""

    level: str
    key: str
    label: str
    letter: str = ""
    after_review: bool = False


LOWTHER_LATENESS_STEPS = (
    LatenessStep("concern", "challenged", "Challenged at the door by the admitting adult"),
    LatenessStep("concern", "parent_asked", "Parent asked why the child was late"),
    LatenessStep("concern", "support_offered", "Support offered to the family"),
    LatenessStep("concern", "warning_letter", "Lateness warning letter sent", "lateness_warning"),
    LatenessStep("significant", "monitoring", "Monitoring period started"),
    LatenessStep("significant", "written_warning", "Written warning (head's discretion)",
                 "lateness_written_warning"),
    LatenessStep("significant", "panel_meeting", "Lateness Panel Meeting held (head + governor)",
                 "lateness_panel_invite", after_review=True),
    LatenessStep("significant", "contract", "Contract and action plan agreed",
                 after_review=True),
    LatenessStep("escalated", "handed_over",
                 "Lateness treated as unauthorised absence: moved onto the absence escalation"),
)

# Schools without Lowther's Lateness Panel: the same weekly levels, letters that promise
# no panel or governor, and a plan agreed with the family after a not-improved review.
GENERAL_LATENESS_STEPS = (
    *LOWTHER_LATENESS_STEPS[:5],
    LatenessStep("significant", "written_warning", "Letter: late arrivals continue",
                 "lateness_continued"),
    LatenessStep("significant", "plan", "Plan agreed with the family", after_review=True),
    LOWTHER_LATENESS_STEPS[-1],
)

LOWTHER_STAGES = (
    Stage("letter", "RAG letter", "Send the band letter, speak to the child, offer Early Help",
          5, 6, "{band}"),
    Stage("monitoring", "Monitoring period", "Send the monitoring warning letter", 5, 6,
          "monitoring_warning"),
    Stage("panel", "Attendance Panel Meeting and contract",
          "Hold the panel meeting (head + governor) and agree a contract and action plan", 10, 6,
          "attendance_panel_invite"),
    Stage("la_referral", "Referral to the local authority",
          "Refer to the LA Access and Inclusion Officer (may lead to prosecution)", 5, 0),
)
VALE_STAGES = (
    Stage("speak", "Officer speaks to parent", "Speak to the parent", 5, 4),
    Stage("letter", "Concern letter", "Send the concern letter", 5, 4, "{band}"),
    Stage("monitoring", "Monitoring letter and phone call",
          "Send the monitoring letter, phone the parent, offer attendance clinics", 5, 4,
          "vale_monitoring"),
    Stage("plan", "Attendance improvement plan meeting", "Meet and set targets", 10, 4,
          "vale_plan_meeting"),
    Stage("county", "County Attendance Team referral and parental contract",
          "Refer to the County Attendance Team and agree a contract", 10, 4,
          "vale_county_referral"),
    Stage("final_warning", "Final written warning", "Send the final written warning", 5, 4,
          "final_warning"),
    Stage("penalty", "Fixed penalty notice", "Consider a fixed penalty notice", 10, 0),
)
ONE_PAGE_STAGES = (
    Stage("letter", "Amber or red letter", "Send the band letter and offer a meeting", 5, 12,
          "{band}"),
    Stage("meeting", "Attendance meeting", "Invite the parents to an attendance meeting", 10, 12,
          "not_improved_meeting"),
    Stage("early_help", "Early Help / legal stage", "Consider Early Help or a penalty notice",
          10, 0),
)
ATLP_STAGES = (
    Stage("stage1", "Stage 1: universal concern",
          "Early support: letter, call, meeting or home visit", 5, 4, "{band}"),
    Stage("stage2", "Stage 2: targeted support", "Early Help meeting and home visit", 10, 4,
          "atlp_stage2"),
    Stage("stage3", "Stage 3: formal attendance meeting",
          "Formal meeting and attendance contract with SMART targets", 10, 4,
          "atlp_stage3"),
    Stage("stage4", "Stage 4: legal action",
          "Penalty notice, education supervision order or prosecution", 10, 0, "atlp_stage4"),
)
WESSEX_STAGES = (
    Stage("contact", "Parents contacted", "Contact the parents", 5, 6, "{band}"),
    Stage("meeting", "Formal meeting and action plan",
          "Hold a formal meeting and agree an attendance action plan", 10, 6,
          "wessex_formal_meeting"),
    Stage("intervention", "Intervention / penalty notice consideration",
          "Intervene; consider a penalty notice", 10, 0),
)
PN_CONSIDERATIONS = (
    "Is more support possible for this family?",
    "Is a penalty notice the best tool to improve attendance here?",
    "Would a Notice to Improve be appropriate first?",
    "Would another legal route be better (attendance contract, education supervision"
    " order, prosecution)?",
    "Have reasonable adjustments been made (SEND, health, circumstances)?",
)


# Workflow and penalty notices (issue 16, points 4-5) ----------------------------------
# The codes the national framework (Aug 2024) lists for the penalty-notice threshold.
# G, O and U always count; councils differ on N (reason not yet known), so it is a choice.
PN_CODES_NATIONAL = ("G", "N", "O", "U")
PN_CODES_REQUIRED = ("G", "O", "U")
# How far up the escalation ladder a band's pupils may be moved: (band key, last stage key).
# Bands not listed may climb the whole ladder. Amber is not red: Lowther's amber pupils get
# the RAG letter; only red goes on to monitoring, the panel and the LA referral.
LOWTHER_LADDER_ENDS = (("upper_amber", "letter"), ("lower_amber", "letter"))
WESSEX_LADDER_ENDS = (("contact", "meeting"),)  # below 90% triggers intervention
VALE_LADDER_ENDS = (("speak", "speak"), ("concern", "letter"))  # Appendix A, cumulative


LOWTHER_BANDS = (
    Band("green", "Green (100%)", 100.0, False),
    Band("lower_green", "Lower green (96-99.9%)", 96.0, False),
    Band("upper_amber", "Upper amber (94-95.9%)", 94.0, True),
    Band("lower_amber", "Lower amber (90-93.9%)", 90.0, True),
    Band("red", "Red (below 90%)", 0.0, True),
)
VALE_BANDS = (
    Band("good", "94% or above", 94.0, False),
    Band("speak", "92-93.9%: speak to parent", 92.0, True),
    Band("concern", "90-91.9%: concern letter", 90.0, True),
    Band("monitoring", "Below 90%: monitoring", 0.0, True),
)
ONE_PAGE_BANDS = (
    Band("green", "At or above target (97%)", 97.0, False),
    Band("amber", "Amber (90-96.9%)", 90.0, True),
    Band("red", "Red (below 90%)", 0.0, True),
)
ATLP_BANDS = (
    Band("universal", "96% or above", 96.0, False),
    Band("stage1", "Stage 1 universal concern (below 96%)", 90.0, True),
    Band("stage2", "Stage 2 targeted support (below 90%)", 50.0, True),
    Band("severe", "Severe absence (below 50%)", 0.0, True),
)
WESSEX_BANDS = (
    Band("excellent", "99% or above", 99.0, False),
    Band("good", "96-98.9%", 96.0, False),
    Band("contact", "Below 96%: parents contacted", 90.0, True),
    Band("intervention", "Below 90%: intervention", 0.0, True),
)


LEGAL_REGISTER_YEARS = 6  # The School Attendance (Pupil Registration) Regs 2024, reg 7


@dataclass(frozen=True, slots=True)
class Policy:
    """All of a school's attendance settings. Defaults are the Lowther preset."""

    preset: str = "lowther"
    # Registers
    am: SessionTimes = SessionTimes(dt.time(8, 45), dt.time(9, 0), dt.time(9, 25))
    pm: SessionTimes = SessionTimes(dt.time(13, 0), dt.time(13, 15), dt.time(13, 40))
    absence_report_deadline: dt.time = dt.time(9, 0)
    first_day_contact_by: dt.time = dt.time(9, 30)
    n_code_limit_school_days: int = 5
    staff_idle_lock_minutes: int = 10
    kiosk_idle_seconds: int = 60
    kiosk_reasons: tuple[tuple[str, str], ...] = DEFAULT_KIOSK_REASONS  # (label, code)
    kiosk_out_reasons: tuple[str, ...] = DEFAULT_KIOSK_OUT_REASONS
    retention_years: int = 6  # register entries: kept at least 6 years from the entry (reg 7)
    leaver_details_retention_years: int = 6  # a leaver's personal details, after leaving
    pin_min_length_senior: int = 6  # head and office accounts
    pin_min_length_staff: int = 4  # teachers and read-only (governors)
    # Imports: the year groups the school has (a file's NC year outside them is refused),
    # and how far ahead an imported mark may be dated (leave granted in advance).
    year_groups: tuple[str, ...] = ("N", "R", "1", "2", "3", "4", "5", "6")
    import_future_days: int = 92
    # Absence procedures
    illness_weekly_contact_after_days: int = 5
    signed_letter_consecutive_days: int = 3
    signed_letter_term_days: int = 10
    illness_la_notify_days: int = 15
    missing_after_leave_days: int = 10
    missing_consecutive_days: int = 20
    la_continuous_absence_days: int = 10
    la_termly_unauthorised_days: int = 10
    min_emergency_contacts: int = 2  # the pupil profile warns below this
    # Flags the trackers raise: the national ones on for every school, a seed policy's own
    # rules only in its preset (Vale: weekly illness contact, termly LA report; Wessex 5.4:
    # signed letter). A school may switch any of them on or off.
    flag_missing_20_days: bool = True
    flag_not_back_after_leave: bool = True
    flag_absent_10_days: bool = True
    flag_illness_15_days: bool = True
    flag_n_overdue: bool = True
    flag_illness_weekly_contact: bool = False
    flag_signed_letter: bool = False
    flag_termly_unauthorised: bool = False
    # Leave of absence
    leave_notice_amount: int = 2
    leave_notice_unit: str = "weeks"  # weeks | school_weeks | school_days | days
    leave_refuse_if_unauthorised: bool = True
    leave_authorised_limit_pct: float = 10.0
    performance_min_attendance_pct: float = 94.0
    leave_holidays_may_be_granted: bool = False  # True: a holiday check only advises
    leave_assessment_days_before: int = 0  # school days before an assessment that count too
    # Lateness flowchart (per week)
    lateness_concern_min: int = 1
    lateness_significant_min: int = 3
    lateness_monitoring_weeks: int = 4
    # "continues": escalate when a week reaches the significant level after a contract
    # ("after_contract"), or after this many significant weeks in one episode ("weeks")
    lateness_continues_rule: str = "after_contract"
    lateness_continues_weeks: int = 3
    lateness_steps: tuple[LatenessStep, ...] = LOWTHER_LATENESS_STEPS
    # Absence escalation
    monitoring_period: str = "half_term"  # half_term | term | year
    # which period sets the band: the last one completed (letters follow the half-termly or
    # termly analysis) or the one running now, so far
    band_period: str = "completed"  # completed | current
    # also start the escalation after this many unauthorised sessions in the period
    # (ATLP: 1+ unauthorised absence is a universal concern); 0 = bands only
    escalation_unauthorised_sessions: int = 0
    target_pct: float = 96.0
    bands: tuple[Band, ...] = LOWTHER_BANDS
    at_risk_margin_points: float = 2.0
    persistent_absence_pct: float = 10.0
    severe_absence_pct: float = 50.0
    escalation_monitoring_weeks: int = 6
    escalation_stages: tuple[Stage, ...] = LOWTHER_STAGES
    # the letter a stage's "{band}" stands for, per band key (band key, template key)
    band_letters: tuple[tuple[str, str], ...] = (
        ("upper_amber", "concern_upper_amber"), ("lower_amber", "concern_lower_amber"),
        ("red", "concern_red"))
    weekly_contact_days: int = 7  # illness contact counts as done within this many days
    # Penalty notices (national framework, Aug 2024)
    pn_sessions: int = 10
    pn_window_school_weeks: int = 10
    pn_codes: tuple[str, ...] = ("G", "N", "O", "U")
    pn_first_amount: int = 160
    pn_discount_amount: int = 80
    pn_discount_days: int = 21
    pn_pay_days: int = 28
    pn_second_amount: int = 160
    pn_max_in_period: int = 2
    pn_period_years: int = 3
    notice_to_improve_weeks: int = 6
    pn_considerations: tuple[str, ...] = PN_CONSIDERATIONS
    # Workflow (issue 16): the last stage each band may reach (see LOWTHER_LADDER_ENDS)
    band_ladder_ends: tuple[tuple[str, str], ...] = LOWTHER_LADDER_ENDS
    # Letters and reporting
    letter_repeat_days: int = 28
    # certificates: full attendance, and "outstanding" attendance (Wessex: 99% or higher)
    certificate_full_pct: float = 100.0
    certificate_excellent_pct: float = 99.0
    la_benchmark_pct: float | None = None
    national_benchmark_pct: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- rules ---------------------------------------------------------------
    def validate(self) -> None:
        for name, st in (("morning", self.am), ("afternoon", self.pm)):
            if not st.marking_starts <= st.late_after <= st.closes:
                raise PolicyError(
                    f"{name} session: times must run marking starts <= late after <= closes"
                )
            if st.open_minutes() > 30:
                raise PolicyError(
                    f"{name} register would stay open {st.open_minutes()} minutes; the national"
                    " rule allows at most 30 minutes"
                )
        if self.am.open_minutes() != self.pm.open_minutes():
            raise PolicyError(
                f"the morning register is open {self.am.open_minutes()} minutes and the afternoon"
                f" {self.pm.open_minutes()}; the national rule asks for the same length"
                " every session"
            )
        if self.am.closes >= self.pm.marking_starts:
            raise PolicyError("the afternoon register must start after the morning one closes")
        if self.leave_notice_unit not in ("weeks", "school_weeks", "school_days", "days"):
            raise PolicyError(f"unknown notice unit '{self.leave_notice_unit}'")
        if self.monitoring_period not in ("half_term", "term", "year"):
            raise PolicyError(f"unknown monitoring period '{self.monitoring_period}'")
        mins = [b.min_pct for b in self.bands]
        if not self.bands or mins != sorted(mins, reverse=True) or mins[-1] != 0.0:
            raise PolicyError("bands must be listed from highest to lowest, the last from 0%")
        if not 1 <= self.lateness_concern_min < self.lateness_significant_min:
            raise PolicyError("lateness levels: 1 <= concern < significant")
        if self.band_period not in ("completed", "current"):
            raise PolicyError(f"unknown band period '{self.band_period}'")
        if self.lateness_continues_rule not in ("after_contract", "weeks"):
            raise PolicyError(f"unknown lateness rule '{self.lateness_continues_rule}'")
        if not self.escalation_stages:
            raise PolicyError("the absence escalation needs at least one stage")
        self._validate_workflow()
        if not self.kiosk_reasons:
            raise PolicyError("the kiosk needs at least one reason for arriving late")
        for label, code in self.kiosk_reasons:
            if not label.strip():
                raise PolicyError("every kiosk reason needs a label")
            if code != LATE_BY_TIME and code not in CODES:
                raise PolicyError(f"kiosk reason '{label}': '{code}' is not an attendance code")
        unknown = [g for g in self.year_groups if g not in ALL_YEAR_GROUPS]
        if not self.year_groups or unknown:
            raise PolicyError(f"year groups must be some of {', '.join(ALL_YEAR_GROUPS)}")
        if self.import_future_days < 0:
            raise PolicyError("import future days must be 0 or more")
        for attr in ("n_code_limit_school_days", "pn_sessions", "pn_window_school_weeks",
                     "staff_idle_lock_minutes", "kiosk_idle_seconds", "retention_years"):
            if getattr(self, attr) <= 0:
                raise PolicyError(f"{attr.replace('_', ' ')} must be more than 0")
        if self.retention_years < LEGAL_REGISTER_YEARS:
            raise PolicyError(f"register entries must be kept at least {LEGAL_REGISTER_YEARS}"
                              " years from the date of the entry")
        if self.leaver_details_retention_years < 1:
            raise PolicyError("leavers' details must be kept at least 1 year after leaving")
        if not 4 <= self.pin_min_length_staff <= self.pin_min_length_senior <= 32:
            raise PolicyError("PIN lengths: 4 <= teachers' minimum <= head and office minimum"
                              " <= 32")
        if not 0 < self.certificate_excellent_pct <= self.certificate_full_pct <= 100:
            raise PolicyError("certificates: 0 < outstanding attendance threshold <= full "
                              "attendance threshold <= 100")

    def _validate_workflow(self) -> None:
        """Penalty-notice codes and amounts, and the band ladders (issue 16)."""
        unknown = [c for c in self.pn_codes if c not in PN_CODES_NATIONAL]
        if unknown:
            raise PolicyError(f"'{unknown[0]}' cannot count towards a penalty notice: only the"
                              " unauthorised absence codes G, N, O and U can")
        missing = [c for c in PN_CODES_REQUIRED if c not in self.pn_codes]
        if missing:
            raise PolicyError("the national framework counts G, O and U towards a penalty"
                              f" notice (missing: {', '.join(missing)}); only whether N counts"
                              " is a local choice")
        if len(set(self.pn_codes)) != len(self.pn_codes):
            raise PolicyError("a penalty-notice code is listed twice")
        if not 0 < self.pn_discount_amount <= self.pn_first_amount:
            raise PolicyError("the early-payment amount must be more than £0 and no more than"
                              " the full amount")
        if not 0 < self.pn_discount_days <= self.pn_pay_days:
            raise PolicyError("the early-payment days must be more than 0 and no more than the"
                              " days to pay")
        if self.pn_max_in_period < 1 or self.pn_period_years < 1:
            raise PolicyError("at least 1 notice in a period of at least 1 year")
        # a ladder end naming a band or stage the school has since removed is ignored
        # (the whole ladder applies), so changing the stages never blocks saving
        seen: set[str] = set()
        for band, _stage in self.band_ladder_ends:
            if band in seen:
                raise PolicyError(f"band '{band}' has two ladder ends")
            seen.add(band)

    @property
    def pn_counts_n(self) -> bool:
        """Whether N (reason not yet known) counts towards the penalty-notice threshold."""
        return "N" in self.pn_codes

    def ladder_end(self, band_key: str) -> str:
        """The last stage key a pupil in this band may be moved to ("" = the whole ladder,
        also when the setting names a stage the policy no longer has)."""
        end = dict(self.band_ladder_ends).get(band_key, "")
        return end if any(s.key == end for s in self.escalation_stages) else ""

    def session_times(self, session: str) -> SessionTimes:
        return self.am if session == "AM" else self.pm

    def band_for(self, pct: float | None) -> Band | None:
        if pct is None:
            return None
        for band in self.bands:
            if pct >= band.min_pct:
                return band
        return self.bands[-1]

    def replace(self, **changes: Any) -> Policy:
        new = dataclasses.replace(self, **changes)
        new.validate()
        return new

    # -- (de)serialisation as flat JSON-able values --------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            out[f.name] = _encode(getattr(self, f.name))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        base = cls()
        kwargs: dict[str, Any] = {}
        # a policy saved before the flag settings existed keeps its preset's flags
        own = PRESETS.get(str(data.get("preset", "")), base)
        for f in dataclasses.fields(cls):
            if f.name in data:
                kwargs[f.name] = _decode(f.name, data[f.name], getattr(base, f.name))
            elif f.name.startswith("flag_"):
                kwargs[f.name] = getattr(own, f.name)
        made = dataclasses.replace(base, **kwargs)
        if "band_ladder_ends" not in data:  # saved before the setting existed
            made = dataclasses.replace(made, band_ladder_ends=_preset_ladder(made))
        return made


def _encode(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, SessionTimes):
        return {k: _encode(getattr(value, k)) for k in ("marking_starts", "late_after", "closes")}
    if isinstance(value, tuple) and value and isinstance(value[0], Band | Stage | LatenessStep):
        return [dataclasses.asdict(b) for b in value]
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return [list(v) for v in value]
    if isinstance(value, tuple):
        return list(value)
    return value


def parse_time(text: str) -> dt.time:
    try:
        return dt.datetime.strptime(text.strip().replace(".", ":"), "%H:%M").time()
    except ValueError:
        raise PolicyError(f"'{text}' is not a time like 09:15") from None


def _decode(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, dt.time):
        return parse_time(value)
    if isinstance(default, SessionTimes):
        return SessionTimes(*(parse_time(value[k]) for k in ("marking_starts", "late_after",
                                                              "closes")))
    if name == "bands":
        return tuple(Band(**b) for b in value)
    if name == "escalation_stages":
        return tuple(Stage(**b) for b in value)
    if name == "lateness_steps":
        return tuple(LatenessStep(**b) for b in value)
    if name in ("kiosk_reasons", "band_letters", "band_ladder_ends"):
        return tuple((str(label), str(code)) for label, code in value)
    if isinstance(default, tuple):
        return tuple(value)
    return value


def _t(h: int, m: int) -> dt.time:
    return dt.time(h, m)


PRESETS: dict[str, Policy] = {
    "lowther": Policy(),
    "wessex": Policy(
        preset="wessex",
        am=SessionTimes(_t(8, 40), _t(9, 0), _t(9, 15)),
        pm=SessionTimes(_t(13, 55), _t(14, 10), _t(14, 25)),
        absence_report_deadline=_t(8, 40),
        signed_letter_consecutive_days=3,
        signed_letter_term_days=10,
        leave_notice_amount=2,
        leave_notice_unit="weeks",
        leave_assessment_days_before=5,
        bands=WESSEX_BANDS,
        escalation_stages=WESSEX_STAGES,
        band_ladder_ends=WESSEX_LADDER_ENDS,
        band_letters=(("contact", "wessex_contact"), ("intervention", "wessex_intervention")),
        lateness_steps=GENERAL_LATENESS_STEPS,
        certificate_excellent_pct=99.0,
        target_pct=96.0,
        performance_min_attendance_pct=94.0,
        flag_signed_letter=True,  # 5.4
    ),
    "vale": Policy(
        preset="vale",
        am=SessionTimes(_t(8, 50), _t(9, 15), _t(9, 30)),
        pm=SessionTimes(_t(13, 0), _t(13, 15), _t(13, 30)),
        absence_report_deadline=_t(8, 30),
        n_code_limit_school_days=5,
        leave_notice_amount=2,
        leave_notice_unit="weeks",
        bands=VALE_BANDS,
        escalation_stages=VALE_STAGES,
        band_ladder_ends=VALE_LADDER_ENDS,
        band_letters=(("concern", "concern_vale_92"), ("monitoring", "vale_monitoring")),
        lateness_steps=GENERAL_LATENESS_STEPS,
        target_pct=94.0,
        escalation_monitoring_weeks=4,
        illness_weekly_contact_after_days=5,
        flag_illness_weekly_contact=True,
        flag_termly_unauthorised=True,
    ),
    "atlp": Policy(
        preset="atlp",
        am=SessionTimes(_t(8, 40), _t(8, 50), _t(9, 10)),
        pm=SessionTimes(_t(12, 55), _t(13, 5), _t(13, 25)),
        absence_report_deadline=_t(8, 30),
        leave_notice_amount=4,
        leave_notice_unit="school_weeks",
        bands=ATLP_BANDS,
        escalation_stages=ATLP_STAGES,
        band_ladder_ends=(),  # stages follow support that did not work, not bands
        escalation_unauthorised_sessions=1,
        band_letters=(("stage1", "atlp_stage1"), ("stage2", "atlp_stage2"),
                      ("severe", "atlp_stage2")),
        lateness_steps=GENERAL_LATENESS_STEPS,
        target_pct=96.0,
        monitoring_period="term",
    ),
    "one_page": Policy(
        preset="one_page",
        absence_report_deadline=_t(8, 40),
        first_day_contact_by=_t(9, 30),
        bands=ONE_PAGE_BANDS,
        escalation_stages=ONE_PAGE_STAGES,
        band_ladder_ends=(),  # amber and red both go on to the meeting and Early Help
        band_letters=(("amber", "onepage_amber"), ("red", "onepage_red")),
        lateness_steps=GENERAL_LATENESS_STEPS,
        target_pct=97.0,
        la_benchmark_pct=96.0,
        monitoring_period="term",
    ),
}

def _preset_ladder(policy: Policy) -> tuple[tuple[str, str], ...]:
    """The preset's ladder ends that fit this policy's bands and stages."""
    found = PRESETS.get(policy.preset)
    if found is None:
        return ()
    bands = {b.key for b in policy.bands}
    stages = {s.key for s in policy.escalation_stages}
    return tuple((b, s) for b, s in found.band_ladder_ends if b in bands and s in stages)


PRESET_LABELS = {
    "lowther": "Lowther (small rural primary, 2025-26) — default",
    "wessex": "Wessex (multi-academy trust, 2024)",
    "vale": "Vale (special schools federation)",
    "atlp": "ATLP (trust, support first, stages 1-4)",
    "one_page": "One page (primary, red/amber letters)",
}


def preset(name: str) -> Policy:
    try:
        return PRESETS[name]
    except KeyError:
        raise PolicyError(f"unknown policy preset '{name}'") from None
