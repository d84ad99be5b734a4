"""Who a batch of letters goes to: the pupils a letter fits, repeats, the Letters screen's
choices."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import LetterLog
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.letters import letter_rules
from attendance_desktop.services.letters.letter_facts import (
    Facts,
    FamilyLetter,
    family_letters,
    gather_facts,
    group_families,
    resolve_period,
)
from attendance_desktop.services.letters.letter_templates import DEFAULTS, TemplateDef
from attendance_desktop.services.letters.template_store import get_template, template_definition
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.trackers import alerts_service


@dataclass(frozen=True, slots=True)
class BatchPlan:
    template_key: str
    title: str
    made_on: dt.date
    letters: tuple[FamilyLetter, ...]
    extra: tuple[tuple[str, str], ...] = ()
    period: Span | None = None
    repeat_days: int = 0
    # pupils the letter does not fit (letter_rules), left out of `letters`
    unfit: tuple[letter_rules.Unfit, ...] = ()
    # pupils it does not fit that the headteacher included: (pupil id, why not, reason)
    included: tuple[tuple[int, str, str], ...] = ()

    @property
    def repeats(self) -> tuple[FamilyLetter, ...]:
        return tuple(x for x in self.letters if x.repeat_of is not None)

    @property
    def pupil_count(self) -> int:
        return sum(len(x.pupil_ids) for x in self.letters)


def _repeat_dates(engine: Engine, key: str, since: dt.date) -> dict[int, dt.date]:
    """Latest date each pupil was sent this letter on or after `since`."""
    out: dict[int, dt.date] = {}
    with session_scope(engine) as s:
        rows = s.exec(select(col(LetterLog.pupil_ids), col(LetterLog.sent_on))
                      .where(LetterLog.template_key == key, LetterLog.sent_on >= since)).all()
    for ids, sent in rows:
        for part in ids.split(","):
            if part.strip().isdigit():
                pid = int(part)
                if pid not in out or out[pid] < sent:
                    out[pid] = sent
    return out


def plan_batch(engine: Engine, template_key: str, pupil_ids: Sequence[int], *,
               today: dt.date, extra: Mapping[str, str] | None = None,
               period: Span | None = None, include: Mapping[int, str] | None = None,
               guard: bool = True) -> BatchPlan:
    """Group the pupils into family letters, address them, and flag recent repeats.

    Pupils the letter does not fit (letter_rules: band, comparison, threshold, lateness
    level, off roll) are left out and listed in `unfit` with why, unless `include` gives
    a reason for them (the headteacher's; recorded when the letters are made)."""
    tpl = get_template(engine, template_key)
    d = template_definition(template_key)
    ids = list(dict.fromkeys(pupil_ids))
    facts = gather_facts(engine, ids, today, period, template_period_kind(d))
    unfit: list[letter_rules.Unfit] = []
    included: list[tuple[int, str, str]] = []
    if guard:
        reasons = {k: v.strip() for k, v in (include or {}).items()}
        for pid, why in check_fit(engine, d, ids, today, facts).items():
            if reasons.get(pid):
                included.append((pid, why, reasons[pid]))
            else:
                ch = facts.children[pid]
                unfit.append(letter_rules.Unfit(pid, f"{ch.forename} {ch.surname}", why))
        left_out = {u.pupil_id for u in unfit}
        ids = [i for i in ids if i not in left_out]
    letters: list[FamilyLetter] = []
    groups = group_families(facts, ids) if d.family else [[i] for i in ids]
    repeat_days = facts.policy.letter_repeat_days
    sent = _repeat_dates(engine, template_key, today - dt.timedelta(days=repeat_days)) \
        if repeat_days > 0 else {}
    for group in groups:
        for letter in family_letters(facts, group):
            dates = [sent[i] for i in letter.pupil_ids if i in sent]
            if dates:
                letter = dataclasses.replace(letter, repeat_of=max(dates))
            letters.append(letter)
    def order(x: FamilyLetter) -> tuple[int, str, str, str]:
        child = facts.children[x.pupil_ids[0]]
        return (child.class_order, child.class_name, child.surname, child.forename)

    letters.sort(key=order)
    return BatchPlan(template_key, tpl.title, today, tuple(letters),
                     tuple(sorted((extra or {}).items())), facts.period, repeat_days,
                     tuple(unfit), tuple(included))


def _concern_letter_keys() -> list[str]:
    """Letters that tell a family about a concern: "since we last wrote" looks for them."""
    kinds = (letter_rules.BAND, letter_rules.CONCERN)
    return [k for k, d in DEFAULTS.items() if d.condition.kind in kinds
            or "not_improved" in d.condition.comparisons]


def _previous_span(engine: Engine, policy: Policy, span: Span) -> Span | None:
    """The period of the same kind just before `span` (half term, term or year; a period
    that is none of them is taken as the policy's monitoring period)."""
    years = calendar_service.list_years(engine)
    pools = {"half_term": [h for y in years for h in y.half_terms],
             "term": [t for y in years for t in y.terms],
             "year": [Span(y.name, y.start, y.end) for y in years]}
    kind = next((k for k, pool in pools.items()
                 if (span.start, span.end) in [(x.start, x.end) for x in pool]),
                policy.monitoring_period)
    before = [x for x in pools.get(kind, []) if x.end < span.start]
    return before[-1] if before else None


def check_fit(engine: Engine, d: TemplateDef, pupil_ids: Sequence[int], today: dt.date,
              facts: Facts) -> dict[int, str]:
    """Why the letter `d` does not fit each pupil it does not fit (letter_rules)."""
    cond = d.condition
    previous: Span | None = None
    prev_counts: dict[int, Counts] = {}
    if cond.kind == letter_rules.COMPARISON:
        previous = _previous_span(engine, facts.policy, facts.period)
        if previous is not None and pupil_ids:
            for f in stats_service.per_pupil(engine, previous.start, previous.end,
                                             stats_service.Scope(pupil_ids=tuple(pupil_ids)),
                                             include_unmarked=False):
                prev_counts[f.pupil_id] = f.counts
    lateness: dict[int, str] | None = None
    if cond.kind == letter_rules.LATENESS and pupil_ids:
        lateness = {}
        try:  # the trackers' own assessment: the level the board shows
            snap = alerts_service.snapshot(engine, today, list(pupil_ids))
            lateness = {p.pupil_id: p.lateness_level for p in snap.pupils}
        except calendar_service.NoTermDates:
            lateness = None
    pf = letter_rules.gather(engine, pupil_ids, today, counts=facts.period_counts,
                             previous=previous, previous_counts=prev_counts,
                             lateness=lateness,
                             concern_keys=_concern_letter_keys() if cond.after_letter else ())
    out: dict[int, str] = {}
    for pid in pupil_ids:
        why = letter_rules.why_not(cond, d.key, pf[pid], facts.policy, facts.period.name,
                                   today)
        if why:
            out[pid] = why
    return out


def template_period_kind(d: TemplateDef) -> str:
    return "half_term" if d.key == "half_termly_report" else ""


# --- choosing pupils ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PupilChoice:
    id: int
    name: str
    class_name: str
    attendance_pct: float | None  # this period, one decimal place
    band_key: str
    band_label: str


@dataclass(frozen=True, slots=True)
class BandInfo:
    key: str
    label: str
    concern: bool


def letter_bands(engine: Engine, template_key: str) -> list[str]:
    """The band keys a band letter is for (empty for any other letter)."""
    d = template_definition(template_key)
    if d.condition.kind != letter_rules.BAND:
        return []
    return [b.key for b in letter_rules.bands_for(policy_service.load_policy(engine),
                                                  template_key)]


def bands(engine: Engine) -> list[BandInfo]:
    """The attendance bands of the school's policy, highest first."""
    return [BandInfo(b.key, b.label, b.concern) for b in policy_service.load_policy(engine).bands]


def current_period(engine: Engine, today: dt.date, template_key: str = "") -> Span:
    """The period a letter made today reports on (from the policy's monitoring period)."""
    d = DEFAULTS.get(template_key)
    return resolve_period(engine, policy_service.load_policy(engine), today,
                          template_period_kind(d) if d else "")


def period_options(engine: Engine, today: dt.date, template_key: str = "") -> list[Span]:
    """Periods a letter can report on: the usual one first (the policy's monitoring period,
    or the half term for the half-termly report), then recent half terms, terms, the year."""
    first = current_period(engine, today, template_key)
    out = [first]
    year = calendar_service.year_containing(engine, today)
    if year is None:
        return out
    halves = [h for h in year.half_terms if h.start <= today][::-1][:3]
    terms = [t for t in year.terms if t.start <= today][::-1][:2]
    for span in [*halves, *terms, Span(f"the school year {year.name}", year.start, year.end)]:
        if (span.start, span.end) not in [(o.start, o.end) for o in out]:
            out.append(span)
    return out


def pupil_choices(engine: Engine, today: dt.date, *, class_id: int | None = None,
                  band_key: str | None = None, period: Span | None = None,
                  ) -> list[PupilChoice]:
    """Pupils on roll with their attendance and band this period, in class order.

    `band_key` keeps only the pupils in that band (e.g. every lower-amber pupil)."""
    policy = policy_service.load_policy(engine)
    span = period or resolve_period(engine, policy, today)
    end = min(span.end, today)
    rows = stats_service.per_pupil(engine, min(span.start, end), end,
                                   stats_service.Scope(class_id=class_id),
                                   include_unmarked=True)
    out = []
    for r in rows:
        band = policy.band_for(r.counts.attendance_pct())
        if band_key is not None and (band is None or band.key != band_key):
            continue
        out.append(PupilChoice(r.pupil_id, r.name, r.class_name, r.counts.attendance_pct_1dp(),
                               band.key if band else "", band.label if band else ""))
    return out
