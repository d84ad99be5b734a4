# ruff: noqa: E501  (each paragraph of a letter is one line, as staff see it in the editor)
"""Lowther's letters (seed 002): the RAG letters for the upper amber, lower amber and red
bands, the monitoring warning, the Attendance Panel Meeting (headteacher and a governor)
and its review, and the lateness flowchart's written warning and Lateness Panel Meeting."""

from __future__ import annotations

from attendance_desktop.services.letters.letter_rules import BAND, CONCERN, LATENESS, Condition
from attendance_desktop.services.letters.letter_templates import FIGURES_LINE, SIGN_OFF, TemplateDef

LOWTHER = ("lowther",)

LETTERS = (
    TemplateDef(
        "concern_upper_amber", "Attendance concern: upper amber",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

We look at every child's attendance each {{monitoring_period}}, because children who are in school every day learn more, keep up with friendships and feel part of their class. Our target for every child is {{target_pct}}% or more.

{FIGURES_LINE}

This places {{forename}} in our **{{band_name}}** band. It is a little below where we would like it to be, and we are writing now so that we can work on it together early.

If something is making it hard for {{forename}} to come to school, please talk to us. There may be help we can offer in school, and our local Early Help service can support families too; {{attendance_lead}} would be glad to tell you more.

Thank you for your support. We look forward to seeing {{forename}} in school every day.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=LOWTHER,
        description="Lowther flowchart 1: upper amber band (RAG letter)."),
    TemplateDef(
        "concern_lower_amber", "Attendance concern: lower amber",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

We are writing because we are concerned about {{forename}}'s attendance. Our target for every child is {{target_pct}}% or more.

{FIGURES_LINE}

This places {{forename}} in our **{{band_name}}** band. Missing even a few days each half term adds up: lost learning is hard to catch up, and children can feel left out of friendships and class life.

We would like to help. Please let us know if there is anything that makes it difficult for {{forename}} to get to school, such as health, worries about school or family circumstances. {{attendance_lead}} would be happy to meet you and to tell you about the support our local Early Help service offers.

We will keep a close eye on {{forename}}'s attendance and hope to see it improve over the coming weeks.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=LOWTHER,
        description="Lowther flowchart 1: lower amber band (RAG letter)."),
    TemplateDef(
        "concern_red", "Attendance concern: red (monitoring period)",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

I am writing because {{forename}}'s attendance has fallen to a level that worries us.

{FIGURES_LINE}

This places {{forename}} in our **{{band_name}}** band. When a child misses {{persistent_absence_pct}}% or more of school they are described nationally as persistently absent, and they are very likely to fall behind.

From today we will monitor {{forename}}'s attendance closely for {{monitoring_weeks}} weeks. If it has improved by then, we will be delighted to tell you so. If it has not, we will invite you to an Attendance Panel Meeting with me and one of our governors to agree a plan together.

We know there is often a reason behind missed days, and we would much rather help than worry. Please contact {{attendance_lead}} to arrange a meeting, so that we can talk about any support {{forename}} or your family might need.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=LOWTHER,
        description="Lowther flowchart 1: red band (RAG letter), with warning of a half-term "
                    "monitoring period."),
    TemplateDef(
        "monitoring_warning", "Monitoring period warning",
        f"""**Attendance monitoring: {{full_name}}, {{class_name}}**

{{salutation}},

We have written to you before about {{forename}}'s attendance, and I am sorry to say that it has not improved as we had hoped.

{FIGURES_LINE}

{{forename}}'s attendance will now be monitored for a period of {{monitoring_weeks}} weeks. During this time we will check it every week and keep in touch with you.

If attendance has not improved by the end of the monitoring period, we will invite you to a meeting to agree an attendance contract and action plan. If there is still no improvement after that, the school must refer {{forename}} to the local authority's attendance service, which can lead to legal action.

We would much rather it did not come to that. Please contact {{attendance_lead}} if there is anything we can do to help {{forename}} attend every day.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=LOWTHER,
        description="Lowther flowchart 1: red band not improved, monitoring period."),
    TemplateDef(
        "lateness_written_warning", "Lateness: written warning",
        f"""**Lateness of {{full_name}}, {{class_name}}**

{{salutation}},

We wrote to you recently about {{forename}} arriving late. I am sorry to say that the late arrivals have continued: between {{period_start}} and {{period_end}}, {{forename}} was late {{late_count}} times.

We will now monitor {{forename}}'s arrival times for {{lateness_monitoring_weeks}} weeks. If things have not improved by then, we will invite you to a Lateness Panel Meeting with me and a governor, to agree a written plan together.

Please remember that a child who arrives after the register closes at {{register_closes}} is recorded as absent without authorisation for that session, and this counts towards their absence.

If you need help with mornings, please talk to us.

{SIGN_OFF}""",
        condition=Condition(LATENESS, lateness_levels=("significant",)), presets=LOWTHER,
        description="Lowther flowchart 2: written warning (3-4 late arrivals in a week)."),
    TemplateDef(
        "lateness_panel_invite", "Lateness Panel Meeting invitation",
        f"""**Lateness Panel Meeting: {{full_name}}, {{class_name}}**

{{salutation}},

Despite our letters and the period of monitoring, {{forename}} is still arriving late to school: {{late_count}} times between {{period_start}} and {{period_end}}.

I would like to invite you to a Lateness Panel Meeting with me and one of our governors:

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

Together we will agree a written contract and action plan between you, {{forename}} and the school, with the support each of us will give. If lateness continues after that, it will be treated as unauthorised absence.

Please let the school office know on {{school_phone}} that you can come, or if you need a different time.

{SIGN_OFF}""",
        condition=Condition(LATENESS, lateness_levels=("significant", "escalated")),
        presets=LOWTHER,
        description="Lowther flowchart 2: Lateness Panel Meeting (head + governor)."),
    TemplateDef(
        "attendance_panel_invite", "Attendance Panel Meeting invitation",
        f"""**Attendance Panel Meeting: {{full_name}}, {{class_name}}**

{{salutation}},

We have been monitoring {{forename}}'s attendance, and I am sorry to say it has not improved.

{FIGURES_LINE}

I would like to invite you to an Attendance Panel Meeting with me and one of our governors:

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

At the meeting we will agree an attendance contract and action plan for the next {{monitoring_weeks}} weeks, with the support the school and others can offer. A review meeting will follow at the end of that time, and will go ahead even if you are not able to attend. If attendance still has not improved, the school must refer {{forename}} to the local authority, which may lead to legal action.

It is important that you come. If the time is difficult, please contact the school office on {{school_phone}}.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=LOWTHER,
        description="Lowther flowchart 1: Attendance Panel Meeting (head + governor)."),
    TemplateDef(
        "attendance_review_invite", "Attendance review meeting",
        f"""**Attendance review meeting: {{full_name}}, {{class_name}}**

{{salutation}},

At the Attendance Panel Meeting we agreed a contract and action plan to help {{forename}} come to school every day. The monitoring period we agreed has now ended, and it is time to look at how things have gone.

{FIGURES_LINE}

I would like to invite you to a review meeting:

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

We will look at the action plan together, celebrate what has gone well and agree what happens next. The meeting will go ahead, and decisions will be made, even if you are not able to come, so please do let us know if you need a different time. If attendance has not improved, the school will refer {{forename}} to the local authority's Access and Inclusion Officer, which may lead to legal action.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=LOWTHER,
        description="Lowther flowchart 1: review of the contract and action plan after the "
                    "further half term of monitoring."),
)
