"""A batch is written to disk as it is made: one file per family, the combined file in
parts, the letters log filled from the files; cancelled or failed, nothing is kept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import LetterLog
from attendance_desktop.domain.progress import Cancelled, CancelToken
from attendance_desktop.services.letters import letter_batch, letter_plans, letter_service
from tests.conftest import HEAD
from tests.services.letters.test_letter_service import TODAY, build_school, pdf_text


@pytest.fixture
def pupils(engine: Engine, built_once) -> list[int]:  # type: ignore[no-untyped-def]
    return list(built_once(engine, build_school).values())


def _pages(path: Path) -> int:
    return len(PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_combined_file_in_parts_and_the_log_holds_each_file(engine, pupils, tmp_path,  # type: ignore[no-untyped-def]
                                                            monkeypatch) -> None:
    monkeypatch.setattr(letter_batch, "COMBINED_PART", 3)
    monkeypatch.setattr(letter_service, "GATHER_CHUNK", 2)  # figures gathered in chunks
    plan = letter_plans.plan_batch(engine, "half_termly_report", pupils, today=TODAY)
    gen = letter_service.run_batch(engine, HEAD, plan, today=TODAY, out_dir=tmp_path,
                                   cancel=CancelToken())
    labels = []
    try:
        while True:
            labels.append(next(gen).label)
    except StopIteration as stop:
        result = stop.value
    assert result.letters_made == 5  # Amy and Ben share one; Dan's parents live apart
    assert labels[-1] == "Recording the letters in the letters log…"
    assert [p.name for p in result.combined_parts] == [
        "All 5 letters, part 1 of 2 (letters 1-3).pdf",
        "All 5 letters, part 2 of 2 (letters 4-5).pdf"]
    assert result.combined_pdf == result.combined_parts[0]
    assert sum(_pages(p) for p in result.combined_parts) == sum(
        _pages(p) for p in result.letter_pdfs)
    with session_scope(engine) as s:
        logged = {r.id: r.pdf for r in s.exec(select(LetterLog))}
    assert sorted(logged) == sorted(result.log_ids)
    assert sorted(logged.values()) == sorted(p.read_bytes() for p in result.letter_pdfs)
    for letter, path in zip(plan.letters, result.letter_pdfs, strict=True):
        text = pdf_text(path.read_bytes())
        assert all(name in text for name in letter.pupil_names), path.name
        assert letter.salutation in text


def test_one_combined_file_for_a_normal_batch(engine, pupils, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = letter_plans.plan_batch(engine, "half_termly_report", pupils, today=TODAY)
    gen = letter_service.run_batch(engine, HEAD, plan, today=TODAY, out_dir=tmp_path,
                                   cancel=CancelToken())
    result = None
    while result is None:
        try:
            next(gen)
        except StopIteration as stop:
            result = stop.value
    assert result.combined_pdf.name == "All 5 letters.pdf"
    assert result.combined_parts == (result.combined_pdf,)


def test_cancel_midway_removes_the_files_already_written(engine, pupils, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = letter_plans.plan_batch(engine, "half_termly_report", pupils, today=TODAY)
    token = CancelToken()
    gen = letter_service.run_batch(engine, HEAD, plan, today=TODAY, out_dir=tmp_path / "out",
                                   cancel=token)
    next(gen)
    next(gen)
    next(gen)  # two letters written
    assert len(list((tmp_path / "out").rglob("*.pdf"))) == 2
    token.cancel()
    with pytest.raises(Cancelled):
        next(gen)
    assert list((tmp_path / "out").rglob("*")) == []
    with session_scope(engine) as s:
        assert s.exec(select(LetterLog)).all() == []
