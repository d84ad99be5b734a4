"""Synthetic Common Transfer Files in the DfE element structure (invented people only:
phone numbers from Ofcom's drama ranges, emails at example.com)."""

from __future__ import annotations

import datetime as dt

from attendance_desktop.domain.upn import with_check_letter

# LA 201 (City of London) exists in every list; the establishment numbers are invented.
UPN_A = with_check_letter("201200125001")
UPN_B = with_check_letter("201200125002")
UPN_C = with_check_letter("201200125003")


def header(version: str = "25.0", when: str = "2026-01-12T09:30:00",
           sex_tag: str = "Sex") -> str:
    return f"""<Header>
  <DocumentName>Common Transfer File</DocumentName>
  <CTFversion>{version}</CTFversion>
  <DateTime>{when}</DateTime>
  <DocumentQualifier>partial</DocumentQualifier>
  <SupplierID>Example MIS</SupplierID>
  <SourceSchool><LEA>201</LEA><Estab>2999</Estab><URN>999001</URN>
    <SchoolName>Brookfield Primary</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
  <DestSchool><LEA>201</LEA><Estab>2998</Estab></DestSchool>
</Header>"""


def marks_from(start: dt.date, codes: dict[dt.date, str], end: dt.date) -> str:
    """A marks string: weekdays get the code given for that day (AM and PM) or '/\\'."""
    out = []
    day = start
    while day <= end:
        if day.weekday() >= 5:
            out.append("--")
        else:
            c = codes.get(day, "")
            out.append(c * 2 if c else "/\\")
        day += dt.timedelta(days=1)
    return "".join(out)


def pupil(upn: str = UPN_A, forename: str = "Isla", surname: str = "Marwood",
          dob: str = "2017-04-03", sex: str = "F", nc: str = "3", *, sex_tag: str = "Sex",
          names_in_basic: bool = False, contacts: str | None = None,
          attendance: str = "", extra: str = "", sen: str = "K", fsm: bool = True,
          preferred: str = "Izzy") -> str:
    pref = f"<PreferredForename>{preferred}</PreferredForename>" if preferred else ""
    basic = f"""<BasicDetails>{pref if names_in_basic else ''}<NCyearActual>{nc}</NCyearActual>
      <Ethnicity>WBRI</Ethnicity><EnrolStatus>C</EnrolStatus></BasicDetails>"""
    if contacts is None:
        contacts = CONTACTS
    fsm_xml = ("<FSMhistory><FSMinstance><FSMstartDate>2024-09-02</FSMstartDate>"
               "<UKcountry>ENG</UKcountry></FSMinstance></FSMhistory>") if fsm else ""
    return f"""<Pupil>
  <UPN>{upn}</UPN><Surname>{surname}</Surname><Forename>{forename}</Forename>
  {'' if names_in_basic else pref}
  <DOB>{dob}</DOB><{sex_tag}>{sex}</{sex_tag}>
  {basic}
  {fsm_xml}
  <SENhistory><SEN><StartDate>2024-09-02</StartDate><SENprovision>{sen}</SENprovision></SEN>
  </SENhistory>
  <Address><BS7666Address><PAON>14</PAON><Street>Larkspur Lane</Street>
    <Town>Exampleton</Town></BS7666Address><PostCode>ZZ1 4AB</PostCode></Address>
  <Phones><Phone><TelephoneType>H</TelephoneType><PhoneNo>01632 960111</PhoneNo></Phone></Phones>
  <Email>marwood.family@example.com</Email>
  {contacts}
  {attendance}
  {extra}
</Pupil>"""


CONTACTS = """<Contacts>
  <Contact><Order>1</Order><Title>Ms</Title><Surname>Marwood</Surname><Forename>Jane</Forename>
    <Relationship>PAM</Relationship><Responsibility>true</Responsibility>
    <Address><AddressAsPupil>true</AddressAsPupil></Address>
    <Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900123</PhoneNo></Phone>
    </Phones><Email>jane.marwood@example.com</Email></Contact>
  <Contact><Order>2</Order><Surname>Okafor</Surname><Forename>Tunde</Forename>
    <Relationship>PAF</Relationship><Responsibility>false</Responsibility>
    <Address><AddressLines><AddressLine1>3 Quarry Row</AddressLine1>
      <AddressLine2>Sampleford</AddressLine2></AddressLines><PostCode>ZZ9 9XY</PostCode></Address>
    <Phones><Phone><TelephoneType>W</TelephoneType><PhoneNo>0113 496 0999</PhoneNo></Phone>
    </Phones></Contact>
</Contacts>"""


def year(year: int = 2025, possible: int = 60, attended: int = 50, auth: int = 4,
         unauth: int = 6, start: str = "", marks: str = "") -> str:
    detail = (f"<AttendanceStartDate>{start}</AttendanceStartDate>"
              f"<AttendanceMarks>{marks}</AttendanceMarks>") if marks else ""
    return f"""<YearData><Year>{year}</Year><LEA>201</LEA><Estab>2999</Estab>
  <SchoolName>Brookfield Primary</SchoolName><SessionsPossible>{possible}</SessionsPossible>
  <SessionsAuthorised>{auth}</SessionsAuthorised><SessionsAttended>{attended}</SessionsAttended>
  <SessionsUnauthorised>{unauth}</SessionsUnauthorised>{detail}</YearData>"""


def ctf(*pupils: str, head: str | None = None) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>' + (head or header())
            + "<CTFpupilData>" + "".join(pupils) + "</CTFpupilData></CTfile>")
