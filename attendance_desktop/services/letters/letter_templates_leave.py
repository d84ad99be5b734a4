# ruff: noqa: E501  (each paragraph of a letter is one line, as staff see it in the editor)
"""The leave of absence letters that follow a decision, beyond 'agreed' and 'not agreed':

* `leave_part_granted`: leave agreed for some of the dates asked for; lists the dates
  agreed and the dates refused, with the head's reason.
* `leave_refused_taken`: leave was refused and the child was away anyway; written after
  the event, in the past tense, stating the consequence (unauthorised absence, code G, and
  a possible referral for a penalty notice under the national framework).
* `leave_without_permission`: the child was taken out of school in term time with no
  request at all.

Registered into letter_templates' registry (`DEFAULTS`, `LETTER_KEYS`) by `register`,
called once at the end of letter_templates, so the letters live here and the shared
module only needs that one hook. The extras come from leave_reads.letter_extra (part
grants and refused-and-taken) or are typed on the Letters page (without permission).
"""

from __future__ import annotations

from typing import Any

SIGN_OFF = "Yours sincerely,\n\n[[signature]]"

_PART = f"""**Leave of absence for {{full_name}}, {{class_name}}**

{{salutation}},

Thank you for your request for leave of absence for {{forename}} from {{extra:dates_requested}}. I have considered it carefully. I am able to agree part of the leave, but not all of it.

**Dates agreed:** {{extra:dates_granted}} ({{extra:sessions_granted}})
**Dates not agreed:** {{extra:dates_refused}} ({{extra:sessions_refused}})

**Why the other dates are not agreed:** {{extra:reasons}}

{{extra:conditions}}

{{forename}} must be back in school on {{extra:return_date}}. If {{forename}} is absent on the dates not agreed, those absences will be recorded as unauthorised (code G), and the local authority may issue a penalty notice under the national framework: £{{pn_discount_amount}} if paid within {{pn_discount_days}} days, or £{{pn_first_amount}} if paid within {{pn_pay_days}} days, for each parent and each child.

If you would like to talk about this decision, please contact the school office on {{school_phone}}.

{SIGN_OFF}"""

_TAKEN = f"""**Unauthorised absence of {{full_name}}, {{class_name}}**

{{salutation}},

On {{extra:decision_date}} I wrote to tell you that I could not agree your request for leave of absence for {{forename}} from {{extra:dates_requested}}. I explained why: {{extra:reasons}}

Our registers show that {{forename}} was not in school on {{extra:dates_taken}}: {{extra:sessions_taken}}. Because this leave was not agreed, these absences have been recorded as unauthorised (code G, leave of absence not authorised by the school).

As our attendance policy says, unauthorised leave of absence in term time may be referred to the local authority for a penalty notice under the national framework. A penalty notice is £{{pn_discount_amount}} if paid within {{pn_discount_days}} days, or £{{pn_first_amount}} if paid within {{pn_pay_days}} days, for each parent and each child. The local authority decides whether to issue one.

If there is something we did not know about when the decision was made, or if you would like to talk about {{forename}}'s attendance, please contact {{attendance_lead}} on {{school_phone}}.

{SIGN_OFF}"""

_WITHOUT = f"""**Leave taken without permission: {{full_name}}, {{class_name}}**

{{salutation}},

{{forename}} was absent from school on {{extra:absence_dates}}. We did not receive a request for leave of absence for these dates, and no reason for the absence has been given that the school can accept.

The law only allows a headteacher to agree leave of absence in term time in exceptional circumstances, and only when it has been asked for in advance. The absence has therefore been recorded as unauthorised (code G, leave of absence not authorised by the school).

As our attendance policy says, unauthorised leave of absence in term time may be referred to the local authority for a penalty notice under the national framework. A penalty notice is £{{pn_discount_amount}} if paid within {{pn_discount_days}} days, or £{{pn_first_amount}} if paid within {{pn_pay_days}} days, for each parent and each child. The local authority decides whether to issue one.

In future, please ask for leave in advance using the school's request form. {{leave_rules}} If there was a reason for this absence that we do not know about, please contact {{attendance_lead}} on {{school_phone}} within five school days.

{SIGN_OFF}"""

# (key, title, body, description); each placed in LETTER_KEYS after `after`.
LETTERS: tuple[tuple[str, str, str, str], ...] = (
    ("leave_part_granted", "Leave of absence: agreed in part", _PART,
     "Leave of absence: decision letter when only some of the dates are agreed; lists the "
     "dates agreed and not agreed, and why."),
    ("leave_refused_taken", "Leave of absence: refused and taken", _TAKEN,
     "Leave of absence: after refused leave was taken anyway; the sessions recorded as G "
     "and the possible penalty notice."),
    ("leave_without_permission", "Leave taken without permission", _WITHOUT,
     "Leave of absence: a child taken out of school in term time without asking; type the "
     "dates of absence."),
)
AFTER = "leave_refused"


def register(defaults: dict[str, Any], keys: tuple[str, ...], template_def: Any
             ) -> tuple[str, ...]:
    """Add the letters to `defaults` (key -> template_def) and return the new key order."""
    for key, title, body, description in LETTERS:
        defaults[key] = template_def(key, title, body, description=description)
    new = tuple(k for k, *_ in LETTERS)
    rest = [k for k in keys if k not in new]
    at = rest.index(AFTER) + 1 if AFTER in rest else len(rest)
    return (*rest[:at], *new, *rest[at:])
