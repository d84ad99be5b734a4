"""Policy editors for the workflow and penalty-notice settings: the codes that count
towards a penalty notice (tick boxes, only the real codes), and how far up the escalation
ladder each band may go."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QSizePolicy,
    QWidget,
)

from attendance_desktop.domain.policy import PN_CODES_NATIONAL, PN_CODES_REQUIRED
from attendance_desktop.gui.flow_layout import FlowLayout

PN_CODE_LABELS = {
    "G": "G — holiday not agreed",
    "N": "N — reason not yet known",
    "O": "O — other unauthorised",
    "U": "U — late after close",
}
PN_CODE_MEANINGS = {
    "G": "G: holiday not agreed by the school",
    "N": "N: reason for absence not yet known",
    "O": "O: other unauthorised absence",
    "U": "U: arrived after the register closed",
}


class PnCodesEditor(QWidget):
    """G, O and U always count (the national framework); whether N counts is the
    council's choice, so it is the one box that can be cleared."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        # (height for width: as many rows as the codes wrap to, not one row high)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        row = FlowLayout(self, spacing=12)  # the codes wrap when narrow (125-150%)
        self.boxes: dict[str, QCheckBox] = {}
        for code in PN_CODES_NATIONAL:
            box = QCheckBox(PN_CODE_LABELS[code])
            box.setObjectName(f"pn_code_{code}")
            box.setAccessibleName(f"Code {PN_CODE_MEANINGS[code]} counts towards a penalty "
                                  "notice")
            if code in PN_CODES_REQUIRED:
                box.setChecked(True)
                box.setEnabled(False)
                box.setToolTip(f"{PN_CODE_MEANINGS[code]}. The national framework (August "
                               "2024) always counts this code")
            else:
                box.setToolTip(f"{PN_CODE_MEANINGS[code]}. Councils differ on whether N counts "
                               "towards the penalty-notice threshold: follow your local "
                               "authority's code of conduct")
            box.toggled.connect(self._toggled)
            row.addWidget(box)
            self.boxes[code] = box

    def set_codes(self, codes: Sequence[str]) -> None:
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(code in PN_CODES_REQUIRED or code in codes)
            box.blockSignals(False)

    def codes(self) -> tuple[str, ...]:
        return tuple(c for c, box in self.boxes.items() if box.isChecked())

    @Slot()
    def _toggled(self) -> None:
        self.changed.emit()


WHOLE_LADDER = ""


class BandChoices(QWidget):
    """One row per band, each a list to choose from; the policy keeps (band, choice) pairs
    for the bands whose choice is not the first, empty one."""

    changed = Signal()
    VERTICAL = QSizePolicy.Policy.Fixed

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, self.VERTICAL)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.combos: dict[str, QComboBox] = {}

    def _clear(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos = {}

    def _add(self, key: str, row_label: str, combo: QComboBox, wanted: str) -> None:
        combo.setCurrentIndex(max(0, combo.findData(wanted)))
        combo.currentIndexChanged.connect(self._picked)
        self.form.addRow(row_label, combo)
        self.combos[key] = combo

    def chosen(self) -> tuple[tuple[str, str], ...]:
        return tuple((key, str(combo.currentData())) for key, combo in self.combos.items()
                     if combo.currentData())

    @Slot()
    def _picked(self) -> None:
        self.changed.emit()


class LadderEndsEditor(BandChoices):
    """One row per concern band: the last stage its pupils may be moved to."""

    def set_options(self, bands: Sequence[tuple[str, str]], stages: Sequence[tuple[str, str]],
                    ends: Sequence[tuple[str, str]]) -> None:
        """`bands` (key, label) of the concern bands; `stages` (key, label) in order."""
        picked = dict(ends)
        self._clear()
        if not bands:
            self.form.addRow(QLabel("No band is a concern band."))
        for key, label in bands:
            combo = QComboBox()
            combo.setObjectName(f"ladder_end_{key}")
            combo.setAccessibleName(f"Ladder for {label} goes up to")
            combo.addItem("the whole ladder", WHOLE_LADDER)
            for skey, slabel in stages:
                combo.addItem(slabel, skey)
            self._add(key, f"{label} goes up to:", combo, picked.get(key, WHOLE_LADDER))

    def ends(self) -> tuple[tuple[str, str], ...]:
        return self.chosen()


NO_LETTER = ""


class BandLettersEditor(BandChoices):
    """One row per band: the letter the trackers suggest for its pupils, chosen by the
    letter's title (the policy keeps the band and letter keys)."""

    # Minimum, not Fixed: when a narrow page wraps the rows, the editor grows with them
    VERTICAL = QSizePolicy.Policy.Minimum

    def set_options(self, bands: Sequence[tuple[str, str]], letters: Sequence[tuple[str, str]],
                    chosen: Sequence[tuple[str, str]]) -> None:
        """`bands` (key, label) in order; `letters` (key, title) the school can send;
        `chosen` the policy's (band, letter) pairs. A letter the list does not hold (a
        policy written elsewhere) stays chosen, shown as it is named."""
        picked = dict(chosen)
        self._clear()
        for key, label in bands:
            combo = QComboBox()
            combo.setObjectName(f"band_letter_{key}")
            combo.setAccessibleName(f"Letter for pupils in {label}")
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(24)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.setMaximumWidth(480)
            combo.addItem("no letter", NO_LETTER)
            for lkey, title in letters:
                combo.addItem(title, lkey)
                combo.setItemData(combo.count() - 1, title, Qt.ItemDataRole.ToolTipRole)
            wanted = picked.get(key, NO_LETTER)
            if combo.findData(wanted) < 0:
                combo.addItem(f"{wanted} (not a ready-made letter)", wanted)
            self._add(key, f"{label}:", combo, wanted)

    def letters(self) -> tuple[tuple[str, str], ...]:
        return self.chosen()
