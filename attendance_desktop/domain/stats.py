"""Attendance arithmetic on counts of sessions (DfE definitions, see docs/dfe_rules.md §2).

The counting itself happens in SQL (services.stats_service); this module turns counts
into percentages and flags, in one place, with exact integer comparisons at boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class Counts:
    present: int = 0
    approved: int = 0
    authorised: int = 0
    unauthorised: int = 0
    not_counted: int = 0
    late_l: int = 0
    late_u: int = 0
    minutes_late: int = 0
    by_code: dict[str, int] = field(default_factory=dict)

    @property
    def possible(self) -> int:
        return self.present + self.approved + self.authorised + self.unauthorised

    @property
    def attended(self) -> int:
        return self.present + self.approved

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def marked(self) -> int:
        return self.possible + self.not_counted

    def attendance_pct(self) -> float | None:
        """Exact attendance percentage, None when there were no possible sessions."""
        if self.possible == 0:
            return None
        return 100.0 * self.attended / self.possible

    def attendance_pct_1dp(self) -> float | None:
        """Attendance to one decimal place, rounding halves up (as shown to people)."""
        if self.possible == 0:
            return None
        value = Decimal(100 * self.attended) / Decimal(self.possible)
        return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    def absence_pct(self) -> float | None:
        if self.possible == 0:
            return None
        return 100.0 * self.absent / self.possible

    def authorised_pct(self) -> float | None:
        if self.possible == 0:
            return None
        return 100.0 * self.authorised / self.possible

    def missed_at_least(self, pct: float) -> bool:
        """True when absence is at least pct% of possible sessions (exact comparison)."""
        if self.possible == 0:
            return False
        return Decimal(100 * self.absent) >= Decimal(str(pct)) * self.possible

    def persistent(self, threshold_pct: float = 10.0) -> bool:
        return self.missed_at_least(threshold_pct)

    def severe(self, threshold_pct: float = 50.0) -> bool:
        return self.missed_at_least(threshold_pct)

    def __add__(self, other: Counts) -> Counts:
        codes = dict(self.by_code)
        for k, v in other.by_code.items():
            codes[k] = codes.get(k, 0) + v
        return Counts(
            self.present + other.present, self.approved + other.approved,
            self.authorised + other.authorised, self.unauthorised + other.unauthorised,
            self.not_counted + other.not_counted, self.late_l + other.late_l,
            self.late_u + other.late_u, self.minutes_late + other.minutes_late, codes,
        )


def format_pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
