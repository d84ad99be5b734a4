"""Which pupils a letter fits: each letter type's conditions, checked before a batch.

A letter must never contradict the child it is about: a red-band letter to a child at
100%, "improved since we last wrote" to a child whose attendance fell, an "outstanding
attendance" certificate below its threshold, a lateness letter to a child who is not
late, or any letter to a child who has left. Each template carries a `Condition`; the
batch (`letter_service.plan_batch`) asks `why_not` for every pupil and leaves out those
that do not fit unless the headteacher includes them with a reason (which is logged).

`why_not` is pure (facts in, a plain reason or None out) so the rules can be tested on
their own; `gather` reads the facts for a batch with a few set queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import LetterLog, Pupil
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.escalation import compare
from attendance_desktop.domain.policy import Band, Policy
from attendance_desktop.domain.stats import Counts

# Condition kinds
ANY = "any"  # only the leaver check
BAND = "band"  # the pupil's band over the letter's period is one this letter is for
CONCERN = "concern"  # any concern band (escalation letters: monitoring, meetings, warnings)
COMPARISON = "comparison"  # this period against the previous one (improvement letters)
CERTIFICATE = "certificate"  # attendance at or above a threshold set in the policy
LATENESS = "lateness"  # the pupil's lateness level (weekly flowchart)
UNAUTHORISED = "unauthorised"  # at least one unauthorised absence in the period
KINDS = (ANY, BAND, CONCERN, COMPARISON, CERTIFICATE, LATENESS, UNAUTHORISED)

COMPARISON_LABELS = {
    "better_band": "moved up to a better band",
    "improved_still_concern": "improved but still in a concern band",
    "not_improved": "not improved",
    "no_concern": "no concern in either period",
}
LATENESS_LABELS = {"none": "no lateness concern", "concern": "lateness concern",
                   "significant": "significant lateness concern",
                   "escalated": "lateness escalated to the absence procedure"}


@dataclass(frozen=True, slots=True)
class Condition:
    """When a letter fits a pupil. `threshold` names a Policy setting (a percentage)."""

    kind: str = ANY
    comparisons: tuple[str, ...] = ()
    threshold: str = ""
    lateness_levels: tuple[str, ...] = ()
    # "since we last wrote": an earlier concern letter about the pupil must be in the log
    after_letter: bool = False
    # a band letter that also fits a pupil with the policy's number of unauthorised
    # sessions (ATLP stage 1: one unauthorised absence is a universal concern)
    or_unauthorised: bool = False


@dataclass(frozen=True, slots=True)
class PupilFacts:
    """What the rules look at for one pupil, over the letter's period."""

    pupil_id: int
    name: str
    on_roll: bool
    left_on: dt.date | None
    counts: Counts
    previous_period: str = ""
    previous_pct: float | None = None
    lateness_level: str | None = None  # None: not known (no term dates)
    last_concern_letter: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Unfit:
    """A pupil the letter does not fit, and why (in plain words for the preview)."""

    pupil_id: int
    name: str
    why: str


def pct_text(value: float | None, threshold: float | None = None) -> str:
    """1 decimal place, or 2 when rounding would hide that a figure is below a threshold."""
    if value is None:
        return "no attendance yet"
    text = f"{value:.1f}"
    if threshold is not None and value < threshold and float(text) >= threshold:
        text = f"{value:.2f}"
    return f"{text}%"


def bands_for(policy: Policy, template_key: str) -> tuple[Band, ...]:
    """The bands whose letter (Policy.band_letters) is this template."""
    keys = {band for band, tpl in policy.band_letters if tpl == template_key}
    return tuple(b for b in policy.bands if b.key in keys)


def why_not(cond: Condition, template_key: str, f: PupilFacts, policy: Policy,
            period_name: str, letter_date: dt.date) -> str | None:
    """Why this letter does not fit this pupil, or None when it does."""
    if not f.on_roll:
        if f.left_on is not None and f.left_on < letter_date:
            return f"left the school on {f.left_on:%d %b %Y} (off roll on the letter date)"
        return "not on roll on the letter date"
    pct = f.counts.attendance_pct()
    band = policy.band_for(pct)
    now = pct_text(pct)
    unauthorised_concern = (cond.or_unauthorised and policy.escalation_unauthorised_sessions > 0
                            and f.counts.unauthorised >= policy.escalation_unauthorised_sessions)
    if cond.kind == BAND and not unauthorised_concern:
        wanted = bands_for(policy, template_key)
        if not wanted:  # a letter the policy does not tie to a band: any concern band
            wanted = tuple(b for b in policy.bands if b.concern)
        if pct is None:
            return f"no attendance recorded in {period_name}"
        if band is None or band.key not in {b.key for b in wanted}:
            names = " or ".join(b.label for b in wanted)
            return (f"{now} in {period_name} is in the {band.label if band else 'no'} band; "
                    f"this letter is for {names}")
    elif cond.kind == CONCERN:
        if pct is None:
            return f"no attendance recorded in {period_name}"
        if band is None or not band.concern:
            return (f"{now} in {period_name} is in the {band.label if band else 'no'} band, "
                    "which is not a concern")
    elif cond.kind == COMPARISON:
        if pct is None or f.previous_pct is None:
            return (f"no figure to compare: {now} in {period_name}, "
                    f"{pct_text(f.previous_pct)} in {f.previous_period or 'the period before'}")
        outcome = compare(policy, f.previous_pct, pct)
        if outcome not in cond.comparisons:
            was = f"{pct_text(f.previous_pct)} in {f.previous_period} to {now} in {period_name}"
            wanted_text = " or ".join(COMPARISON_LABELS[c] for c in cond.comparisons)
            return (f"went from {was} ({COMPARISON_LABELS.get(outcome, 'no change')}); "
                    f"this letter is for {wanted_text}")
    elif cond.kind == CERTIFICATE:
        threshold = float(getattr(policy, cond.threshold))
        if pct is None or pct < threshold:
            return (f"{pct_text(pct, threshold)} in {period_name} is below this "
                    f"certificate's threshold of {threshold:g}%")
    elif cond.kind == LATENESS:
        if f.lateness_level is None:
            return "lateness level not known (no term dates cover the letter date)"
        if f.lateness_level not in cond.lateness_levels:
            wanted_text = " or ".join(LATENESS_LABELS[x] for x in cond.lateness_levels)
            level = LATENESS_LABELS.get(f.lateness_level, f.lateness_level)
            return f"lateness level is '{level}'; this letter is for {wanted_text}"
    elif cond.kind == UNAUTHORISED and f.counts.unauthorised == 0:
        return f"no unauthorised absence in {period_name}"
    if cond.after_letter and f.last_concern_letter is None:
        return "we have not written to the family about attendance before"
    return None



def gather(engine: Engine, pupil_ids: Sequence[int], letter_date: dt.date, *,
           counts: Mapping[int, Counts], previous: Span | None,
           previous_counts: Mapping[int, Counts], lateness: Mapping[int, str] | None,
           concern_keys: Sequence[str]) -> dict[int, PupilFacts]:
    """The facts for these pupils: roll status from the pupil records, the figures the
    caller worked out for the letter's period and the one before, the lateness level from
    the trackers (None when not asked for), and the last concern letter sent."""
    ids = list(dict.fromkeys(pupil_ids))
    out: dict[int, PupilFacts] = {}
    if not ids:
        return out
    last: dict[int, dt.date] = {}
    with session_scope(engine) as s:
        pupils = s.exec(select(Pupil).where(col(Pupil.id).in_(ids))).all()
        if concern_keys:
            rows = s.exec(select(LetterLog.pupil_ids, col(LetterLog.sent_on)).where(
                col(LetterLog.template_key).in_(list(concern_keys)),
                LetterLog.sent_on <= letter_date)).all()
            for pids, sent in rows:
                for part in pids.split(","):
                    if part.strip().isdigit() and (int(part) not in last
                                                   or last[int(part)] < sent):
                        last[int(part)] = sent
        for p in pupils:
            assert p.id is not None
            on_roll = queries.is_on_roll(p.admission_date, p.leaving_date, letter_date)
            prev = previous_counts.get(p.id)
            out[p.id] = PupilFacts(
                p.id, f"{p.preferred_forename or p.legal_forename} "
                      f"{p.preferred_surname or p.legal_surname}",
                on_roll, p.leaving_date, counts.get(p.id, Counts()),
                previous.name if previous else "",
                prev.attendance_pct() if prev is not None else None,
                None if lateness is None else lateness.get(p.id, "none"),
                last.get(p.id))
    return out
