"""What a letter's text may contain: the merge fields, the blocks, and the checker that
refuses anything else (the ready-made letters are in letter_templates.py).

Template text (what staff edit in the app):

* A blank line starts a new paragraph; a single line break stays a line break.
* `{field}` is replaced by a merge field listed in `MERGE_FIELDS` (e.g. `{forename}`).
* `{extra:name}` is a value the caller supplies for this letter (leave dates, reasons,
  conditions...): any name made of lower-case letters, digits and `_` is accepted by the
  checker, and rendering refuses a letter whose caller did not supply it. A paragraph that
  comes out empty (e.g. `{extra:conditions}` given as "") is left out.
* `**words**` prints the words in bold.
* `# Heading` and `## Smaller heading`; `- item` is a bullet point.
* Blocks: `[[signature]]` (the headteacher's signature block), `[[signature:lead]]` (the
  attendance lead's), `[[figures]]` (a table of each child's attendance), `[[chart]]` (a
  small bar chart of each child's attendance against the school's target),
  `[[write:Label|lines]]` (a labelled space to write in; `[[write:Label|1|{field}]]` prints a
  value on it), `[[tick:Label]]` (a tick box), `[[sign:Parent or carer|For the school]]`
  (signature and date lines), `[[rule]]` and `[[pagebreak]]`.

A template with `family=True` writes one letter for brothers and sisters together; its
name fields join the children ("Amy and Ben") and one child's figures (e.g.
`{attendance_pct}`) are refused by the checker: use `[[figures]]` / `[[chart]]` instead.
Numbers the school sets (targets, notice periods, penalty amounts) come from the policy
through fields such as `{target_pct}` and `{pn_first_amount}`; none is written into a text."""

from __future__ import annotations

import re

MERGE_FIELDS: dict[str, str] = {
    # pupil(s)
    "forename": "Pupil's first name (in a family letter: the children's first names)",
    "surname": "Pupil's surname",
    "full_name": "Pupil's full name (in a family letter: all the children)",
    "class_name": "Pupil's class",
    "year_group": "Pupil's year group (e.g. Year 3, Reception)",
    "dob": "Pupil's date of birth",
    # family
    "parent_names": "The parents or carers the letter is addressed to (Mr and Mrs Example)",
    "salutation": "Greeting, e.g. 'Dear Mr and Mrs Example' or 'Dear Ms Example'",
    "home_address": "The family's address on one line",
    # figures (one child)
    "attendance_pct": "Attendance % in this period",
    "attendance_pct_ytd": "Attendance % this school year to date",
    "sessions_possible": "Sessions (half days) the school was open for the pupil this period",
    "sessions_missed": "Sessions missed this period",
    "days_missed": "School days missed this period (sessions ÷ 2)",
    "sessions_missed_ytd": "Sessions missed this school year to date",
    "authorised_sessions": "Authorised absences this period (sessions)",
    "unauthorised_sessions": "Unauthorised absences this period (sessions)",
    "late_count": "Late arrivals this period (before and after the register closed)",
    "band_name": "The pupil's attendance band this period, from the policy",
    # period and dates
    "period_name": "The period the figures cover (e.g. Autumn 1)",
    "period_start": "First day of the period",
    "period_end": "Last day counted (the period's end, or today if sooner)",
    "year_name": "The school year (e.g. 2025/26)",
    "today": "Today's date",
    # meeting (supplied when the letter is made)
    "meeting_date": "Meeting date (entered when the letter is made)",
    "meeting_time": "Meeting time (entered when the letter is made)",
    "meeting_place": "Meeting place (entered when the letter is made)",
    # school
    "school_name": "School name",
    "school_address": "School address on one line",
    "school_phone": "School telephone number",
    "school_email": "School email address",
    "head_name": "Headteacher's name",
    "attendance_lead": "Attendance lead's name (the headteacher if none is set)",
    # policy settings
    "target_pct": "The school's attendance target %",
    "persistent_absence_pct": "Absence % at which a pupil is persistently absent",
    "monitoring_period": "How often attendance is reviewed (half term, term or year)",
    "monitoring_weeks": "Length of a monitoring period after a warning (weeks)",
    "lateness_monitoring_weeks": "Length of lateness monitoring (weeks)",
    "school_starts": "Time the morning register starts (after it a pupil is late)",
    "register_closes": "Time the morning register closes (after it a late pupil is absent)",
    "report_deadline": "Time by which parents should report an absence",
    "n_code_days": "School days to give a reason before an absence becomes unauthorised",
    "signed_letter_days": "Days absent in a row after which a signed letter is asked for",
    "signed_letter_term_days": "Days absent in a term after which a signed letter is asked for",
    "notice_period": "Notice needed for a leave of absence request (e.g. 2 weeks)",
    "leave_rules": "When leave is never granted, from the policy (one sentence)",
    "authorised_limit_pct": "Authorised absence % above which leave is refused",
    "missing_after_leave_days": "School days after leave ends before a child is missing",
    "pn_sessions": "Unauthorised sessions that may lead to a penalty notice",
    "pn_window_weeks": "The rolling window for those sessions (school weeks)",
    "pn_first_amount": "Penalty notice amount (£)",
    "pn_discount_amount": "Penalty notice amount if paid early (£)",
    "pn_discount_days": "Days to pay the lower amount",
    "pn_pay_days": "Days to pay the full amount",
}

# Fields holding one child's details: refused in letters to a family of several children.
CHILD_FIELDS = frozenset({
    "class_name", "year_group", "dob", "attendance_pct", "attendance_pct_ytd",
    "sessions_possible", "sessions_missed", "days_missed", "sessions_missed_ytd",
    "authorised_sessions", "unauthorised_sessions", "late_count", "band_name",
})
# --- what-if fields (issue 16): one child's values, filled by
# services/whatif_service.letter_values (letter_service._gather) -------------------------
WHATIF_FIELDS: dict[str, str] = {
    "sessions_to_target_term": "Sessions of full attendance needed to reach the school's "
                               "target by the end of this term (or 'not reachable this term')",
    "sessions_to_target_year": "Sessions of full attendance needed to reach the school's "
                               "target by the end of the school year",
    "sessions_to_90_term": "Sessions of full attendance needed to be above 90% (out of "
                           "persistent absence) by the end of this term",
    "sessions_to_90_year": "Sessions of full attendance needed to be above 90% (out of "
                           "persistent absence) by the end of the school year",
    "absences_before_pa": "Sessions that can still be missed this year without becoming "
                          "persistently absent at the year's end",
}
MERGE_FIELDS.update(WHATIF_FIELDS)
CHILD_FIELDS = CHILD_FIELDS | frozenset(WHATIF_FIELDS)
# --- end of the what-if fields ------------------------------------------------------------
# Fields the person making the letter types in (asked for by the Letters screen).
INPUT_FIELDS = ("meeting_date", "meeting_time", "meeting_place")
# Inputs that may be left empty (their paragraph is then left out of the letter).
OPTIONAL_INPUTS = frozenset({"extra:conditions"})
DIRECTIVES = ("signature", "figures", "chart", "write", "tick", "sign", "rule", "pagebreak")
LAYOUTS = ("letter", "form", "certificate")

FIELD_RE = re.compile(r"\{([^{}]*)\}")
EXTRA_RE = re.compile(r"^extra:([a-z][a-z0-9_]*)$")
DIRECTIVE_RE = re.compile(r"^\[\[([a-z]+)(?::(.*))?\]\]$")


def fields_in(body: str) -> list[str]:
    """Every `{...}` name in the text, in order of first use."""
    seen: dict[str, None] = {}
    for m in FIELD_RE.finditer(body):
        seen.setdefault(m.group(1).strip(), None)
    return list(seen)


def extras_in(body: str) -> list[str]:
    """The caller-supplied `{extra:name}` values the text needs."""
    out = []
    for name in fields_in(body):
        m = EXTRA_RE.match(name)
        if m:
            out.append(m.group(1))
    return out


def inputs_needed(body: str) -> list[str]:
    """Values someone must type before the letter can be made: meeting details and extras."""
    names = fields_in(body)
    return [n for n in INPUT_FIELDS if n in names] + [f"extra:{e}" for e in extras_in(body)]


def check_template(body: str, *, family: bool = False) -> list[str]:
    """Problems with a template's text, each naming the field or line; empty when fine."""
    problems: list[str] = []
    if not body.strip():
        return ["the letter has no text"]
    for name in fields_in(body):
        if EXTRA_RE.match(name) or name in MERGE_FIELDS:
            if family and name in CHILD_FIELDS:
                problems.append(
                    f"{{{name}}} is one child's detail; in a letter to a family use "
                    "[[figures]] or [[chart]] for each child's figures")
            continue
        if name.startswith("extra:"):
            problems.append(f"{{{name}}}: an extra value's name uses only lower-case letters, "
                            "digits and _ (like {extra:leave_dates})")
        else:
            hint = _closest(name)
            problems.append(f"{{{name}}} is not a merge field" + (
                f" (did you mean {{{hint}}}?)" if hint else ""))
    depth = 0
    for ch in FIELD_RE.sub("", body):
        if ch in "{}":
            depth += 1
    if depth:
        problems.append("a { or } is not part of a {field}; check the brackets")
    for number, line in enumerate(body.splitlines(), start=1):
        s = line.strip()
        if "[[" in s or "]]" in s:
            m = DIRECTIVE_RE.match(s)
            if not m:
                problems.append(f"line {number}: a block like [[signature]] must be on a line"
                                " of its own, with both [[ and ]]")
            elif m.group(1) not in DIRECTIVES:
                problems.append(f"line {number}: [[{m.group(1)}]] is not a block; use one of "
                                + ", ".join(f"[[{d}]]" for d in DIRECTIVES))
    return problems


def _closest(name: str) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, list(MERGE_FIELDS), n=1, cutoff=0.6)
    return found[0] if found else None


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace every {field}; unknown names are left as they are (the checker refuses them)."""
    return FIELD_RE.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), text)
