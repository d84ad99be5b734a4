"""Making a record object stays cheap: no table model's default makes pydantic parse a
built-in's text signature (it asks a default factory for its signature every time an
object is made: for `datetime.now` that was ~100 us, 80% of making a Mark)."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from attendance_desktop.db import models


def _tables() -> list[type]:
    return [c for c in vars(models).values()
            if isinstance(c, type) and issubclass(c, models.SQLModel) and hasattr(c, "__table__")]


def _with_factories() -> list[type]:
    return [t for t in _tables()
            if any(f.default_factory is not None for f in t.model_fields.values())]


def test_some_tables_have_default_factories() -> None:
    assert models.Mark in _with_factories()  # entered_at
    assert len(_with_factories()) >= 10


@pytest.mark.parametrize("table", _with_factories(), ids=lambda t: t.__name__)
def test_making_a_record_parses_no_text_signature(table: type,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = inspect._signature_fromstr  # type: ignore[attr-defined]

    def spy(cls, obj, s, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(s)
        return real(cls, obj, s, *args, **kwargs)

    monkeypatch.setattr(inspect, "_signature_fromstr", spy)
    before = dt.datetime.now()
    record = table()
    assert parsed == []
    for name, field in table.model_fields.items():
        if field.default_factory is not None:
            value = getattr(record, name)
            assert isinstance(value, dt.datetime), (table.__name__, name)
            assert value.tzinfo is None  # naive local time, as everywhere
            assert before <= value <= dt.datetime.now()
