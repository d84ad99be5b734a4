"""Words for the settings' internal names: what the Settings pages and the change log show
instead of keys (`n_code_limit_school_days`) and stored JSON (`[["upper_amber", "letter"]]`).

The policy's own fields are labelled where they are edited (policy_widget.GROUPS); this
module adds the few edited elsewhere, the columns of the policy's tables, the change log's
areas, and turns a recorded value back into plain words.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from attendance_desktop.domain.policy import PRESET_LABELS
from attendance_desktop.domain.roles import Role

# Policy fields not in policy_widget.GROUPS (edited elsewhere or new): (label, tooltip).
MORE_POLICY_LABELS: dict[str, tuple[str, str]] = {
    "year_groups": ("Year groups the school has (one per line)", "An imported pupil in another"
                    " national curriculum year is refused; N is nursery, R reception"),
    "import_future_days": ("Imports: dates accepted up to (days ahead)", "An imported mark or"
                           " admission further ahead than this is refused as a typo"),
    "escalation_unauthorised_sessions": ("Start the absence stages after unauthorised"
                                         " sessions", "0: the band alone decides"),
    "band_letters": ("Letter for each band", "Which letter"
                     " the trackers suggest for a pupil in that band"),
    "preset": ("Preset", ""),
    "am": ("Morning session times", ""),
    "pm": ("Afternoon session times", ""),
    "extra": ("Other settings", ""),
}

# Columns of the policy's tables (bands, absence stages, lateness steps) and of the
# recorded session times.
FIELD_LABELS = {
    "key": "Short name", "label": "Shown as", "min_pct": "From attendance %",
    "concern": "Of concern", "action": "What to do", "due_days": "Due after (days)",
    "review_weeks": "Review after (weeks)", "letter": "Letter", "level": "Level",
    "after_review": "Only after a review", "marking_starts": "Marking starts",
    "late_after": "Late after", "closes": "Register closes",
}

AREA_LABELS = {"policy": "Policy", "calendar": "Calendar", "school": "School",
               "staff": "Staff accounts", "letters": "Letters", "mail": "Email",
               "benchmarks": "Benchmarks", "backups": "Backups", "retention": "Retention",
               "sessions": "Session times"}

SCHOOL_LABELS = {"name": "School name", "address": "Address", "postcode": "Postcode",
                 "phone": "Phone", "email": "Email", "urn": "URN",
                 "local_authority": "Local authority", "head_name": "Headteacher",
                 "attendance_lead_name": "Attendance lead", "logo": "Logo",
                 "set_up_complete": "Set-up finished", "demo": "Demo school"}

CHOICE_LABELS = {"weeks": "weeks", "school_weeks": "school weeks",
                 "school_days": "school days", "days": "days", "half_term": "half term",
                 "term": "term", "year": "year", "after_contract": "after a contract"}


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def field_label(name: str) -> str:
    """A record field's column heading."""
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def policy_label(key: str) -> str:
    """The label the Policy page gives a setting."""
    from attendance_desktop.gui.settings.policy_widget import GROUPS

    for _group, items in GROUPS:
        if key in items:
            return items[key][0]
    if key in MORE_POLICY_LABELS:
        return MORE_POLICY_LABELS[key][0]
    return key.replace("_", " ").capitalize()


def area_label(area: str) -> str:
    return AREA_LABELS.get(area, area.replace("_", " ").capitalize())


def setting_label(area: str, key: str) -> str:
    """The change log's "Setting" column: a policy key becomes its label; other areas
    already record words ("class Hazels", "year 2025/26"), shown with a capital."""
    if area == "policy":
        return policy_label(key)
    if area == "school" and key in SCHOOL_LABELS:
        return SCHOOL_LABELS[key]
    words = _dates(key.replace("_", " "))
    words = re.sub(r" DAY$", " (whole day)", words)
    return words[:1].upper() + words[1:]


def _dates(text: str) -> str:
    """ISO dates (2026-03-02) as people write them (02 Mar 2026)."""
    def one(m: re.Match[str]) -> str:
        try:
            return f"{dt.date.fromisoformat(m.group(0)):%d %b %Y}"
        except ValueError:
            return m.group(0)
    return _ISO_DATE.sub(one, text)


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


def _words(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        if value in PRESET_LABELS:
            return PRESET_LABELS[value]
        # a band, stage or letter's short name: its words ("upper_amber": "upper amber")
        return CHOICE_LABELS.get(value, _dates(value).replace("_", " "))
    if isinstance(value, dict):
        if not value:
            return "none"
        # A record: its label first, then the other fields by their headings.
        head = str(value.get("label", ""))
        rest = [f"{field_label(k)} {_words(v)}" for k, v in value.items()
                if k not in ("label", "key") and v not in ("", None, False)]
        return f"{head} ({', '.join(rest)})" if head and rest else head or ", ".join(rest)
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        if all(isinstance(v, list | tuple) for v in value):
            return "; ".join(" → ".join(_words(x) for x in v) for v in value)
        return "; ".join(_words(v) for v in value) if any(isinstance(v, dict) for v in value) \
            else ", ".join(_words(v) for v in value)
    return str(value)


def value_text(recorded: str) -> str:
    """A recorded value in words: JSON (policy values) is unpacked, words stay words."""
    text = recorded.strip()
    if not text:
        return ""
    if text[0] in "[{\"" or text in ("true", "false", "null") or _is_number(text):
        try:
            return _words(json.loads(text))
        except ValueError:
            return _dates(recorded)
    return _dates(recorded).replace(" # ", ": ")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
