"""The pupil file's columns: the fields an import knows, and matching a file's headers to them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# --- pupil fields and header matching ---------------------------------------------


@dataclass(frozen=True, slots=True)
class PupilField:
    """A pupil column the import understands, with the header spellings it accepts."""

    key: str
    label: str
    required: bool
    synonyms: tuple[str, ...] = ()


MAX_CONTACTS = 6  # "Contact 1 ..." to "Contact 6 ..." columns
CONTACT_PARTS = ("name", "relationship", "priority", "phone", "mobile", "work_phone", "email",
                 "address", "postcode", "parental_responsibility")


HOME_KEYS = ("home_address", "home_address2", "home_address3", "home_town", "home_county",
             "home_postcode")


def home_address_fields() -> list[PupilField]:
    """The pupil's own home address (kept as the CTF import keeps it, in PupilHome)."""
    return [
        PupilField("home_address", "Address", False,
                   ("Address", "Home address", "Pupil address", "Address line 1",
                    "Address 1", "Street", "Full address")),
        PupilField("home_address2", "Address line 2", False, ("Address line 2", "Address 2")),
        PupilField("home_address3", "Address line 3", False,
                   ("Address line 3", "Address 3", "Locality")),
        PupilField("home_town", "Town", False, ("Town", "Town or city", "City", "Post town")),
        PupilField("home_county", "County", False, ("County",)),
        PupilField("home_postcode", "Postcode", False,
                   ("Postcode", "Post code", "Home postcode", "Postal code", "Pupil postcode")),
    ]


def contact_fields(n: int) -> list[PupilField]:
    """The columns of the n-th contact (`Contact 2 name`, `Contact 2 mobile`, ...). The
    first contact also answers to the unnumbered spellings older files use."""
    c = f"Contact {n}"
    first = n == 1
    names = {
        "name": (f"{c} name", c, f"Priority {n} contact", f"{c} full name",
                 *(("Contact name", "Primary contact", "Parent name") if first else ())),
        "relationship": (f"{c} relationship", f"{c} relation",
                         *(("Contact relationship", "Relationship", "Parent relationship")
                           if first else ())),
        "priority": (f"{c} priority", f"{c} order", f"{c} contact priority"),
        "phone": (f"{c} phone", f"{c} telephone", f"{c} home phone", f"{c} home telephone",
                  *(("Contact phone", "Contact telephone", "Parent phone", "Phone",
                     "Telephone") if first else ())),
        "mobile": (f"{c} mobile", f"{c} mobile phone",
                   *(("Contact mobile", "Parent mobile", "Mobile") if first else ())),
        "work_phone": (f"{c} work phone", f"{c} work telephone"),
        "email": (f"{c} email", f"{c} email address",
                  *(("Contact email", "Parent email", "Email", "Email address")
                    if first else ())),
        "address": (f"{c} address", f"{c} home address"),
        "postcode": (f"{c} postcode", f"{c} post code"),
        "parental_responsibility": (f"{c} parental responsibility", f"{c} PR",
                                    f"{c} has parental responsibility"),
    }
    word = "First" if first else f"Contact {n}"
    return [PupilField(f"contact{n}_{part}",
                       f"{word} contact {part.replace('_', ' ')}" if first
                       else f"{word} {part.replace('_', ' ')}", False, names[part])
            for part in CONTACT_PARTS]


_FIRST_CONTACT_SHOWN = ("contact1_name", "contact1_relationship", "contact1_phone",
                        "contact1_email")


PUPIL_FIELDS: list[PupilField] = [
    PupilField("upn", "UPN", True, ("UPN", "Unique Pupil Number", "Pupil UPN")),
    PupilField("legal_forename", "Legal forename", True,
               ("Legal Forename", "Forename", "First name", "Firstname", "Given name",
                "Legal first name")),
    PupilField("legal_surname", "Legal surname", True,
               ("Legal Surname", "Surname", "Last name", "Lastname", "Family name",
                "Legal last name")),
    PupilField("preferred_forename", "Preferred forename", False,
               ("Preferred Forename", "Preferred first name", "Known as", "Preferred name")),
    PupilField("preferred_surname", "Preferred surname", False,
               ("Preferred Surname", "Preferred last name")),
    PupilField("dob", "Date of birth", True, ("DOB", "Date of birth", "Birth date",
                                             "Birthdate", "D.O.B.")),
    PupilField("year_group", "Year group", True,
               ("NC Year", "Year", "Year group", "NC year group", "Curriculum year",
                "National curriculum year", "Yr")),
    PupilField("class_name", "Class", False,
               ("Reg Group", "Class", "Registration group", "Reg group name", "Form",
                "Class name", "Tutor group")),
    PupilField("sex", "Sex", False, ("Sex", "Gender")),
    PupilField("admission_date", "Admission date", False,
               ("Admission date", "Date of admission", "Start date", "Entry date",
                "Admitted", "Date of entry")),
    PupilField("leaving_date", "Leaving date", False,
               ("Leaving date", "Date of leaving", "End date", "Left", "Date left")),
    PupilField("sen", "SEN", False, ("SEN", "SEN status", "SEN provision", "SEND",
                                     "SEND status")),
    PupilField("fsm", "FSM", False, ("FSM", "FSM eligible", "Free school meals",
                                     "FSM eligibility")),
    PupilField("pupil_premium", "Pupil premium", False, ("Pupil premium", "PP",
                                                         "Pupil premium eligible")),
    PupilField("looked_after", "Looked after", False,
               ("Looked after", "In care", "CLA", "LAC", "Looked after child")),
    PupilField("child_in_need", "Child in need", False, ("Child in need", "CIN")),
    PupilField("eal", "EAL", False, ("EAL", "English as an additional language",
                                     "First language not English")),
    PupilField("young_carer", "Young carer", False, ("Young carer",)),
    PupilField("ethnicity", "Ethnicity", False, ("Ethnicity", "Ethnic group",
                                                 "Ethnic origin")),
    *(f for f in home_address_fields() if f.key in ("home_address", "home_postcode")),
    *(f for f in contact_fields(1) if f.key in _FIRST_CONTACT_SHOWN),
]
# Matched from the headers but not offered one by one in the import screen's mapping (a
# file from a management system names them plainly: `Contact 3 mobile`, `Town`).
EXTRA_FIELDS: list[PupilField] = [
    *(f for f in home_address_fields() if f not in PUPIL_FIELDS),
    *(f for f in contact_fields(1) if f.key not in _FIRST_CONTACT_SHOWN),
    *(f for n in range(2, MAX_CONTACTS + 1) for f in contact_fields(n)),
]


ALL_FIELDS = PUPIL_FIELDS + EXTRA_FIELDS
FIELDS_BY_KEY = {f.key: f for f in ALL_FIELDS}
FLAG_KEYS = ("fsm", "pupil_premium", "looked_after", "child_in_need", "eal", "young_carer")


def normalise_header(text: str) -> str:
    """Case, spaces and punctuation do not matter: 'Date of Birth' == 'date_of_birth'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _spellings(f: PupilField) -> set[str]:
    return {normalise_header(s) for s in (f.key, f.label, *f.synonyms)}


def guess_mapping(headers: Sequence[str], fields: Sequence[PupilField] = ALL_FIELDS,
                  used: Iterable[str] = ()) -> dict[str, str]:
    """Field key -> the file header that matches it (each header used at most once)."""
    mapping: dict[str, str] = {}
    used = set(used)
    for f in fields:
        wanted = _spellings(f)
        for h in headers:
            if h not in used and normalise_header(h) in wanted:
                mapping[f.key] = h
                used.add(h)
                break
    return mapping
