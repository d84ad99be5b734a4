"""The harness's garbage handling (tests/conftest.py): no automatic collection during a
test, and each test's garbage collected when it ends, so a file it left unclosed in a
reference cycle (freed only by the collector) fails that test and not a later one. Run in
a separate pytest run with the suite's own fixtures and warning filters."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TESTS = '''
import gc


def test_a_runs_without_automatic_collection():
    assert not gc.isenabled()


def test_b_leaves_a_file_open_in_a_cycle(tmp_path):
    holder = {"file": open(tmp_path / "left-open.txt", "w")}
    holder["self"] = holder  # only the collector can free it


def test_c_is_clean(tmp_path):
    with open(tmp_path / "closed.txt", "w") as f:
        f.write("closed")
'''


def test_an_unclosed_file_fails_the_test_that_left_it(pytester: pytest.Pytester,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(textwrap.dedent("""
        from tests.conftest import pytest_collection  # noqa: F401
        from tests.conftest import _collect_after_each_test, _no_automatic_collection  # noqa: F401
    """))
    pytester.makeini(textwrap.dedent("""
        [pytest]
        filterwarnings =
            error::ResourceWarning
            error::pytest.PytestUnraisableExceptionWarning
    """))
    pytester.makepyfile(test_garbage=TESTS)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT),
                                                      os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    out = result.stdout.str()
    result.assert_outcomes(passed=3, errors=1)  # b's teardown reports it
    assert "ERROR at teardown of test_b_leaves_a_file_open_in_a_cycle" in out, out
    assert "left-open.txt" in out, out
