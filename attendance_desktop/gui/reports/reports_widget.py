"""The Reports page: attendance for a half term, term, year or chosen dates, for staff
and governors, with a PDF for governors and a CSV of any table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.progress import CancelToken
from attendance_desktop.gui import theme
from attendance_desktop.gui.navigator import Navigator
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.gui.reports.charts_widget import ChartsWidget
from attendance_desktop.gui.reports.packs_menu import PacksButton
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pdf.letterhead import Letterhead
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.reports import (
    census_service,
    report_periods,
    report_service,
    report_tables,
)
from attendance_desktop.services.reports.chart_data import chart_csv
from attendance_desktop.services.reports.report_pdf import render_report_pdf
from attendance_desktop.services.reports.report_service import Report
from attendance_desktop.services.reports.report_tables import TABLE_TITLES, pct, points
from attendance_desktop.services.school import calendar_service, school_service

CUSTOM = "custom"
# Tabs in reading order; the whole-school figures are also in the summary above them.
TAB_KEYS = ("whole_school", "classes", "year_groups", "pupil_groups", "codes", "weekdays",
            "persistent_absence", "severe_absence", "comparison", "benchmarks")
PUPIL_TABS = {"persistent_absence": "persistent", "severe_absence": "severe"}
# Short tab names so every tab shows at 1366×768; the full title is the tab's tooltip.
TAB_NAMES = {"whole_school": "Whole school", "classes": "Classes", "year_groups": "Year groups",
             "pupil_groups": "Pupil groups", "codes": "Codes", "weekdays": "Weekdays",
             "persistent_absence": "PA pupils", "severe_absence": "SA pupils",
             "comparison": "Previous period", "benchmarks": "Benchmarks"}
TEXT_COLUMNS = {"Scope", "Class", "Year group", "Group", "Code", "Meaning", "Category", "Day",
                "Session", "Pupil", "Year", "Measure", "Benchmark"}


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class ReportsWidget(QWidget):
    def __init__(self, ctx: AppContext, navigator: Navigator | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.navigator = navigator or Navigator(ctx)
        self.report: Report | None = None
        self.task: BackgroundTask | None = None
        layout = QVBoxLayout(self)

        heading = QLabel("<h2>Attendance reports</h2>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)

        bar = QHBoxLayout()
        period_label = QLabel("&Period:")
        bar.addWidget(period_label)
        self.period = QComboBox()
        self.period.setAccessibleName("Report period")
        self.period.setToolTip("The half term, term or year to report on, or your own dates")
        self.period.setMinimumContentsLength(22)  # the list shows the whole names
        self.period.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        period_label.setBuddy(self.period)
        bar.addWidget(self.period, 1)
        # dates and the age filter on a second row: the page fits at 125-150% scaling
        dates = QHBoxLayout()
        from_label = QLabel("&From")
        dates.addWidget(from_label)
        self.start = QDateEdit()
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("dd/MM/yyyy")
        self.start.setAccessibleName("First day of the report")
        self.start.setToolTip("First day (for custom dates)")
        from_label.setBuddy(self.start)
        dates.addWidget(self.start)
        to_label = QLabel("&to")
        dates.addWidget(to_label)
        self.end = QDateEdit()
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("dd/MM/yyyy")
        self.end.setAccessibleName("Last day of the report")
        self.end.setToolTip("Last day, included (for custom dates)")
        to_label.setBuddy(self.end)
        dates.addWidget(self.end)
        self.compulsory = QCheckBox("&Compulsory school age only")
        self.compulsory.setAccessibleName("Compulsory school age only")
        self.compulsory.setToolTip("Leave out sessions before each pupil reached compulsory "
                                   "school age (the DfE headline figures do this)")
        dates.addWidget(self.compulsory)
        dates.addStretch(1)
        self.build_button = QPushButton("&Build report")
        self.build_button.setAccessibleName("Build report")
        self.build_button.setToolTip("Count the registers for this period (F5)")
        self.build_button.setShortcut(QKeySequence("F5"))
        self.build_button.setDefault(True)
        self.build_button.setIcon(theme.icon("refresh"))
        self.build_button.clicked.connect(self.build)
        bar.addWidget(self.build_button)
        layout.addLayout(bar)
        layout.addLayout(dates)

        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Report summary")
        theme.set_role(self.summary, "panel")  # palette colours: reads in dark too
        layout.addWidget(self.summary)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Report tables")
        self.tables: dict[str, QTableWidget] = {}
        for key in TAB_KEYS:
            table = QTableWidget()
            table.setObjectName(f"report_{key}")
            table.setAccessibleName(TABLE_TITLES[key])
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setAlternatingRowColors(True)
            table.verticalHeader().setVisible(False)
            table.verticalHeader().setDefaultSectionSize(24)
            table.horizontalHeader().setSectionResizeMode(
                QHeaderView.ResizeMode.ResizeToContents)
            if key in PUPIL_TABS:
                table.setToolTip("Enter or double-click opens the pupil's profile")
                table.activated.connect(self.open_pupil)
            self.tables[key] = table
            index = self.tabs.addTab(table, TAB_NAMES[key])
            self.tabs.setTabToolTip(index, TABLE_TITLES[key])
        # Charts and trends after the tables (counted in the background once built)
        self.charts = ChartsWidget(ctx)
        self.charts.samePointReady.connect(self._same_point_ready)
        self.tabs.addTab(self.charts, "C&harts")
        self.tabs.addTab(self.charts.trends, "T&rends")
        layout.addWidget(self.tabs, 1)

        notes = QHBoxLayout()  # above the buttons, so the buttons' row fits narrow windows
        out = QHBoxLayout()
        self.anonymise = QCheckBox("Pupils by &initials in saved files")
        self.anonymise.setChecked(True)
        self.anonymise.setAccessibleName("Pupils by initials in saved files")
        self.anonymise.setToolTip("Governors' reports should not name pupils: the PDF and CSV "
                                  "files show initials unless you untick this")
        notes.addWidget(self.anonymise)
        notes.addStretch(1)
        self.status = QLabel()
        self.status.setAccessibleName("Report status")
        notes.addWidget(self.status)
        out.addStretch(1)
        self.csv_button = QPushButton("Save table as C&SV…")
        self.csv_button.setAccessibleName("Save table as CSV")
        self.csv_button.setIcon(theme.icon("export"))
        self.csv_button.setToolTip("Save the table on the open tab as a CSV file (Ctrl+Shift+S)")
        self.csv_button.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.csv_button.clicked.connect(self.save_csv)
        out.addWidget(self.csv_button)
        self.all_csv_button = QPushButton("Save &all tables as CSV…")
        self.all_csv_button.setAccessibleName("Save all tables as CSV")
        self.all_csv_button.setToolTip("Save every table as its own CSV file in a folder you "
                                       "choose")
        self.all_csv_button.clicked.connect(self.save_all_csv)
        out.addWidget(self.all_csv_button)
        self.pdf_button = QPushButton("Save &PDF for governors…")
        self.pdf_button.setAccessibleName("Save PDF for governors")
        self.pdf_button.setToolTip("Save the whole report as an A4 PDF (Ctrl+P)")
        self.pdf_button.setShortcut(QKeySequence("Ctrl+P"))
        self.pdf_button.clicked.connect(self.save_pdf)
        out.addWidget(self.pdf_button)
        self.census_button = QPushButton("C&ensus export…")
        self.census_button.setAccessibleName("Census export")
        self.census_button.setToolTip("Save each pupil's school census attendance figures for "
                                      "a term as CSV, for the census return")
        self.census_button.clicked.connect(self.export_census)
        out.addWidget(self.census_button)
        self.packs = PacksButton(ctx, self.chosen_period)
        self.packs.saved.connect(self.status.setText)
        out.addWidget(self.packs)
        layout.addLayout(notes)
        layout.addLayout(out)

        self.start.setDate(_qdate(ctx.today()))  # for a school with no calendar yet
        self.end.setDate(_qdate(ctx.today()))
        self._fill_periods()
        self.period.currentIndexChanged.connect(self._period_changed)
        self._period_changed()
        self._set_ready(False)
        self.summary.setText("Choose a period and press <b>Build report</b> (F5).")
        if self.missing:
            self.summary.setText(f"<b>{self.missing}</b><br>Custom dates still work.")
        self.build()

    # -- periods -----------------------------------------------------------------------
    def _fill_periods(self) -> None:
        self.period.clear()
        self.missing = calendar_service.missing_term_dates(self.ctx.engine, self.ctx.today())
        self.options = report_periods.period_options(self.ctx.engine, self.ctx.today())
        for i, option in enumerate(self.options):
            self.period.addItem(option.label, i)
        self.period.addItem("Custom dates…", CUSTOM)

    def chosen_period(self) -> report_periods.ReportPeriod:
        data = self.period.currentData()
        if data == CUSTOM:
            return report_periods.custom_period(_pydate(self.start.date()),
                                                _pydate(self.end.date()))
        return self.options[int(data)]

    @Slot()
    def _period_changed(self) -> None:
        custom = self.period.currentData() == CUSTOM
        self.start.setEnabled(custom)
        self.end.setEnabled(custom)
        if not custom and self.period.currentIndex() >= 0 and self.options:
            p = self.options[int(self.period.currentData())]
            self.start.setDate(_qdate(p.start))
            self.end.setDate(_qdate(p.end))
        elif custom:
            self.start.setFocus()

    # -- building ----------------------------------------------------------------------
    @Slot()
    def build(self) -> None:
        if self.task is not None and self.task.running:
            return
        try:
            period = self.chosen_period()
        except ServiceError as exc:
            QMessageBox.warning(self, "Reports", f"Cannot build the report: {exc}.")
            return
        engine, today, compulsory = self.ctx.engine, self.ctx.today(), self.compulsory.isChecked()

        def job(token: CancelToken) -> Any:
            return (yield from report_service.build_report(
                engine, period, compulsory_only=compulsory, today=today, token=token))

        self.status.setText("Counting…")
        self.build_button.setEnabled(False)
        self.task = BackgroundTask(self, "Building the report", job)
        self.task.succeeded.connect(self._built)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)
        self.task.ended.connect(self._ended)
        self.task.start()

    @Slot(object)
    def _built(self, report: Report) -> None:
        if not isinstance(report, Report):
            return
        self.report = report
        self._show(report)
        self._set_ready(True)
        self.status.setText(f"{report.school.pupils} pupils · {report.school.possible} "
                            "possible sessions")
        self.charts.load(report)

    @Slot()
    def _same_point_ready(self) -> None:
        if self.report is not None and self.report.school.possible:
            self.summary.setText(f"{self.summary.text()}<br>{self.charts.same_point_html()}")

    @Slot(object)
    def _failed(self, error: BaseException) -> None:
        self.status.setText("The report could not be built.")
        QMessageBox.warning(self, "Reports", f"The report could not be built: {error}")

    @Slot()
    def _cancelled(self) -> None:
        self.status.setText("Cancelled: the report was not built.")

    @Slot()
    def _ended(self) -> None:
        self.build_button.setEnabled(True)

    def _set_ready(self, ready: bool) -> None:
        self.csv_button.setEnabled(ready)
        self.all_csv_button.setEnabled(ready)
        self.pdf_button.setEnabled(ready)

    # -- showing -----------------------------------------------------------------------
    def _show(self, report: Report) -> None:
        s = report.school
        compare = " · no figures for the previous period to compare with"
        if report.previous_school is not None and report.previous is not None:
            change = report.comparisons[0].change()
            compare = (f" · {points(change)} compared with {report.previous.label} "
                       f"({pct(report.comparisons[0].then)})")
        bench = " · ".join(
            f"{b.label}: {pct(b.value) if b.value is not None else 'not entered'}"
            + (f" ({points(b.gap(s.attendance()))})" if b.value is not None else "")
            for b in report.benchmarks)
        who = "compulsory school age only" if report.compulsory_only else "all pupils"
        self.summary.setText(
            f"<b>{report.period.label}</b> — {report.period.start:%d/%m/%Y} to "
            f"{report.period.end:%d/%m/%Y}, {who}<br>"
            f"<span style='font-size:13pt'>Attendance <b>{pct(s.attendance())}</b></span>"
            f"{compare}<br>"
            f"Authorised absence {pct(s.authorised())} · unauthorised "
            f"{pct(s.unauthorised())} · persistent absence <b>{s.pa}</b> pupils "
            f"({pct(s.pa_pct())}) · severe absence <b>{s.sa}</b> ({pct(s.sa_pct())}) · "
            f"late {s.counts.late_l} L / {s.counts.late_u} U, {s.counts.minutes_late} "
            f"minutes<br>{bench}")
        if s.possible == 0:
            self.summary.setText(
                f"<b>{report.period.label}</b> — {report.period.start:%d/%m/%Y} to "
                f"{report.period.end:%d/%m/%Y}<br><b>No register marks count in this "
                "period</b>, so there are no figures. Check the dates, and that the registers "
                "have been taken.")
        if self.missing:  # no term dates: say so above whatever the custom dates found
            self.summary.setText(f"<b>{self.missing}</b><br>{self.summary.text()}")
        for key, (header, rows) in report_tables.tables(report).items():
            self._fill(self.tables[key], header, rows)
        self.tabs.setTabText(TAB_KEYS.index("persistent_absence"),
                             f"PA pupils ({len(report.persistent)})")
        self.tabs.setTabText(TAB_KEYS.index("severe_absence"),
                             f"SA pupils ({len(report.severe)})")

    def _fill(self, table: QTableWidget, header: list[str], rows: list[list[str]]) -> None:
        table.clear()
        table.setColumnCount(len(header))
        table.setHorizontalHeaderLabels([h or "Scope" for h in header])
        for c, h in enumerate(header):
            if (h or "Scope") in TEXT_COLUMNS:
                continue
            table.horizontalHeaderItem(c).setTextAlignment(Qt.AlignmentFlag.AlignRight
                                                           | Qt.AlignmentFlag.AlignVCenter)
        table.setRowCount(len(rows))
        labels = [h or "Scope" for h in header]
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if row[0] == "Whole school" and len(rows) > 1:  # the total row
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if labels[c] not in TEXT_COLUMNS:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
        if not rows:
            table.setRowCount(1)
            item = QTableWidgetItem("No pupils in this list for the period.")
            table.setItem(0, 0, item)

    @Slot()
    def open_pupil(self) -> None:
        if self.report is None or self.tabs.currentIndex() >= len(TAB_KEYS):
            return
        key = TAB_KEYS[self.tabs.currentIndex()]
        if key not in PUPIL_TABS:
            return
        rows = getattr(self.report, PUPIL_TABS[key])
        row = self.tables[key].currentRow()
        if 0 <= row < len(rows):
            self.navigator.show_pupil(rows[row].pupil_id)

    # -- saving ------------------------------------------------------------------------
    def _file_stem(self) -> str:
        assert self.report is not None
        p = self.report.period
        return f"Attendance {p.start:%Y-%m-%d} to {p.end:%Y-%m-%d}"

    @Slot()
    def save_csv(self) -> None:
        if self.report is None:
            return
        if self.tabs.currentIndex() >= len(TAB_KEYS):  # a chart: its own table's numbers
            self._save_chart_csv()
            return
        key = TAB_KEYS[self.tabs.currentIndex()]
        name = f"{self._file_stem()} - {TABLE_TITLES[key]}.csv"
        path, _ = QFileDialog.getSaveFileName(self, f"Save {TABLE_TITLES[key]} as CSV",
                                              str(Path.home() / name), "CSV files (*.csv)")
        if not path:
            return
        text = report_tables.table_csv(self.report, key, anonymise=self.anonymise.isChecked())
        if self._write(path, text.encode("utf-8-sig")):  # the BOM lets Excel read £, dashes
            self._log(f"report CSV ({TABLE_TITLES[key]})",
                      report_tables.pupils_named(self.report, (key,)), path)

    def _save_chart_csv(self) -> None:
        table = self.charts.current_table(self.tabs.currentWidget())
        if table is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, f"Save {table.title} as CSV",
            str(Path.home() / f"{self._file_stem()} - {table.title}.csv"), "CSV files (*.csv)")
        if path and self._write(path, chart_csv(table).encode("utf-8-sig")):
            self._log(f"chart CSV ({table.title})", 0, path)

    @Slot()
    def save_all_csv(self) -> None:
        if self.report is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Folder for the CSV files",
                                                  str(Path.home()))
        if not folder:
            return
        anonymise = self.anonymise.isChecked()
        files = {Path(folder) / f"{self._file_stem()} - {TABLE_TITLES[key]}.csv":
                 report_tables.table_csv(self.report, key, anonymise=anonymise)
                 for key in TAB_KEYS}
        existing = [p.name for p in files if p.exists()]
        if existing and QMessageBox.question(
                self, "Replace files?",
                f"{len(existing)} of these files are already in the folder "
                f"(for example {existing[0]}). Replace them?") \
                != QMessageBox.StandardButton.Yes:
            return
        try:
            for path, text in files.items():
                path.write_bytes(text.encode("utf-8-sig"))
        except OSError as exc:
            QMessageBox.warning(self, "Reports", f"Could not save the CSV files in {folder}: "
                                f"{exc.strerror}.")
            return
        self._log("report CSV (all tables)", report_tables.pupils_named(self.report),
                  Path(folder).name)
        self.status.setText(f"Saved {len(files)} CSV files in {Path(folder).name}")

    @Slot()
    def save_pdf(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the governors' report",
                                              str(Path.home() / f"{self._file_stem()}.pdf"),
                                              "PDF files (*.pdf)")
        if not path:
            return
        head = Letterhead.from_details(school_service.get_school(self.ctx.engine).details)
        data = render_report_pdf(self.report, head, anonymise=self.anonymise.isChecked())
        if self._write(path, data):
            self._log("report PDF", report_tables.pupils_named(self.report), path)

    @Slot()
    def export_census(self) -> None:
        choices = census_service.recent_choices(self.ctx.today())
        label, ok = QInputDialog.getItem(self, "Census export", "Term (census collection "
                                         "period):", [c[0] for c in choices], 0, False)
        if not ok:
            return
        periods = dict(choices)[label]
        name = f"Census attendance {periods[0].label.replace('/', '-')}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Save the census attendance figures",
                                              str(Path.home() / name), "CSV files (*.csv)")
        if not path:
            return
        try:
            result = census_service.export_census(self.ctx.engine, Path(path), periods)
        except ServiceError as exc:
            QMessageBox.warning(self, "Census export", f"Not saved: {exc}.")
            return
        audit_service.record_export(self.ctx.engine, self.ctx.actor, "census export",
                                    result.pupils, path)
        self.status.setText(f"Saved {result.file}: {result.pupils} pupils, "
                            f"{result.totals.possible} possible sessions")

    def _log(self, what: str, pupils: int, target: str) -> None:
        if self.anonymise.isChecked():
            what += " (initials only)"
        audit_service.record_export(self.ctx.engine, self.ctx.actor, what, pupils, target)

    def _write(self, path: str, data: bytes) -> bool:
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            QMessageBox.warning(self, "Reports", f"Could not save {path}: {exc.strerror}.")
            return False
        self.status.setText(f"Saved {Path(path).name}")
        return True

