from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain.policy import PRESETS, Policy, PolicyError, SessionTimes, preset


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_obeys_the_national_rules_and_round_trips(name):
    policy = preset(name)
    policy.validate()
    assert Policy.from_dict(policy.to_dict()) == policy


def test_default_is_lowther_with_its_register_times():
    policy = Policy()
    assert policy.preset == "lowther"
    assert policy.am.late_after == dt.time(9, 0)
    assert policy.am.closes == dt.time(9, 25)
    assert [b.min_pct for b in policy.bands] == [100.0, 96.0, 94.0, 90.0, 0.0]


def test_presets_differ_where_the_seed_policies_differ():
    assert preset("atlp").leave_notice_amount == 4
    assert preset("atlp").leave_notice_unit == "school_weeks"
    assert preset("wessex").leave_notice_amount == 2
    assert preset("one_page").target_pct == 97.0
    assert [b.min_pct for b in preset("vale").bands] == [94.0, 92.0, 90.0, 0.0]


def test_a_register_open_longer_than_30_minutes_is_refused():
    long_am = SessionTimes(dt.time(8, 45), dt.time(9, 0), dt.time(9, 31))
    with pytest.raises(PolicyError, match=r"31 minutes.*at most 30"):
        Policy().replace(am=long_am, pm=SessionTimes(dt.time(13, 0), dt.time(13, 15),
                                                     dt.time(13, 46)))


def test_exactly_30_minutes_is_allowed():
    p = Policy().replace(am=SessionTimes(dt.time(8, 45), dt.time(9, 0), dt.time(9, 30)),
                         pm=SessionTimes(dt.time(13, 0), dt.time(13, 15), dt.time(13, 45)))
    assert p.am.open_minutes() == 30


def test_sessions_must_stay_open_the_same_length():
    with pytest.raises(PolicyError, match="same length"):
        Policy().replace(pm=SessionTimes(dt.time(13, 0), dt.time(13, 15), dt.time(13, 30)))


def test_times_out_of_order_are_refused():
    with pytest.raises(PolicyError, match="marking starts <= late after <= closes"):
        Policy().replace(am=SessionTimes(dt.time(9, 10), dt.time(9, 0), dt.time(9, 25)))


@pytest.mark.parametrize(
    ("pct", "band"),
    [(100.0, "green"), (99.9, "lower_green"), (96.0, "lower_green"), (95.9, "upper_amber"),
     (94.0, "upper_amber"), (93.9, "lower_amber"), (90.0, "lower_amber"), (89.9, "red"),
     (0.0, "red")],
)
def test_lowther_bands_at_their_boundaries(pct, band):
    found = Policy().band_for(pct)
    assert found is not None
    assert found.key == band


def test_no_possible_sessions_has_no_band():
    assert Policy().band_for(None) is None
