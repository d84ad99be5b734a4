"""Guard rails: each letter type goes only to the pupils it fits.

The rules (services/letters/letter_rules.py) on their own, with the figures the issue found
(95.1% for an "outstanding" certificate, 86.1% -> 75.6% for an "improved" letter), and
through the batch (letter_plans.plan_batch) on the small synthetic school of
test_letter_service: Amy 92.9% lower amber with late arrivals, Ben 100%, Cara 85.7% red
with unauthorised absence, Dan and Eve 100%.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain.policy import preset
from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.errors import PermissionDenied
from attendance_desktop.services.letters import (
    letter_layout,
    letter_plans,
    letter_rules,
    letter_service,
)
from attendance_desktop.services.letters.letter_rules import PupilFacts, why_not
from attendance_desktop.services.letters.letter_templates import DEFAULTS
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.trackers import alerts_service
from tests.conftest import HEAD, OFFICE, put_marks
from tests.services.letters.test_letter_service import TODAY, _band_on_running_period, build_school

LOWTHER = preset("lowther")


def _facts(present: int, absent: int, *, previous: tuple[int, int] | None = None,
           on_roll: bool = True, left_on: dt.date | None = None, lateness: str = "none",
           wrote: bool = True) -> PupilFacts:
    prev = None if previous is None else Counts(present=previous[0],
                                                unauthorised=previous[1]).attendance_pct()
    return PupilFacts(1, "Test Child", on_roll, left_on,
                      Counts(present=present, unauthorised=absent), "Autumn 1", prev,
                      lateness, dt.date(2025, 10, 1) if wrote else None)


def _why(key: str, f: PupilFacts, policy=LOWTHER) -> str | None:  # type: ignore[no-untyped-def]
    return why_not(DEFAULTS[key].condition, key, f, policy, "Autumn 2", TODAY)


# --- the rules on their own --------------------------------------------------------------


def test_band_letters_only_for_their_band() -> None:
    full, amber_low, red = _facts(60, 0), _facts(56, 4), _facts(50, 10)  # 100, 93.3, 83.3
    assert "Green (100%)" in (_why("concern_red", full) or "")
    assert "this letter is for Red (below 90%)" in (_why("concern_red", full) or "")
    assert _why("concern_red", red) is None
    assert "Red (below 90%)" in (_why("concern_upper_amber", red) or "")
    assert _why("concern_lower_amber", amber_low) is None
    assert _why("concern_upper_amber", amber_low) is not None


def test_improvement_letters_follow_the_real_comparison() -> None:
    fell = _facts(31, 10, previous=(310, 50))  # 86.1% -> 75.6%
    why = _why("improved_still_concern", fell, preset("one_page"))
    assert why is not None
    assert "86.1%" in why
    assert "75.6%" in why
    assert "not improved" in why
    assert _why("improved_better_band", fell, preset("one_page")) is not None
    assert _why("not_improved_meeting", fell, preset("one_page")) is None
    rose = _facts(55, 5, previous=(50, 10))  # 83.3% red -> 91.7% amber
    assert _why("improved_better_band", rose, preset("one_page")) is None
    assert _why("not_improved_meeting", rose, preset("one_page")) is not None
    # "since we last wrote": no earlier letter, no "improved" letter
    assert "not written" in (_why("improved_better_band", _facts(
        55, 5, previous=(50, 10), wrote=False), preset("one_page")) or "")
    # nothing to compare with
    assert "no figure to compare" in (_why("improved_still_concern", _facts(55, 5),
                                           preset("one_page")) or "")


def test_certificates_need_their_threshold() -> None:
    f = _facts(951, 49)  # 95.1%
    why = _why("certificate_outstanding", f)
    assert why == "95.1% in Autumn 2 is below this certificate's threshold of 99%"
    assert _why("certificate_outstanding", _facts(990, 10)) is None  # 99.0%
    # a figure that rounds up to the threshold still says it is below
    assert "98.99%" in (_why("certificate_outstanding", _facts(9899, 101)) or "")
    assert _why("certificate_full", _facts(60, 0)) is None
    assert _why("certificate_full", _facts(59, 1)) is not None
    relaxed = LOWTHER.replace(certificate_excellent_pct=95.0)
    assert _why("certificate_outstanding", f, relaxed) is None


def test_lateness_letters_only_at_their_level() -> None:
    assert _why("lateness_warning", _facts(60, 0, lateness="concern")) is None
    assert "no lateness concern" in (_why("lateness_warning", _facts(60, 0)) or "")
    assert _why("lateness_written_warning", _facts(60, 0, lateness="concern")) is not None
    assert _why("lateness_written_warning", _facts(60, 0, lateness="significant")) is None
    assert _why("lateness_panel_invite", _facts(60, 0, lateness="escalated")) is None
    unknown = PupilFacts(1, "X", True, None, Counts(present=1), lateness_level=None)
    assert "not known" in (_why("lateness_warning", unknown) or "")


def test_leavers_never_fit() -> None:
    gone = _facts(60, 0, on_roll=False, left_on=dt.date(2025, 11, 14))
    for key in ("half_termly_report", "certificate_full", "leave_granted", "concern_red"):
        assert "left the school on 14 Nov 2025" in (_why(key, gone) or ""), key


def test_atlp_stage_one_also_for_one_unauthorised_absence() -> None:
    atlp = preset("atlp")
    assert _why("atlp_stage1", _facts(59, 1), atlp) is None  # 98.3%, one unauthorised
    full = PupilFacts(1, "X", True, None, Counts(present=60))
    assert _why("atlp_stage1", full, atlp) is not None
    assert _why("atlp_stage2", full, atlp) is not None  # not a concern at all


def test_truancy_warning_needs_an_unauthorised_absence() -> None:
    wessex = preset("wessex")
    assert _why("wessex_truancy_warning", _facts(59, 1), wessex) is None
    full = PupilFacts(1, "X", True, None, Counts(present=60))
    assert "no unauthorised absence" in (_why("wessex_truancy_warning", full, wessex) or "")


def test_every_letter_carries_a_known_condition() -> None:
    for key, d in DEFAULTS.items():
        c = d.condition
        assert c.kind in letter_rules.KINDS, key
        if c.kind == letter_rules.CERTIFICATE:
            assert isinstance(getattr(LOWTHER, c.threshold), float), key
        if c.kind == letter_rules.COMPARISON:
            assert c.comparisons, key
            assert set(c.comparisons) <= set(letter_rules.COMPARISON_LABELS), key


# --- through the batch -------------------------------------------------------------------


@pytest.fixture
def school(engine: Engine, built_once) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return built_once(engine, build_school)  # type: ignore[no-any-return]


def _autumn_two(engine: Engine):  # type: ignore[no-untyped-def]
    """The half term the school's marks are in (named, so the tests do not depend on which
    period the letters default to)."""
    year = calendar_service.year_containing(engine, TODAY)
    assert year is not None
    return next(h for h in year.half_terms if h.name == "Autumn 2")


def test_batch_leaves_out_pupils_a_band_letter_does_not_fit(engine, school) -> None:  # type: ignore[no-untyped-def]
    half = _autumn_two(engine)
    plan = letter_plans.plan_batch(engine, "concern_red", list(school.values()), today=TODAY,
                                     period=half)
    assert [x.pupil_ids for x in plan.letters] == [(school["cara"],)]
    why = {u.name: u.why for u in plan.unfit}
    assert set(why) == {"Amy Example", "Ben Example", "Dan Split", "Eve Alone"}
    assert "92.9%" in why["Amy Example"]
    assert "Lower amber" in why["Amy Example"]
    assert "100.0%" in why["Ben Example"]
    assert "Green" in why["Ben Example"]
    upper = letter_plans.plan_batch(engine, "concern_upper_amber", list(school.values()),
                                      today=TODAY, period=half)
    assert upper.letters == ()
    assert "Red (below 90%)" in next(u.why for u in upper.unfit if u.pupil_id == school["cara"])


def test_band_is_the_one_the_board_shows(engine, school) -> None:  # type: ignore[no-untyped-def]
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, policy.replace(band_period="current"))
    snap = alerts_service.snapshot(engine, TODAY)
    span = snap.pupils[0].period_span
    assert span is not None
    for band, key in policy.band_letters:
        plan = letter_plans.plan_batch(engine, key, list(school.values()), today=TODAY,
                                         period=span)
        fitted = {i for x in plan.letters for i in x.pupil_ids}
        assert fitted == {p.pupil_id for p in snap.pupils if p.band_key == band}, band


def _autumn_one(engine: Engine, codes: dict[int, str]) -> None:
    year = calendar_service.year_containing(engine, TODAY)
    assert year is not None
    first = year.half_terms[0]
    with session_scope(engine) as s:
        cal = calendar_service.read_calendar(s)
    cells = []
    day = first.start
    while day <= first.end:
        if cal.is_open(day, "AM"):
            for pid, code in codes.items():
                cells += [(pid, day, "AM", code), (pid, day, "PM", code)]
        day += dt.timedelta(days=1)
    put_marks(engine, HEAD, cells)


def test_improvement_letters_compare_with_the_previous_period(engine, school) -> None:  # type: ignore[no-untyped-def]
    policy_service.apply_preset(engine, HEAD, "one_page")
    # Autumn 1: Amy absent throughout (red), Cara present throughout (green)
    _autumn_one(engine, {school["amy"]: "O", school["cara"]: "/"})
    half = _autumn_two(engine)
    ids = [school["amy"], school["cara"]]
    better = letter_plans.plan_batch(engine, "improved_better_band", ids, today=TODAY,
                                       period=half)
    # no concern letter was ever sent: "since we last wrote" would be untrue
    assert better.letters == ()
    assert "not written" in next(u.why for u in better.unfit if u.pupil_id == school["amy"])
    for pid in ids:
        letter_service.record_letter(engine, HEAD, "onepage_red", [pid],
                                     today=dt.date(2025, 10, 31))
    better = letter_plans.plan_batch(engine, "improved_better_band", ids, today=TODAY,
                                       period=half)
    assert [x.pupil_ids for x in better.letters] == [(school["amy"],)]
    cara = next(u.why for u in better.unfit if u.pupil_id == school["cara"])
    assert "100.0% in Autumn 1 to 85.7% in Autumn 2" in cara
    worse = letter_plans.plan_batch(engine, "not_improved_meeting", ids, today=TODAY,
                                      period=half, extra={"meeting_date": "x",
                                                          "meeting_time": "y",
                                                          "meeting_place": "z"})
    assert [x.pupil_ids for x in worse.letters] == [(school["cara"],)]


def test_certificates_and_lateness_through_the_batch(engine, school) -> None:  # type: ignore[no-untyped-def]
    ids = list(school.values())
    half = _autumn_two(engine)
    full = letter_plans.plan_batch(engine, "certificate_full", ids, today=TODAY, period=half)
    assert {x.pupil_ids[0] for x in full.letters} == {school[k] for k in ("ben", "dan", "eve")}
    out = letter_plans.plan_batch(engine, "certificate_outstanding", ids, today=TODAY,
                                    period=half)
    assert school["amy"] not in {x.pupil_ids[0] for x in out.letters}
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, policy.replace(certificate_excellent_pct=92.0))
    out = letter_plans.plan_batch(engine, "certificate_outstanding", ids, today=TODAY,
                                    period=half)
    assert school["amy"] in {x.pupil_ids[0] for x in out.letters}
    late = letter_plans.plan_batch(engine, "lateness_warning", ids, today=TODAY, period=half)
    assert [x.pupil_ids for x in late.letters] == [(school["amy"],)]
    assert "no lateness concern" in next(u.why for u in late.unfit
                                         if u.pupil_id == school["ben"])
    written = letter_plans.plan_batch(engine, "lateness_written_warning", ids, today=TODAY)
    assert written.letters == ()


def _run(engine, actor, plan, out: Path):  # type: ignore[no-untyped-def]
    gen = letter_service.run_batch(engine, actor, plan, today=TODAY, out_dir=out,
                                   cancel=CancelToken())
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


def test_leavers_left_out_unless_the_head_includes_them_with_a_reason(  # type: ignore[no-untyped-def]
        engine, school, tmp_path) -> None:
    with session_scope(engine) as s:
        dan = s.get(Pupil, school["dan"])
        assert dan is not None
        dan.leaving_date = dt.date(2025, 11, 14)
        s.add(dan)
    ids = list(school.values())
    plan = letter_plans.plan_batch(engine, "half_termly_report", ids, today=TODAY)
    assert school["dan"] not in {i for x in plan.letters for i in x.pupil_ids}
    assert [u.why for u in plan.unfit] == [
        "left the school on 14 Nov 2025 (off roll on the letter date)"]
    reason = "Final report for the family, asked for by his new school"
    plan = letter_plans.plan_batch(engine, "half_termly_report", ids, today=TODAY,
                                     include={school["dan"]: reason})
    assert plan.unfit == ()
    assert plan.included == ((school["dan"], "left the school on 14 Nov 2025 (off roll on "
                              "the letter date)", reason),)
    assert school["dan"] in {i for x in plan.letters for i in x.pupil_ids}
    with pytest.raises(PermissionDenied):  # only the head includes a pupil
        _run(engine, OFFICE, plan, tmp_path)
    result = _run(engine, HEAD, plan, tmp_path)
    assert result.letters_made == len(plan.letters)
    logged = [e for e in audit_service.list_access(engine, HEAD)
              if "outside its conditions" in e.what]
    assert len(logged) == 1
    assert logged[0].pupils == 1
    assert reason in logged[0].details
    assert "left the school" in logged[0].details
    assert logged[0].staff_name == HEAD.name
    # a blank reason includes no one
    blank = letter_plans.plan_batch(engine, "half_termly_report", ids, today=TODAY,
                                      include={school["dan"]: "  "})
    assert [u.pupil_id for u in blank.unfit] == [school["dan"]]


def test_wording_preview_is_shown_for_a_pupil_the_letter_fits(engine, school) -> None:  # type: ignore[no-untyped-def]
    _band_on_running_period(engine)  # the school's figures are Autumn 2's, under way
    assert letter_layout.preview_pupil(engine, "concern_red", TODAY) == (school["cara"], "")
    pid, note = letter_layout.preview_pupil(engine, "concern_upper_amber", TODAY)
    assert note.startswith("No pupil fits this letter today; it is shown for ")
    assert "this letter is for Upper amber" in note
    assert pid in school.values()


def test_certificate_thresholds_are_checked_policy_settings() -> None:
    from attendance_desktop.domain.policy import PolicyError

    assert preset("wessex").certificate_excellent_pct == 99.0  # "99% or higher" (seed 001)
    for name in ("lowther", "atlp", "one_page", "vale"):
        assert preset(name).certificate_full_pct == 100.0
    with pytest.raises(PolicyError):
        LOWTHER.replace(certificate_excellent_pct=101.0).validate()
    with pytest.raises(PolicyError):
        LOWTHER.replace(certificate_excellent_pct=0.0).validate()
    LOWTHER.replace(certificate_excellent_pct=97.5).validate()
