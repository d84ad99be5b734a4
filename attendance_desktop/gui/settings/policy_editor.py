"""The attendance policy editor: a preset, then every setting adjustable, grouped readably.

The preset row, the tabs and the message are ui/settings/policy_editor.ui; the rows of each
group are built here from the policy's fields (GROUPS), inside the form's tab widget."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from attendance_desktop.domain.policy import PRESET_LABELS, PRESETS, Policy, PolicyError
from attendance_desktop.gui.common import pytime, qtime
from attendance_desktop.gui.generated.settings.ui_policy_editor import Ui_PolicyEditor
from attendance_desktop.gui.settings.labels import MORE_POLICY_LABELS, policy_label
from attendance_desktop.gui.settings.records_table import RecordsTable
from attendance_desktop.gui.settings.workflow_editors import (
    BandLettersEditor,
    LadderEndsEditor,
    PnCodesEditor,
)
from attendance_desktop.services.letters import letter_templates

# field -> (label, tooltip). Groups in the order shown; unknown new fields go to "Other".
GROUPS: list[tuple[str, dict[str, tuple[str, str]]]] = [
    ("Registers", {
        "absence_report_deadline": ("Parents report absence by", "Time by which parents"
                                    " should tell the school about an absence"),
        "first_day_contact_by": ("First-day calls start by", "Time by which the office"
                                 " starts calling families of absent pupils"),
        "n_code_limit_school_days": ("N code may stay for (school days)", "After this many"
                                     " school days an unexplained N must become O or another"
                                     " code"),
        "staff_idle_lock_minutes": ("Lock the screen after idle (minutes)", ""),
        "kiosk_idle_seconds": ("Kiosk returns to start after (seconds)", ""),
        "kiosk_reasons": ("Kiosk late reasons (one per line: reason | code)",
                          "Code L/U means L or U depending on the arrival time"),
        "kiosk_out_reasons": ("Kiosk sign-out reasons (one per line)", ""),
        "retention_years": ("Keep register entries for (years)", "At least 6 years from the"
                            " date of each entry (2024 regulations, reg 7); Settings →"
                            " Retention lists what is older"),
        "leaver_details_retention_years": ("Keep leavers' personal details for (years)",
                                           "Counted from the leaving date; removed only by"
                                           " the head, in Settings → Retention"),
        "pin_min_length_senior": ("Shortest PIN for head and office accounts", "6 or more"
                                  " keeps a copied database from giving up their PINs"),
        "pin_min_length_staff": ("Shortest PIN for teachers and read-only accounts", ""),
    }),
    ("Absence procedures", {
        "illness_weekly_contact_after_days": ("Illness: weekly contact after (days)", ""),
        "signed_letter_consecutive_days": ("Medical evidence after consecutive days", ""),
        "signed_letter_term_days": ("Medical evidence after days in a term", ""),
        "illness_la_notify_days": ("Tell the LA after illness days", "Continuous illness"
                                   " days before the local authority is told"),
        "missing_after_leave_days": ("Child missing: days after leave ends", ""),
        "missing_consecutive_days": ("Child missing: consecutive unauthorised days", ""),
        "la_continuous_absence_days": ("Tell the LA: continuous absence (days)", ""),
        "la_termly_unauthorised_days": ("Tell the LA: unauthorised days in a term", ""),
        "min_emergency_contacts": ("Emergency contacts expected per pupil", "The pupil"
                                   " profile warns when fewer are held"),
    }),
    ("Flags the trackers raise", {
        "flag_missing_20_days": ("Missing education: 20 school days of G, N or O in a row",
                                 "National deletion ground (reg 9): every school"),
        "flag_not_back_after_leave": ("Missing education: not back after leave",
                                      "National deletion ground: illness is not counted"),
        "flag_absent_10_days": ("LA attendance return: 10 school days unauthorised in a row",
                                "National attendance return"),
        "flag_illness_15_days": ("Tell the LA: illness reaching 15 school days",
                                 "National sickness return"),
        "flag_n_overdue": ("N codes not replaced within the limit", "National: an N must"
                           " be replaced within 5 school days"),
        "flag_illness_weekly_contact": ("Weekly contact during a long illness",
                                        "Vale's rule: contact at least weekly after 5 days"),
        "flag_signed_letter": ("Signed letter after days absent", "Wessex's rule 5.4"),
        "flag_termly_unauthorised": ("Tell the LA termly: unauthorised days in a term",
                                     "Vale's rule: 10 or more school days a term"),
    }),
    ("Leave", {
        "leave_notice_amount": ("Notice needed for leave requests", ""),
        "leave_notice_unit": ("Notice measured in", ""),
        "leave_refuse_if_unauthorised": ("Refuse leave if there is unauthorised absence", ""),
        "leave_authorised_limit_pct": ("Authorised absence limit (%)", ""),
        "performance_min_attendance_pct": ("Minimum attendance for performance leave (%)", ""),
        "leave_holidays_may_be_granted": ("Holidays may be granted (the check only advises)",
                                          ""),
        "leave_assessment_days_before": ("School days before an assessment that also count",
                                         ""),
    }),
    ("Lateness", {
        "lateness_concern_min": ("Lates in a week for concern", ""),
        "lateness_significant_min": ("Lates in a week for significant concern", ""),
        "lateness_monitoring_weeks": ("Lateness monitoring period (weeks)", ""),
        "lateness_continues_rule": ("Lateness 'continues' when", ""),
        "lateness_continues_weeks": ("… significant weeks in one episode", "Used when the"
                                     " rule is 'after a number of significant weeks'"),
        "lateness_steps": ("Lateness flowchart steps", ""),
    }),
    ("Escalation and bands", {
        "monitoring_period": ("Attendance is reviewed each", ""),
        "band_period": ("Bands and letters use", "The board, alerts and letters all use this"
                        " period; the running figure always shows beside the band"),
        "target_pct": ("Attendance target (%)", ""),
        "at_risk_margin_points": ("At risk within (percentage points)", "How close to the"
                                  " persistent-absence line counts as at risk"),
        "persistent_absence_pct": ("Persistent absence at or above (% absent)", ""),
        "severe_absence_pct": ("Severe absence at or above (% absent)", ""),
        "escalation_monitoring_weeks": ("Monitoring period at each stage (weeks)", ""),
        "bands": ("Attendance bands (highest first; the last starts at 0%)", ""),
        "escalation_stages": ("Escalation stages, in order", ""),
        "band_ladder_ends": ("How far up the stages each band goes", "Amber is not red: a"
                             " band's pupils can be moved only up to this stage (the"
                             " whole ladder when not set)"),
        "band_letter_prefix": ("Band letter template prefix", "'{band}' letters use this"
                               " prefix plus the band key"),
        "weekly_contact_days": ("Illness contact counts as done within (days)", ""),
    }),
    ("Penalty notices", {
        "pn_sessions": ("Sessions of unauthorised absence", ""),
        "pn_window_school_weeks": ("Within (school weeks)", ""),
        "pn_codes": ("Codes that count towards the threshold", "G, O and U always count"
                     " (national framework); councils differ on N"),
        "pn_first_amount": ("First notice (£)", ""),
        "pn_discount_amount": ("Paid early (£)", ""),
        "pn_discount_days": ("Early payment within (days)", ""),
        "pn_pay_days": ("Pay within (days)", ""),
        "pn_second_amount": ("Second notice (£)", ""),
        "pn_max_in_period": ("Most notices per parent in the period", ""),
        "pn_period_years": ("Period (years)", ""),
        "notice_to_improve_weeks": ("Notice to improve lasts (weeks)", ""),
        "pn_considerations": ("Questions to consider before a notice (one per line)", ""),
    }),
    ("Letters and reporting", {
        "letter_repeat_days": ("Don't repeat a letter within (days)", ""),
        "certificate_full_pct": ("Full attendance certificate at (%)",
                                 "The certificate for full attendance goes only to pupils at "
                                 "or above this"),
        "certificate_excellent_pct": ("Outstanding attendance certificate at (%)",
                                      "The 'outstanding attendance' certificate goes only to "
                                      "pupils at or above this"),
        "la_benchmark_pct": ("Local authority benchmark (%)", "Leave at 'Not set' if unknown"),
        "national_benchmark_pct": ("National benchmark (%)", "Leave at 'Not set' if unknown"),
    }),
]
NOT_EDITED_HERE = {"preset", "am", "pm", "extra"}  # am/pm: the session times screen
CHOICES = {
    "leave_notice_unit": [("weeks", "weeks"), ("school_weeks", "school weeks"),
                          ("school_days", "school days"), ("days", "days")],
    "monitoring_period": [("half_term", "half term"), ("term", "term"), ("year", "year")],
    "band_period": [("completed", "the last completed period (from the day its registers"
                     " close)"), ("current", "the period running now, so far")],
    "lateness_continues_rule": [("after_contract", "a significant week follows a contract"),
                                ("weeks", "after a number of significant weeks")],
}
NONE_VALUE = -1.0


def _letter_choices() -> list[tuple[str, str]]:
    """The ready-made letters (key, title), by title."""
    return sorted(((key, d.title) for key, d in letter_templates.DEFAULTS.items()),
                  key=lambda kt: kt[1].casefold())


class PolicyEditor(QWidget):
    """Preset chooser and every policy setting. `policy()` raises PolicyError when broken."""

    validityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = Policy()
        self._editors: dict[str, QWidget] = {}
        self._loading = False
        self.ui = Ui_PolicyEditor()
        self.ui.setupUi(self)
        self.preset, self.apply_preset = self.ui.preset, self.ui.apply_preset
        self.tabs, self.message = self.ui.tabs, self.ui.policyMessage
        for key, label in PRESET_LABELS.items():
            self.preset.addItem(label, key)
        self.apply_preset.clicked.connect(self._apply_preset)
        known: set[str] = set()
        fields = {f.name: f for f in dataclasses.fields(Policy)}
        for group, items in GROUPS:
            present = {k: v for k, v in items.items() if k in fields}
            known.update(present)
            self._add_group(group, present)
        other = {name: MORE_POLICY_LABELS.get(name, (name.replace("_", " ").capitalize(), ""))
                 for name in fields
                 if name not in known and name not in NOT_EDITED_HERE}
        if other:
            self._add_group("Imports and letters", other)

    # -- building ---------------------------------------------------------------------
    def _add_group(self, title: str, items: dict[str, tuple[str, str]]) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        # a wide editor goes under its label when there is no room beside it (125-150%)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for name, (label, tip) in items.items():
            editor = self._make_editor(name, getattr(self._base, name))
            if editor is None:
                continue
            editor.setAccessibleName(label)
            editor.setToolTip(tip or label)
            editor.setObjectName(f"policy_{name}")
            self._editors[name] = editor
            if isinstance(editor, QCheckBox):
                editor.setText(label)
                form.addRow("", editor)
            else:
                lab = QLabel(label)
                lab.setBuddy(editor)
                form.addRow(lab, editor)
        # the page's spare height goes to this last, empty row: a form gives spare height
        # to rows that may grow, and a wrapping row (the penalty-notice codes) may
        room = QWidget()
        room.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        form.addRow(room)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        self.tabs.addTab(scroll, title)

    def _make_editor(self, name: str, value: Any) -> QWidget | None:
        if name == "pn_codes":
            codes = PnCodesEditor()
            codes.changed.connect(self._changed)
            return codes
        if name == "band_letters":
            letters = BandLettersEditor()
            letters.changed.connect(self._changed)
            return letters
        if name == "band_ladder_ends":
            ends = LadderEndsEditor()
            ends.changed.connect(self._changed)
            return ends
        if name in CHOICES:
            combo = QComboBox()
            # as wide as the room allows, not as its longest choice (the page then wraps)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(20)
            # it may grow with the room (the longest choice then shows whole at 100%)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.setMaximumWidth(480)
            for key, label in CHOICES[name]:
                combo.addItem(label, key)
                combo.setItemData(combo.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
            combo.currentIndexChanged.connect(self._changed)
            return combo
        if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            table = RecordsTable(type(value[0]), policy_label(name).lower())
            table.changed.connect(self._changed)
            if name in ("bands", "escalation_stages"):
                table.changed.connect(self._refresh_ladder)
            return table
        if isinstance(value, bool):
            box = QCheckBox()
            box.toggled.connect(self._changed)
            return box
        if isinstance(value, int):
            spin = QSpinBox()
            spin.setRange(0, 100000)
            spin.setMaximumWidth(120)
            spin.valueChanged.connect(self._changed)
            return spin
        if isinstance(value, float) or value is None:
            dspin = QDoubleSpinBox()
            dspin.setDecimals(1)
            dspin.setRange(NONE_VALUE if value is None else 0.0, 100.0)
            if value is None:
                dspin.setSpecialValueText("Not set")
            dspin.setMaximumWidth(120)
            dspin.valueChanged.connect(self._changed)
            return dspin
        if isinstance(value, dt.time):
            edit = QTimeEdit()
            edit.setDisplayFormat("HH:mm")
            edit.setMaximumWidth(120)
            edit.timeChanged.connect(self._changed)
            return edit
        if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setFixedHeight(96)
            text.textChanged.connect(self._changed)
            return text
        if isinstance(value, str):
            line = QLineEdit()
            line.textChanged.connect(self._changed)
            return line
        if isinstance(value, tuple) and all(isinstance(v, tuple) for v in value):
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setFixedHeight(120)
            text.textChanged.connect(self._changed)
            return text
        return None

    # -- values -----------------------------------------------------------------------
    def load(self, policy: Policy) -> None:
        self._loading = True
        self._base = policy
        i = self.preset.findData(policy.preset)
        if i >= 0:
            self.preset.setCurrentIndex(i)
        for name, editor in self._editors.items():
            self._set(name, editor, getattr(policy, name))
        self._loading = False
        self._changed()

    def _set(self, name: str, editor: QWidget, value: Any) -> None:
        if isinstance(editor, PnCodesEditor):
            editor.set_codes(value)
        elif isinstance(editor, BandLettersEditor):
            editor.set_options([(b.key, b.label) for b in self._base.bands], _letter_choices(),
                               value)
        elif isinstance(editor, LadderEndsEditor):
            editor.set_options([(b.key, b.label) for b in self._base.bands if b.concern],
                               [(st.key, st.label) for st in self._base.escalation_stages],
                               value)
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        elif isinstance(editor, RecordsTable):
            editor.load(value)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(NONE_VALUE if value is None else float(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QTimeEdit):
            editor.setTime(qtime(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))
        elif isinstance(editor, QPlainTextEdit):
            lines = [" | ".join(v) if isinstance(v, tuple) else v for v in value]
            editor.setPlainText("\n".join(lines))

    def _get(self, name: str, editor: QWidget) -> Any:
        default = getattr(self._base, name)
        if isinstance(editor, PnCodesEditor):
            return editor.codes()
        if isinstance(editor, LadderEndsEditor):
            return editor.ends()
        if isinstance(editor, BandLettersEditor):
            return editor.letters()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, RecordsTable):
            return editor.records()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QDoubleSpinBox):
            v = editor.value()
            return None if v <= NONE_VALUE else v
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QTimeEdit):
            return pytime(editor.time())
        if isinstance(editor, QLineEdit):
            return editor.text().strip()
        if isinstance(editor, QPlainTextEdit):
            lines = [ln.strip() for ln in editor.toPlainText().splitlines() if ln.strip()]
            if default and isinstance(default[0], tuple):
                out = []
                for n, ln in enumerate(lines, start=1):
                    parts = [p.strip() for p in ln.split("|")]
                    if len(parts) != 2 or not all(parts):
                        raise PolicyError(f"line {n} of '{policy_label(name)}' should read"
                                          " 'text | code'")
                    out.append((parts[0], parts[1]))
                return tuple(out)
            return tuple(lines)
        return default

    def policy(self) -> Policy:
        """The edited policy (still with the base's session times), checked."""
        values = {name: self._get(name, ed) for name, ed in self._editors.items()}
        values["preset"] = self.preset.currentData() or self._base.preset
        new = dataclasses.replace(self._base, **values)
        new.validate()
        return new

    def set_base(self, policy: Policy) -> None:
        """Change what is not edited here (e.g. session times) without touching edits."""
        self._base = policy

    @Slot()
    def _changed(self) -> None:
        if self._loading:
            return
        try:
            self.policy()
        except PolicyError as exc:
            self.message.show_error(f"This policy cannot be saved yet: {exc}.")
            self.validityChanged.emit(False)
            return
        self.message.clear_message()
        self.validityChanged.emit(True)

    @Slot()
    def _refresh_ladder(self) -> None:
        """The bands or stages were edited: offer the ladder ends for the edited ones."""
        ladder = self._editors.get("band_ladder_ends")
        bands, stages = self._editors.get("bands"), self._editors.get("escalation_stages")
        if not isinstance(ladder, LadderEndsEditor) or not isinstance(bands, RecordsTable) \
                or not isinstance(stages, RecordsTable):
            return
        try:
            band_rows, stage_rows = bands.records(), stages.records()
        except PolicyError:
            return  # the table shows the problem; keep the ladder as it is
        ladder.set_options([(b.key, b.label) for b in band_rows if b.concern],
                           [(st.key, st.label) for st in stage_rows], ladder.ends())
        letters = self._editors.get("band_letters")
        if isinstance(letters, BandLettersEditor):
            letters.set_options([(b.key, b.label) for b in band_rows], _letter_choices(),
                                letters.letters())

    @Slot()
    def _apply_preset(self) -> None:
        key = self.preset.currentData()
        if key in PRESETS:
            self.load(PRESETS[key])
