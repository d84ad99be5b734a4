"""The pupil groups reports and pupil records name, with the one label each is shown by."""

from __future__ import annotations

GROUP_LABELS: dict[str, str] = {
    "sen_any": "SEN (support or EHCP)",
    "sen_support": "SEN support",
    "ehcp": "EHC plan",
    "fsm": "Free school meals",
    "pupil_premium": "Pupil premium",
    "looked_after": "Looked after",
    "child_in_need": "Child in need",
    "eal": "English as an additional language",
    "young_carer": "Young carer",
    "female": "Girls",
    "male": "Boys",
}
# The groups that are a yes/no field on the pupil record.
FLAG_GROUPS = ("fsm", "pupil_premium", "looked_after", "child_in_need", "eal", "young_carer")
