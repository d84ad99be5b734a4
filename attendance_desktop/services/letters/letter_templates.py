# ruff: noqa: E501  (each paragraph of a letter is one line, as staff see it in the editor)
"""The ready-made letters and their registry (what their text may contain, and the
checker, are in template_syntax.py).

Each ready-made letter carries its `condition` (services/letters/letter_rules.py: which pupils it
fits) and the policy `presets` whose procedure has it (none: every school). The shared
letters are below; each preset's own are in services/letters/preset_letters/<preset>.py. All go
into one registry, `DEFAULTS`, through `register(*defs)`; `for_preset(name)` lists a
school's letters."""

from __future__ import annotations

from dataclasses import dataclass

from attendance_desktop.services.letters import letter_templates_leave
from attendance_desktop.services.letters.letter_rules import (
    CERTIFICATE,
    COMPARISON,
    CONCERN,
    LATENESS,
    Condition,
)

ANY_PUPIL = Condition()  # only the leaver check


@dataclass(frozen=True, slots=True)
class TemplateDef:
    key: str
    title: str
    body: str
    layout: str = "letter"  # letter (addressed) | form | certificate
    family: bool = False  # one letter for brothers and sisters together
    description: str = ""  # when the policies use it
    # which pupils the letter fits (services/letters/letter_rules.py); a batch leaves out the rest
    condition: Condition = ANY_PUPIL
    # the policy presets whose procedure has this letter; () = every school
    presets: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------
# The ready-made texts. Plain, kind English; every number is a policy field.
# --------------------------------------------------------------------------------------

SIGN_OFF = "Yours sincerely,\n\n[[signature]]"
SIGN_OFF_LEAD = "Yours sincerely,\n\n[[signature:lead]]"

FIGURES_LINE = (
    "Between {period_start} and {period_end} ({period_name}), {forename} attended "
    "**{attendance_pct}%** of sessions and missed {sessions_missed} sessions (a session is "
    "half a school day). So far this school year, {forename}'s attendance is "
    "{attendance_pct_ytd}%."
)

_T: list[TemplateDef] = [
    TemplateDef(
        "improved_better_band", "Thank you: attendance improved",
        f"""**Well done, {{forename}}!**

{{salutation}},

We are delighted to let you know that {{forename}}'s attendance has improved.

{FIGURES_LINE}

{{forename}} is now in our **{{band_name}}** band. Thank you for all you have done to make this happen; it makes a real difference to {{forename}}'s learning and friendships. We will keep celebrating good attendance and hope {{forename}} keeps it up.

{SIGN_OFF}""",
        condition=Condition(COMPARISON, comparisons=("better_band",), after_letter=True),
        presets=("lowther", "one_page", "wessex"),
        description="One page / Lowther: moved to a better band (thank-you letter)."),
    TemplateDef(
        "lateness_warning", "Lateness: concern letter",
        f"""**Arriving on time: {{full_name}}, {{class_name}}**

{{salutation}},

We have noticed that {{forename}} has been arriving late to school. Between {{period_start}} and {{period_end}}, {{forename}} was late {{late_count}} times.

The school day starts at {{school_starts}}, and the register closes at {{register_closes}}. Children who arrive late miss the start of lessons, which is often when the teacher explains the day's learning, and it can be unsettling to walk into a class that has already begun.

If there is a reason that makes mornings difficult, please let us know; we may be able to help, for example through breakfast club. Thank you for helping {{forename}} to arrive on time.

{SIGN_OFF_LEAD}""",
        condition=Condition(LATENESS, lateness_levels=("concern",)),
        description="Lowther flowchart 2: lateness concern (1-2 late arrivals in a week)."),
    TemplateDef(
        "lateness_continued", "Lateness: late arrivals continue",
        f"""**Arriving on time: {{full_name}}, {{class_name}}**

{{salutation}},

We wrote to you recently about {{forename}} arriving late to school. I am sorry to say that the late arrivals have continued: between {{period_start}} and {{period_end}}, {{forename}} was late {{late_count}} times.

We will keep a close eye on {{forename}}'s arrival times over the next {{lateness_monitoring_weeks}} weeks. Please remember that a child who arrives after the register closes at {{register_closes}} is recorded as absent without authorisation for that session, and this counts towards their absence.

If something is making mornings difficult, please talk to us: we would much rather help.

{SIGN_OFF}""",
        condition=Condition(LATENESS, lateness_levels=("significant",)),
        presets=("atlp", "one_page", "vale", "wessex"),
        description="Lateness at the significant level (3+ late arrivals in a week), for "
                    "schools without a Lateness Panel."),
    TemplateDef(
        "attendance_contract", "Attendance contract",
        """# Attendance contract

This contract is agreed between {school_name}, {full_name} and {full_name}'s parents or carers. It sets out what each of us will do to help {forename} attend school regularly.

[[write:Date of meeting|1|{meeting_date}]]
[[write:Venue|1|{meeting_place}]]
[[write:Child|1|{full_name}]]
[[write:Date of birth|1|{dob}]]
[[write:Address|1|{home_address}]]
[[write:Parents / carers|1|{parent_names}]]
[[write:Present at the meeting|2]]

## Current attendance
{forename}'s attendance this school year is {attendance_pct_ytd}%; {sessions_missed_ytd} sessions have been missed.

[[write:Needs discussed|4]]
[[write:Actions agreed (parents)|3]]
[[write:Actions agreed (school)|3]]
[[write:Actions agreed (others)|2]]
[[write:Target (e.g. 9 of 10 sessions a week)|1]]
[[write:Timescale|1]]
[[write:Review date|1]]

[[sign:Parent or carer|Parent or carer|Pupil|For the school]]""",
        layout="form",
        condition=Condition(CONCERN), presets=("lowther", "atlp", "vale"),
        description="ATLP stage 3 / Lowther panel: contract (ATLP Appendix 2 fields)."),
    TemplateDef(
        "first_day_absence", "First-day absence: please contact us",
        f"""**Absence of {{full_name}}, {{class_name}}**

{{salutation}},

{{forename}} was not in school on {{extra:absence_date}} and we have not been able to reach you to find out why. We tried to contact you by telephone on the day.

Every child's safety matters to us, so when a child is absent and we have not heard from home we always follow it up. Please contact the school office on {{school_phone}} as soon as you can to let us know the reason.

In future, please let us know by {{report_deadline}} on the first morning of any absence. Thank you.

{SIGN_OFF_LEAD}""",
        description="Absence procedures: first-day absence follow-up."),
    TemplateDef(
        "explanation_request", "Request for an explanation of absence",
        f"""**Absence of {{full_name}}, {{class_name}}**

{{salutation}},

Our records show that {{forename}} was absent on {{extra:absence_dates}} and we have not yet received a reason.

Please let us know why {{forename}} was absent by contacting the school office on {{school_phone}} or by replying in writing. If we have not heard from you within {{n_code_days}} school days, we must record the absence as unauthorised.

If you have already told us, thank you, and please accept our apologies for this letter.

{SIGN_OFF_LEAD}""",
        description="Absence procedures: code N unresolved, request for an explanation."),
    TemplateDef(
        "signed_letter_request", "Request for a signed letter after an absence",
        f"""**Absence of {{full_name}}, {{class_name}}**

{{salutation}},

Thank you for keeping us informed about {{forename}}'s recent absence ({{extra:absence_dates}}). We hope {{forename}} is feeling better.

Our attendance policy asks for a signed letter from a parent or carer when a child has been absent for more than {{signed_letter_days}} school days in a row, or for more than {{signed_letter_term_days}} school days in a term. Please send in a short signed letter explaining the absence, together with any medical evidence you have, such as an appointment card or prescription.

If {{forename}} is likely to be away again because of a health need, please talk to us so that we can plan support together.

{SIGN_OFF_LEAD}""",
        description="Wessex 5.4: signed letter after a long absence."),
    TemplateDef(
        "leave_request_form", "Leave of absence request form",
        """# Request for leave of absence in term time

Please complete this form and return it to the school office at least **{notice_period}** before the first day of the leave. Only the headteacher can agree leave, and only in exceptional circumstances. Holidays are not exceptional circumstances.

## What our policy says
- Requests must be made in advance; leave cannot be agreed after it has been taken.
- {leave_rules}
- You will receive the headteacher's decision in writing. The decision is final.
- If leave is refused and the child is absent anyway, the absence is unauthorised and may lead to a penalty notice from the local authority.

[[write:Child's name|1|{full_name}]]
[[write:Class|1|{class_name}]]
[[write:Parent or carer making the request|1]]
[[write:Relationship to the child|1]]
[[write:Dates of absence|1|from                                   to]]
[[write:Reason for the request|2]]

## The request is for
[[tick:Religious observance]]
[[tick:A licensed performance or activity]]
[[tick:An interview for a school place or job]]
[[tick:Other exceptional circumstance (please explain above and attach any evidence)]]

[[sign:Parent or carer]]

## For school use
Attendance this school year: {attendance_pct_ytd}%. This period: {authorised_sessions} sessions of authorised and {unauthorised_sessions} of unauthorised absence.""",
        layout="form",
        description="Leave of absence: request form for parents, with the policy's rules."),
    TemplateDef(
        "leave_granted", "Leave of absence: agreed",
        f"""**Leave of absence for {{full_name}}, {{class_name}}**

{{salutation}},

Thank you for your request for leave of absence for {{forename}}. I have considered it carefully and I am able to agree leave for the following dates:

**Dates agreed:** {{extra:leave_dates}}
**Sessions agreed:** {{extra:sessions_granted}}

{{extra:conditions}}

Please make sure that {{forename}} returns to school on time at the end of the agreed leave. Any days taken beyond those agreed will be recorded as unauthorised absence. If a child has not returned within {{missing_after_leave_days}} school days of the end of agreed leave, the school and the local authority must try to find out where they are, and the child may be removed from the school's roll.

{SIGN_OFF}""",
        description="Leave of absence: decision letter when leave is granted (with the "
                    "leave issue's extras leave_dates, sessions_granted, conditions)."),
    TemplateDef(
        "leave_refused", "Leave of absence: not agreed",
        f"""**Leave of absence for {{full_name}}, {{class_name}}**

{{salutation}},

Thank you for your request for leave of absence for {{forename}} on {{extra:leave_dates}}. I have considered it carefully, and I am sorry that I am unable to agree it.

{{extra:reasons}}

The law only allows leave in term time in exceptional circumstances, and I must apply our policy fairly to every family. My decision is final.

If {{forename}} is absent on these dates, the absence will be recorded as unauthorised (code G). The local authority may then issue a penalty notice under the national framework: £{{pn_discount_amount}} if paid within {{pn_discount_days}} days, or £{{pn_first_amount}} if paid within {{pn_pay_days}} days, for each parent and each child.

I know this may be disappointing. If you would like to talk about it, please contact the school office on {{school_phone}}.

{SIGN_OFF}""",
        description="Leave of absence: decision letter when leave is refused (extras "
                    "leave_dates, reasons)."),
    TemplateDef(
        "certificate_full", "Certificate: 100% attendance",
        """# Certificate of Attendance

This certificate is awarded to

**{full_name}**

for **100% attendance** during {period_name}.

Every single day counted. Well done!

[[signature]]

{today}""",
        layout="certificate",
        condition=Condition(CERTIFICATE, threshold="certificate_full_pct"),
        description="Recognition: full attendance."),
    TemplateDef(
        "certificate_outstanding", "Certificate: outstanding attendance",
        """# Certificate of Attendance

This certificate is awarded to

**{full_name}**

for outstanding attendance of **{attendance_pct}%** during {period_name}.

Thank you for coming to school and trying your best every day.

[[signature]]

{today}""",
        layout="certificate",
        condition=Condition(CERTIFICATE, threshold="certificate_excellent_pct"),
        description="Recognition: excellent attendance."),
    TemplateDef(
        "certificate_personal_target", "Certificate: personal attendance target",
        """# Certificate of Achievement

This certificate is awarded to

**{full_name}**

for reaching a personal attendance target:

**{extra:personal_target}**

We know how hard you have worked to be in school. We are very proud of you!

[[signature]]

{today}""",
        layout="certificate",
        description="Recognition: individual target (e.g. pupils with health needs)."),
    TemplateDef(
        "half_termly_report", "Half-termly attendance report",
        """**Attendance report: {period_name}**

{salutation},

Here is the attendance report for {forename} for {period_name} ({period_start} to {period_end}). A session is half a school day; the school is open for two sessions every day.

[[figures]]

[[chart]]

Our target for every child is {target_pct}% or more. Thank you to every family whose child comes to school every day and on time; it really makes a difference. If you have any questions about these figures, or if anything is making it hard for your child to come to school, please contact {attendance_lead} on {school_phone}.

Yours sincerely,

[[signature]]""",
        family=True,
        description="Half-termly report to every family: each child's %, sessions missed, "
                    "lates and a small chart."),
]

# --- the registry ---------------------------------------------------------------------
# Every ready-made letter, by key. Other modules add theirs with `register` (the presets'
# own letters in services/letters/preset_letters/, leave letters...); code that lists letters
# reads DEFAULTS (or `keys()`), never a copy taken at import time.
DEFAULTS: dict[str, TemplateDef] = {}


def register(*defs: TemplateDef) -> None:
    """Add ready-made letters; a key may be registered once."""
    for d in defs:
        if d.key in DEFAULTS and DEFAULTS[d.key] != d:
            raise ValueError(f"letter template '{d.key}' is registered twice")
        DEFAULTS[d.key] = d


def keys() -> tuple[str, ...]:
    return tuple(DEFAULTS)


def for_preset(preset: str) -> tuple[str, ...]:
    """The letters a school on this policy preset uses (all of them for an unknown one)."""
    known = {p for d in DEFAULTS.values() for p in d.presets}
    # the presets' own letters first (their procedure's order), then the shared ones
    if preset not in known:
        return keys()
    own = [k for k, d in DEFAULTS.items() if d.presets == (preset,)]
    some = [k for k, d in DEFAULTS.items() if preset in d.presets and len(d.presets) > 1]
    return tuple(own + some + [k for k, d in DEFAULTS.items() if not d.presets])


register(*_T)
register(*(TemplateDef(key, title, body, description=description)  # leave letters
           for key, title, body, description in letter_templates_leave.LETTERS))
# the presets' own letters register themselves when their package is imported
from attendance_desktop.services.letters import preset_letters  # noqa: E402, F401

LETTER_KEYS: tuple[str, ...] = tuple(DEFAULTS)  # kept for callers; prefer keys()
