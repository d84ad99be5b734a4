"""The fast canonical form of mark writes (db/chains.mark_forms) is byte for byte the
general canonicaliser's, for every kind of value a write can hold, so ledgers written by
the fast path verify exactly as before."""

from __future__ import annotations

import datetime as dt
import random

from attendance_desktop.db import chains

TEXTS = ["", "a", 'quote " and \\ backslash', "line\nbreak\ttab\x01", "Ünïcødé 😀 ß",
         "O'Brien", "</script>", "\u2028"]


def _writes(n: int) -> list[tuple[object, ...]]:
    rng = random.Random(12)
    out = []
    for _ in range(n):
        out.append((
            rng.choice([1, 2, 3000, 2 ** 40]),
            rng.choice([dt.date(2025, 1, 2), "2025-01-03", "2025-01-03 00:00:00.000000"]),
            rng.choice(["AM", "PM"]), rng.choice(["/", "\\", "#", "", "Y4"]),
            rng.choice([None, 0, 5, 720, True, 3.0, "7"]),
            rng.choice(TEXTS), rng.choice(TEXTS), rng.choice(TEXTS), rng.choice(TEXTS),
            rng.choice([dt.datetime(2025, 1, 2, 9, 0), dt.datetime(2025, 1, 2, 9, 0, 0, 123),
                        "2025-01-02 09:00:00", "2025-01-02T09:00:00.500000", None])))
    return out


def test_fast_forms_equal_the_canonicaliser() -> None:
    canon = chains.canonicaliser(chains.MARK.fields)
    writes = _writes(3000)
    forms = list(chains.mark_forms(writes))
    assert len(forms) == len(writes)
    for w, (values, text) in zip(writes, forms, strict=True):
        assert text == canon(w)
        assert chains.canonicaliser(chains.MARK.fields)(values) == text  # stored form too


def test_chained_rows_link_like_link_hash() -> None:
    writes = _writes(50)
    rows = chains.chain_marks("start", writes)
    prev = "start"
    canon = chains.canonicaliser(chains.MARK.fields)
    for w, row in zip(writes, rows, strict=True):
        assert row[-2] == prev
        assert row[-1] == chains.link_hash(prev, canon(w))
        prev = row[-1]
