# ruff: noqa: E501  (each paragraph of a letter is one line, as staff see it in the editor)
"""ATLP's letters (seed 003, "support first"): one letter per stage. Stage 1, universal
concern (below 96%, or any unauthorised absence): early support. Stage 2, targeted
support: an Early Help meeting and perhaps a home visit. Stage 3, a formal attendance
meeting where an attendance contract is drawn up (the contract form is the shared
`attendance_contract`, ATLP appendix 2). Stage 4, legal action. No stage letter names a
later stage as if it were this one, and none promises a panel or a governor."""

from __future__ import annotations

from attendance_desktop.services.letters.letter_rules import BAND, CONCERN, Condition
from attendance_desktop.services.letters.letter_templates import FIGURES_LINE, SIGN_OFF, TemplateDef

ATLP = ("atlp",)

LETTERS = (
    TemplateDef(
        "atlp_stage1", "Stage 1: early support",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

We keep a close eye on every child's attendance, because being in school every day matters so much for learning, friendships and wellbeing. Our expectation is that every child attends at least {{target_pct}}% of the time.

{FIGURES_LINE}

In the same period {{forename}} had {{unauthorised_sessions}} sessions of absence that we could not authorise. We are writing because attendance has dipped below where we would like it to be, or because of an unauthorised absence, and we would rather talk early. We are not writing to blame anyone: we would like to understand what is getting in the way and to offer support.

Please get in touch with {{attendance_lead}} on {{school_phone}}. We are happy to talk on the phone, meet you in school or visit you at home, whichever suits you best.

{SIGN_OFF}""",
        condition=Condition(BAND, or_unauthorised=True), presets=ATLP,
        description="ATLP stage 1, universal concern: attendance below 96% or an "
                    "unauthorised absence; early support by letter, call, meeting or visit."),
    TemplateDef(
        "atlp_stage2", "Stage 2: targeted support (Early Help meeting)",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

{{forename}}'s attendance is still a concern, and we would like to put some more support in place.

{FIGURES_LINE}

I would like to invite you to an Early Help meeting with {{forename}}'s pastoral leader, to talk about what is making school difficult and what would help. Sometimes an Early Help assessment, or a meeting with other people who support your family, is the best way to get the right help in place.

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

If this time does not suit you, please ring {{school_phone}} and we will find another. We may also arrange to visit you at home.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=ATLP,
        description="ATLP stage 2, targeted support: Early Help meeting with the pastoral "
                    "leader, perhaps a home visit."),
    TemplateDef(
        "atlp_stage3", "Stage 3: formal attendance meeting",
        f"""**Formal attendance meeting: {{full_name}}, {{class_name}}**

{{salutation}},

We have been working with you to support {{forename}}'s attendance, but I am sorry to say that it has not improved enough.

{FIGURES_LINE}

I am therefore inviting you to a formal attendance meeting:

**Date:** {{meeting_date}}
**Time:** {{meeting_time}}
**Place:** {{meeting_place}}

At the meeting we will agree an attendance contract together. It will set out the support the school and others will give, what we ask of you and of {{forename}}, and clear, achievable targets that we will review regularly. A contract is a supportive agreement, not a punishment, and it is made with you, not for you.

It is important that you come. If the time is difficult, please contact {{school_phone}} so that we can arrange another.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=ATLP,
        description="ATLP stage 3, advanced intervention: formal attendance meeting to "
                    "agree an attendance contract with SMART targets."),
    TemplateDef(
        "atlp_stage4", "Stage 4: legal action",
        f"""**Attendance of {{full_name}}, {{class_name}}**

{{salutation}},

Over recent months we have offered support, met with you and agreed an attendance contract to help {{forename}} attend school regularly. I am sorry to say that attendance has still not improved.

{FIGURES_LINE}

Because the support has not led to improvement, the school may now ask the local authority to take legal action. This may be a penalty notice, an education supervision order or, as a last resort, prosecution. Under the national framework a penalty notice is £{{pn_discount_amount}} if paid within {{pn_discount_days}} days, or £{{pn_first_amount}} if paid within {{pn_pay_days}} days, for each parent and each child.

We would still much rather help. If anything has changed, or there is support you need, please contact {{attendance_lead}} on {{school_phone}} straight away.

{SIGN_OFF}""",
        condition=Condition(CONCERN), presets=ATLP,
        description="ATLP stage 4: legal action may be requested from the local authority "
                    "(penalty notice, education supervision order, prosecution)."),
)
