# ruff: noqa: E501  (each paragraph of a letter is one line, as staff see it in the editor)
"""Wessex's letters (seed 001): when attendance drops below 96% the attendance team
contacts the parents; if it does not improve, a formal meeting and perhaps an attendance
action plan; below 90% triggers intervention; a first truancy brings a warning letter,
and further truancy means a penalty notice is considered. The signed-letter request
(5.4) and the certificates are shared letters."""

from __future__ import annotations

from attendance_desktop.services.letters.letter_rules import BAND, CONCERN, UNAUTHORISED, Condition
from attendance_desktop.services.letters.letter_templates import (
    FIGURES_LINE,
    SIGN_OFF,
    SIGN_OFF_LEAD,
    TemplateDef,
)

WESSEX = ("wessex",)

LETTERS = (
    TemplateDef(
        "wessex_contact", "Attendance: parents contacted",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

Our attendance team looks at every child's attendance regularly. We expect every pupil to attend at least {{target_pct}}% of the time, and {{forename}}'s attendance has dropped below that.

{FIGURES_LINE}

We would like to talk with you about the reasons for the absences and the next steps to help {{forename}} attend more often. A member of our attendance team will be in touch, or you are welcome to contact us first on {{school_phone}}.

If there is a health need or another reason behind the absences, please tell us so that we can support {{forename}} properly.

{SIGN_OFF_LEAD}""",
        condition=Condition(BAND), presets=WESSEX,
        description="Wessex 5.6: attendance below 96%, parents contacted by the "
                    "attendance team."),
    TemplateDef(
        "wessex_formal_meeting", "Formal attendance meeting",
        f"""**Formal attendance meeting: {{full_name}}, {{class_name}}**

{{salutation}},

We spoke with you recently about {{forename}}'s attendance. I am sorry to say that it has not improved.

{FIGURES_LINE}

Our attendance policy asks us to arrange a formal meeting with you:

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

At the meeting we will talk about what is getting in the way and, if it would help, agree an attendance action plan for {{forename}}, with the support the school will give. If the time does not suit you, please ring {{school_phone}} so that we can arrange another.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=WESSEX,
        description="Wessex 5.7: attendance not improved, formal meeting and perhaps an "
                    "attendance action plan."),
    TemplateDef(
        "wessex_intervention", "Attendance: intervention",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

I am writing because {{forename}}'s attendance has fallen into our **{{band_name}}** band.

{FIGURES_LINE}

A child who misses {{persistent_absence_pct}}% or more of school is described nationally as persistently absent. Absence at this level is very likely to hold back {{forename}}'s learning, so our policy asks us to step in straight away. Our attendance team will contact you to agree what will happen next and the support we can put in place; we must also keep the local authority informed.

Please contact {{attendance_lead}} on {{school_phone}} if there is anything we should know, or if you would like to talk sooner.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=WESSEX,
        description="Wessex: attendance below 90% triggers intervention."),
    TemplateDef(
        "wessex_truancy_warning", "Truancy: warning letter",
        f"""**Absence of {{full_name}}, {{class_name}}**

{{salutation}},

Our records show that {{forename}} missed school, or part of the school day, without the school being told why. We treat this as truancy, and our policy asks me to write to you.

Between {{period_start}} and {{period_end}}, {{forename}} had {{unauthorised_sessions}} sessions of unauthorised absence (a session is half a school day).

Please talk to {{forename}} about this, and contact us on {{school_phone}} if there is something behind it that we can help with. If it happens again, the school will consider issuing a penalty notice.

{SIGN_OFF}""",
        condition=Condition(UNAUTHORISED), presets=WESSEX,
        description="Wessex 10.5: first truancy, warning letter (any further truancy: a "
                    "penalty notice is considered)."),
)
