"""The Today page: the first thing the office sees in the morning."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from attendance_desktop.domain.stats import format_pct
from attendance_desktop.services import dashboard_service
from attendance_desktop.services.context import AppContext


class TodayWidget(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("todayHeading")
        layout.addWidget(self.heading)
        box = QGroupBox("At a glance")
        self.grid = QGridLayout(box)
        self.values: dict[str, QLabel] = {}
        rows = [
            ("on_roll", "Pupils on roll"),
            ("year_pct", "Attendance this academic year"),
            ("persistent", "Persistently absent (10%+ missed)"),
            ("severe", "Severely absent (50%+ missed)"),
            ("n_today", "Absent with no reason yet (N) today"),
            ("late_today", "Late marks today (L and U)"),
            ("unmarked", "Pupils without a mark this session"),
        ]
        for row, (key, label) in enumerate(rows):
            name = QLabel(label)
            value = QLabel()
            value.setObjectName(f"value_{key}")
            value.setAccessibleName(label)
            value.setStyleSheet("font-size: 14pt; font-weight: 600;")
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(value, row, 1)
            self.values[key] = value
        self.grid.setColumnStretch(2, 1)
        layout.addWidget(box)
        refresh = QPushButton("&Refresh")
        refresh.setToolTip("Read the figures again from the database (F5)")
        refresh.setShortcut("F5")
        refresh.clicked.connect(self.refresh)
        layout.addWidget(refresh)
        layout.addStretch(1)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        s = dashboard_service.today_summary(self.ctx.engine, self.ctx.today())
        demo = " <span style='color:#8a5a00'>(demo school: synthetic data)</span>" \
            if s.is_demo else ""
        status = "a school day" if s.is_school_day else "not a school day"
        self.heading.setText(f"<h2>{s.school_name}{demo}</h2>"
                             f"<p>{s.today:%A %d %B %Y} — {status}</p>")
        since = f" (since {s.year_from:%d %b %Y})" if s.year_from else ""
        self.values["on_roll"].setText(str(s.on_roll))
        self.values["year_pct"].setText(format_pct(s.year_attendance_pct) + since)
        self.values["persistent"].setText(str(s.persistent))
        self.values["severe"].setText(str(s.severe))
        self.values["n_today"].setText(str(s.n_today))
        self.values["late_today"].setText(str(s.late_today))
        self.values["unmarked"].setText(f"morning {s.unmarked_am}, afternoon {s.unmarked_pm}")
