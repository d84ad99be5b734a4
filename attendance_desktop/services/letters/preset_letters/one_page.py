# ruff: noqa: E501  (each paragraph of a letter is one line, as staff see it in the editor)
"""The One page policy's letters (seed 004): the amber letter (below the school's target)
and the red letter (below 90%), each offering a meeting, and the three letters after the
next term's analysis: moved to a better band (thank you), improved but still a concern,
and not improved (an invitation to an attendance meeting, where a fine may be mentioned
and Early Help may follow). The thank-you letter is the shared `improved_better_band`."""

from __future__ import annotations

from attendance_desktop.services.letters.letter_rules import BAND, COMPARISON, Condition
from attendance_desktop.services.letters.letter_templates import FIGURES_LINE, SIGN_OFF, TemplateDef

ONE_PAGE = ("one_page",)

LETTERS = (
    TemplateDef(
        "onepage_amber", "Attendance: amber letter",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

Every term our leadership team looks carefully at every child's attendance. Our aim is for every child to attend at least {{target_pct}}% of the time, because children who are in school every day learn more and feel part of their class.

{FIGURES_LINE}

This is below our target, so {{forename}} is in our **{{band_name}}** band. We are writing now so that we can work on it together early, before it becomes harder to put right.

We would like to offer you a meeting to talk about ways we could help {{forename}} to attend more often. Please contact the school office on {{school_phone}} to arrange a time. If there is a health condition or another reason behind the absences, please tell us so that we can take it into account.

Thank you for your support.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=ONE_PAGE,
        description="One page: amber letter (below the school's target), offering a "
                    "meeting."),
    TemplateDef(
        "onepage_red", "Attendance: red letter",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

I am writing because we are seriously concerned about {{forename}}'s attendance.

{FIGURES_LINE}

This places {{forename}} in our **{{band_name}}** band. A child who misses {{persistent_absence_pct}}% or more of school is described nationally as persistently absent, and is very likely to fall behind with their learning.

I would like to meet you to talk about what is making it hard for {{forename}} to come to school and how we can help. Please contact the school office on {{school_phone}} to arrange a meeting. We will look again at {{forename}}'s attendance at the end of next term.

If there is a health condition or another reason behind the absences, please tell us so that we can take it into account.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=ONE_PAGE,
        description="One page: red letter (below 90%), offering a meeting."),
    TemplateDef(
        "improved_still_concern", "Thank you, but still a concern",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

Thank you for the effort you have made with {{forename}}'s attendance: it has improved since we last wrote, and we are pleased to see it.

{FIGURES_LINE}

This is still in our **{{band_name}}** band, below our target of {{target_pct}}%, so we will carry on keeping an eye on it. Please keep going: every day in school counts. If anything is getting in the way, {{attendance_lead}} is always happy to talk.

{SIGN_OFF}""",
        condition=Condition(COMPARISON, comparisons=("improved_still_concern",),
                            after_letter=True),
        presets=ONE_PAGE,
        description="One page: improved but still amber/red."),
    TemplateDef(
        "not_improved_meeting", "Invitation to an attendance meeting",
        f"""**Attendance meeting for {{full_name}}, {{class_name}}**

{{salutation}},

We wrote to you earlier about {{forename}}'s attendance. Unfortunately it has not improved.

{FIGURES_LINE}

I would like to invite you to a meeting to talk about how we can help {{forename}} attend school regularly:

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

At the meeting we will listen to any difficulties you are facing and look together at ways we can support your family, including our Early Help process. I must also tell you that if attendance does not improve, parents may face a fine: a penalty notice can apply when a pupil misses {{pn_sessions}} or more sessions without authorisation within {{pn_window_weeks}} school weeks.

If the time is difficult for you, please contact the school office on {{school_phone}} so that we can arrange another.

{SIGN_OFF}""",
        condition=Condition(COMPARISON, comparisons=("not_improved",), after_letter=True),
        presets=ONE_PAGE,
        description="One page: not improved, invitation to an attendance meeting."),
)
