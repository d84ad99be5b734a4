# ruff: noqa: E501  (each paragraph of a letter is one line, as staff see it in the editor)
"""Vale's letters (seed 000, appendix A), in the order of its procedure: the concern letter
(below 92%), the monitoring letter (below 90%, with a phone call and attendance clinics),
the attendance improvement plan meeting with targets, the congratulation letter when the
targets are met, the County Attendance Team referral with a parental contract and four
weeks' monitoring, and the final written warning before a fixed penalty notice."""

from __future__ import annotations

from attendance_desktop.services.letters.letter_rules import BAND, COMPARISON, CONCERN, Condition
from attendance_desktop.services.letters.letter_templates import FIGURES_LINE, SIGN_OFF, TemplateDef

VALE = ("vale",)

LETTERS = (
    TemplateDef(
        "concern_vale_92", "Attendance concern letter",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

Thank you for the conversation you have had with us about {{forename}}'s attendance. We are writing, as our attendance policy asks, because it is still below the level we expect.

{FIGURES_LINE}

Our aim is for every pupil to attend at least {{target_pct}}% of the time. We would like to work with you to help {{forename}} get there. If there are health needs or other reasons behind the absences, please tell us so that we can take them into account and plan the right support.

Please contact {{attendance_lead}} on {{school_phone}} if you would like to talk about this.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=VALE,
        description="Vale appendix A: below 92% concern letter."),
    TemplateDef(
        "vale_monitoring", "Attendance monitoring letter",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

I am writing because {{forename}}'s attendance has fallen to a level where our attendance policy asks us to monitor it closely, and from now on we will.

{FIGURES_LINE}

Missing this much school makes it very hard for a child to keep up with their learning and their friendships. Our attendance officer will telephone you in the next few days to talk about what is getting in the way and how we can help. We also run attendance clinics, where you can sit down with us and plan together; we would be glad to book you a place.

If there are health needs behind the absences, please tell us, so that we can take them into account.

{SIGN_OFF}""",
        condition=Condition(BAND), presets=VALE,
        description="Vale appendix A: below 90%, monitoring letter (with a phone call and "
                    "attendance clinics)."),
    TemplateDef(
        "vale_plan_meeting", "Attendance improvement plan meeting",
        f"""**Attendance improvement plan: {{full_name}}, {{class_name}}**

{{salutation}},

Thank you for talking with us about {{forename}}'s attendance. We have been monitoring it, and I am sorry to say that it has not yet improved enough.

{FIGURES_LINE}

Our policy asks us to meet with you to agree an attendance improvement plan. The plan looks at {{forename}}'s needs, anything that has made school difficult, now or in the past, and {{forename}}'s wellbeing, and sets targets we will work towards together. Please come to a meeting with our attendance officer:

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

If you cannot come at this time, please ring {{school_phone}} so that we can find another. It is important that you attend.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=VALE,
        description="Vale appendix A: attendance improvement plan, meeting to set targets."),
    TemplateDef(
        "vale_congratulations", "Congratulations: attendance improving",
        f"""**Well done, {{forename}}!**

{{salutation}},

I am delighted to write to congratulate {{forename}}, and you, on improving {{forename}}'s attendance. The targets we agreed together have been met.

{FIGURES_LINE}

This is a real achievement, and it makes a difference to {{forename}}'s learning every day. We will keep in touch and carry on watching attendance until it is settled at {{target_pct}}% or above. Thank you for all your hard work.

{SIGN_OFF}""",
        condition=Condition(COMPARISON, comparisons=("better_band", "improved_still_concern"),
                            after_letter=True),
        presets=VALE,
        description="Vale appendix A: targets met, congratulation letter; monitoring "
                    "continues until attendance reaches the target."),
    TemplateDef(
        "vale_county_referral", "Referral to the County Attendance Team",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

We agreed an attendance improvement plan with you, with targets for {{forename}}'s attendance. I am sorry to say that the targets have not been met.

{FIGURES_LINE}

As our attendance policy sets out, we are now referring {{forename}} to the County Attendance Team, who will work with you and with us. We may ask you to agree a parental contract setting out what each of us will do. {{forename}}'s attendance will then be monitored for {{monitoring_weeks}} weeks.

If attendance does not improve during that time, the next step is a final written warning. We would much rather it did not come to that, and our door is always open: please contact {{attendance_lead}} on {{school_phone}} if anything has changed or you need help.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=VALE,
        description="Vale appendix A: targets not met, County Attendance Team referral, "
                    "parental contract and four weeks' monitoring."),
    TemplateDef(
        "final_warning", "Final written warning",
        f"""**Final written warning: attendance of {{full_name}}, {{class_name}}**

{{salutation}},

We have written to you, met with you and agreed a plan to improve {{forename}}'s attendance. I am sorry to say that it has still not improved enough.

{FIGURES_LINE}

This letter is a final written warning. We will monitor {{forename}}'s attendance for a further {{monitoring_weeks}} weeks. If there are further unauthorised absences in that time, the school may ask the local authority to issue a penalty notice. Under the national framework a penalty notice is £{{pn_discount_amount}} if paid within {{pn_discount_days}} days, or £{{pn_first_amount}} if paid within {{pn_pay_days}} days, for each parent and each child. If it is not paid, the local authority may prosecute.

We still want to help. If anything has changed, or you need support, please contact {{attendance_lead}} on {{school_phone}} straight away.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=VALE,
        description="Vale appendix A: final written warning before a penalty notice."),
)
