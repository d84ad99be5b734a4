"""The chronology on the PostgreSQL test server: the same service tests, the append-only
guard and the chain (issue 16 point 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from attendance_desktop.services.register import integrity_service
from attendance_desktop.services.trackers import chronology_service
from tests.conftest import HEAD
from tests.db.pg_fixtures import requires_pg
from tests.services.trackers.test_chronology_service import (  # noqa: F401 (run here on PostgreSQL)
    family,
    test_family_is_linked_through_parental_responsibility,
    test_search_by_words_and_kinds,
    test_the_family_view_merges_siblings_and_shows_a_family_letter_once,
    test_the_timeline_reads_every_record_in_date_order,
)

pytestmark = requires_pg


@pytest.fixture
def engine(pg_engine):  # type: ignore[no-untyped-def]
    """The chronology tests' own engine fixture, on the PostgreSQL test server."""
    return pg_engine


def test_append_only_and_chained_on_postgresql(engine, family) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first = chronology_service.add_entry(engine, HEAD, family["ana"], "social_care",
                                         dt.date(2025, 11, 10), details="Referral made")
    for statement in ("UPDATE chronologyentry SET details = 'x'", "DELETE FROM chronologyentry"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    chronology_service.add_entry(engine, HEAD, family["ana"], "social_care",
                                 dt.date(2025, 11, 10), outcome="No further action",
                                 details="Referral made", corrects_id=first)
    assert integrity_service.check(engine, record=False).ok
    got = chronology_service.entries_between(engine, ["social_care"], dt.date(2025, 9, 1),
                                             dt.date(2025, 12, 1))
    assert [e.outcome for e in got] == ["No further action"]
