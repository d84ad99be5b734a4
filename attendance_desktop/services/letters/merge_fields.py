"""The merge: each letter's field values, worked out from the gathered facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.letters.letter_facts import (
    Facts,
    FamilyLetter,
    join_names,
)
from attendance_desktop.services.letters.template_syntax import CHILD_FIELDS, extras_in, fields_in

# --- merging ------------------------------------------------------------------------------


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _number(value: float) -> str:
    return f"{value:g}"


def _year_label(year_group: str) -> str:
    return {"N": "Nursery", "R": "Reception"}.get(year_group, f"Year {year_group}")


def _notice(policy: Policy) -> str:
    unit = {"weeks": "week", "school_weeks": "school week", "school_days": "school day",
            "days": "day"}[policy.leave_notice_unit]
    n = policy.leave_notice_amount
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _leave_rules(policy: Policy) -> str:
    parts = []
    if policy.leave_refuse_if_unauthorised:
        parts.append("when the child has any unauthorised absence this school year")
    parts.append(f"when the child's authorised absence is already above "
                 f"{_number(policy.leave_authorised_limit_pct)}%")
    parts.append("just before or during national tests")
    return "Leave is not agreed " + join_names(parts) + "."


def _common_values(facts: Facts, today: dt.date) -> dict[str, str]:
    p, head = facts.policy, facts.head
    lead = head.attendance_lead_name or head.head_name
    address = ", ".join(head.address_lines())
    end = min(facts.period.end, today)
    return {
        "school_name": head.school_name, "school_address": address,
        # a no-break space keeps a phone number on one line
        "school_phone": head.phone.replace(" ", "\u00a0") or "the school office",
        "school_email": head.email,
        "head_name": head.head_name or "The Headteacher", "attendance_lead": lead or
        "the school office", "today": long_date(today),
        "period_name": facts.period.name, "period_start": long_date(facts.period.start),
        "period_end": long_date(end), "year_name": facts.year.name,
        "target_pct": _number(p.target_pct),
        "persistent_absence_pct": _number(p.persistent_absence_pct),
        "monitoring_period": {"half_term": "half term", "term": "term",
                              "year": "year"}[p.monitoring_period],
        "monitoring_weeks": str(p.escalation_monitoring_weeks),
        "lateness_monitoring_weeks": str(p.lateness_monitoring_weeks),
        "school_starts": f"{p.am.late_after:%H:%M}", "register_closes": f"{p.am.closes:%H:%M}",
        "report_deadline": f"{p.absence_report_deadline:%H:%M}",
        "n_code_days": str(p.n_code_limit_school_days),
        "signed_letter_days": str(p.signed_letter_consecutive_days),
        "signed_letter_term_days": str(p.signed_letter_term_days),
        "notice_period": _notice(p), "leave_rules": _leave_rules(p),
        "authorised_limit_pct": _number(p.leave_authorised_limit_pct),
        "missing_after_leave_days": str(p.missing_after_leave_days),
        "pn_sessions": str(p.pn_sessions), "pn_window_weeks": str(p.pn_window_school_weeks),
        "pn_first_amount": str(p.pn_first_amount),
        "pn_discount_amount": str(p.pn_discount_amount),
        "pn_discount_days": str(p.pn_discount_days), "pn_pay_days": str(p.pn_pay_days),
    }


def child_values(facts: Facts, pid: int) -> dict[str, str]:
    ch = facts.children[pid]
    c = facts.period_counts.get(pid, Counts())
    y = facts.year_counts.get(pid, Counts())
    pct = c.attendance_pct_1dp()
    band = facts.policy.band_for(c.attendance_pct())
    return {
        "forename": ch.forename, "surname": ch.surname,
        "full_name": f"{ch.forename} {ch.surname}", "class_name": ch.class_name or "no class",
        "year_group": _year_label(ch.year_group), "dob": long_date(ch.dob),
        "attendance_pct": _pct(pct), "attendance_pct_ytd": _pct(y.attendance_pct_1dp()),
        "sessions_possible": str(c.possible), "sessions_missed": str(c.absent),
        "days_missed": _number(c.absent / 2), "sessions_missed_ytd": str(y.absent),
        "authorised_sessions": str(c.authorised),
        "unauthorised_sessions": str(c.unauthorised),
        "late_count": str(c.late_l + c.late_u),
        "band_name": band.label if band else "not yet known",
    }


def _family_values(facts: Facts, ids: Sequence[int]) -> dict[str, str]:
    kids = [facts.children[i] for i in ids]
    surnames = {k.surname for k in kids}
    if len(surnames) == 1:
        full = join_names([k.forename for k in kids]) + f" {kids[0].surname}"
    else:
        full = join_names([f"{k.forename} {k.surname}" for k in kids])
    return {"forename": join_names([k.forename for k in kids]),
            "surname": join_names(sorted(surnames)), "full_name": full}


_BLANK = "______"
_CHILD_FIELDS = ("forename", "surname", "full_name", "class_name", "year_group", "dob",
                 "attendance_pct", "attendance_pct_ytd", "sessions_possible", "sessions_missed",
                 "days_missed", "sessions_missed_ytd", "authorised_sessions",
                 "unauthorised_sessions", "late_count", "band_name")


def merge_values(facts: Facts, letter: FamilyLetter, ids: Sequence[int], today: dt.date,
            extra: Mapping[str, str]) -> dict[str, str]:
    values = _common_values(facts, today)
    if not ids:  # a blank form: names left empty, figures as lines to write on
        values.update({k: "" if k in ("forename", "surname", "full_name", "class_name")
                       else _BLANK for k in _CHILD_FIELDS})
    elif len(ids) == 1:
        values.update(child_values(facts, ids[0]))
    else:
        values.update(_family_values(facts, ids))
    if len(ids) <= 1:  # the what-if fields (lines to write on in a blank form)
        from attendance_desktop.services.letters.template_syntax import WHATIF_FIELDS
        values.update((facts.whatif.get(ids[0]) or dict.fromkeys(WHATIF_FIELDS, "not known"))
                      if ids else dict.fromkeys(WHATIF_FIELDS, _BLANK))
    values["parent_names"] = letter.addressee
    values["salutation"] = letter.salutation
    values["home_address"] = ", ".join(letter.address_lines[1:])
    for k in ("meeting_date", "meeting_time", "meeting_place"):
        if k in extra:
            values[k] = str(extra[k])
    for k, v in extra.items():
        values[f"extra:{k}"] = str(v)
    return values


def missing_inputs(body: str, extra: Mapping[str, str]) -> list[str]:
    names = fields_in(body)
    need: list[str] = [n for n in ("meeting_date", "meeting_time", "meeting_place") if n in names]
    need += extras_in(body)
    return [n for n in need if n not in extra]


def child_fields() -> frozenset[str]:
    return CHILD_FIELDS
