"""A pupil's profile on the Pupils page: details, groups, attendance this year, contacts,
photo and the panels other areas show about the pupil. The record is read on the serial
worker (gui/pupils/pupil_reads.py)."""


from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QGroupBox,
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

from attendance_desktop.gui import theme
from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.charts.pupil_chart_widget import PupilChartWidget
from attendance_desktop.gui.common import MessageLabel, image_file_to_png
from attendance_desktop.gui.flow_layout import FlowLayout
from attendance_desktop.gui.lazy_page import LazyPupilPanel
from attendance_desktop.gui.navigator import Navigator, PupilPanel
from attendance_desktop.gui.pupils import ctf_profile, pupil_reads
from attendance_desktop.gui.pupils.pupil_dialogs import (
    YEAR_LABELS,
    ContactDialog,
    LeaveDialog,
    PupilEditDialog,
)
from attendance_desktop.gui.tables import fill_table, read_only_table
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.pupils import class_service, pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_contacts import (
    ContactLink,
    LinkInput,
)
from attendance_desktop.services.pupils.pupil_service import (
    SEN_LABELS,
)

if TYPE_CHECKING:
    from attendance_desktop.gui.pupils.pupils_widget import PupilsWidget

log = logging.getLogger(__name__)

PHOTO_MAX_SIDE = 480
LOADING_TEXT = "Loading…"
SEX_LABELS = {"F": "Female", "M": "Male", "X": "Other / not known", "": "Not recorded"}
YES = "✓"


def _yes(flag: bool) -> str:
    return YES if flag else ""


class PupilProfileWidget(QWidget):
    """Details, groups, attendance this year, contacts and photo of one pupil."""

    loaded = Signal()  # a pupil's record has been read and shown

    def __init__(self, ctx: AppContext, owner: PupilsWidget) -> None:
        super().__init__()
        self.ctx = ctx
        self.owner = owner
        self.pupil_id: int | None = None
        self.contacts: list[ContactLink] = []
        can = ctx.actor.can_edit_pupils
        self.photo = QLabel("No photo")
        self.photo.setObjectName("pupilPhoto")
        self.photo.setFixedSize(96, 120)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.set_role(self.photo, "picture")
        self.name = QLabel("")
        self.name.setObjectName("pupilName")
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("pupilSubtitle")
        self.leaver = MessageLabel("leaverBanner")
        titles = QVBoxLayout()
        titles.addWidget(self.name)
        titles.addWidget(self.subtitle)
        titles.addWidget(self.leaver)
        titles.addStretch(1)
        head = QHBoxLayout()
        head.addWidget(self.photo)
        head.addLayout(titles, 1)
        navigator = owner.navigator
        # the what-if figures beside the name (issue 16), from the trackers area
        self.whatif = navigator.panel("trackers.whatif")
        head.addWidget(self.whatif, 0, Qt.AlignmentFlag.AlignTop)

        self.edit_button = QPushButton("&Edit details…")
        self.move_button = QPushButton("&Move class…")
        self.leave_button = QPushButton("&Leaving…")
        self.leave_button.setToolTip("Record the last day on roll and the reason; nothing is"
                                     " deleted")
        self.back_button = QPushButton("Put back on roll")
        self.photo_button = QPushButton("P&hoto…")
        self.photo_button.setToolTip("A PNG or JPEG photo (shown on the kiosk)")
        self.remove_photo = QPushButton("Remove photo")
        self.ctf_button = QPushButton("Export CT&F…")
        self.ctf_button.setObjectName("exportCtf")
        self.ctf_button.setToolTip("A Common Transfer File for the next school (leavers)")
        # the action rows wrap (FlowLayout) rather than widening the profile past its pane
        actions_row = QWidget()
        actions = FlowLayout(actions_row, spacing=6)
        for b, slot in ((self.edit_button, self._edit), (self.move_button, self._move),
                        (self.leave_button, self._leave), (self.back_button, self._back),
                        (self.photo_button, self._photo),
                        (self.remove_photo, self._remove_photo),
                        (self.ctf_button, self._export_ctf)):
            b.clicked.connect(slot)
            b.setEnabled(can)
            actions.addWidget(b)

        details = QGroupBox("Details")
        self.details = QFormLayout(details)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("legal", "Legal name"), ("dob", "Date of birth"),
                           ("sex", "Sex"), ("admission", "Admitted"), ("sen", "SEN"),
                           ("groups", "Groups"), ("ethnicity", "Ethnicity"),
                           ("notes", "Notes")):
            value = QLabel("")
            value.setObjectName(f"pupil_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            self.details.addRow(f"{label}:", value)
        attendance = QGroupBox("Attendance this academic year")
        self.attendance = QLabel("")
        self.attendance.setObjectName("pupilAttendance")
        self.attendance.setWordWrap(True)
        QVBoxLayout(attendance).addWidget(self.attendance)
        upper = QHBoxLayout()
        upper.addWidget(details, 3)
        upper.addWidget(attendance, 2)

        contacts = QGroupBox("Contacts (in the order to call)")
        self.contact_warning = MessageLabel("contactWarning")
        self.contact_table = QTableWidget(0, 7)
        self.contact_table.setObjectName("contactTable")
        self.contact_table.setAccessibleName("Contacts")
        self.contact_table.setHorizontalHeaderLabels(
            ["#", "Name", "Relationship", "Phone", "Parental resp.", "Lives with",
             "Emergency"])
        hdr = self.contact_table.horizontalHeader()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hdr.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.contact_table.verticalHeader().setVisible(False)
        self.contact_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.contact_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.contact_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.contact_table.setMinimumHeight(130)
        self.contact_table.doubleClicked.connect(self._edit_contact)
        self.add_contact = QPushButton("Add co&ntact…")
        self.link_contact = QPushButton("Link a sibling's contact…")
        self.link_contact.setToolTip("Use a contact already held for a brother or sister")
        self.edit_contact = QPushButton("Edit contact…")
        self.up_contact = QPushButton("Call earlier")
        self.down_contact = QPushButton("Call later")
        self.unlink_contact = QPushButton("Remove from this pupil")
        self.unlink_contact.setToolTip("The contact stays for any siblings and call records")
        cbuttons_row = QWidget()
        cbuttons = FlowLayout(cbuttons_row, spacing=6)
        for b, slot in ((self.add_contact, self._add_contact),
                        (self.link_contact, self._link_contact),
                        (self.edit_contact, self._edit_contact),
                        (self.up_contact, self._contact_up),
                        (self.down_contact, self._contact_down),
                        (self.unlink_contact, self._unlink)):
            b.clicked.connect(slot)
            b.setEnabled(can)
            cbuttons.addWidget(b)
        cl = QVBoxLayout(contacts)
        cl.addWidget(self.contact_warning)
        cl.addWidget(self.contact_table)
        cl.addWidget(cbuttons_row)

        self.message = MessageLabel("profileMessage")
        # The pupil's record over time: contacts, leave requests and letters sent.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("profileTabs")
        self.tabs.addTab(contacts, "&Contacts")
        self.leave_table = read_only_table(
            ["Dates asked for", "Ground", "Sessions", "Status", "Decided"], "Leave requests",
            object_name="leaveHistory")
        self.leave_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.tabs.addTab(self.leave_table, "Lea&ve requests")
        # Panels other areas own, built (and read) when their tab is first shown
        # (gui/lazy_page.py): until then choosing a pupil reads nothing for them.
        self.letters = LazyPupilPanel(partial(self._letters_panel, navigator))
        self.tabs.addTab(self.letters, "Le&tters sent")
        self.previous = ctf_profile.previous_schools_table()
        self.tabs.addTab(self.previous, "&Previous schools")
        self.chronology = LazyPupilPanel(partial(navigator.panel, "trackers.chronology"))
        self.tabs.addTab(self.chronology, "Chron&ology")  # issue 16
        self.chart = PupilChartWidget(ctx)  # counted when its tab is shown
        # panels other areas own, told which pupil to show (Navigator.PupilPanel)
        self.panels: list[PupilPanel] = [
            cast(PupilPanel, self.whatif), self.chronology, self.letters]
        self.tabs.addTab(self.chart, "Attendance &graph")
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(actions_row)
        layout.addWidget(self.message)
        layout.addLayout(upper)
        layout.addWidget(self.tabs, 1)
        self.setEnabled(False)
        self.loaded_id: int | None = None  # whose record the fields show
        self.select_contact: int | None = None  # a contact row to choose once read
        self.loader = BackgroundLoad(self, lambda: None)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._load_failed)

    @staticmethod
    def _letters_panel(navigator: Navigator) -> QWidget:
        panel = navigator.panel("letters.log", pupil_id=-1)
        panel.setObjectName("pupilLetters")
        return panel

    # -- showing -----------------------------------------------------------------------
    def show_pupil(self, pupil_id: int | None) -> None:
        """Show this pupil (None: nobody). The record is read on the serial worker; the
        profile says "Loading…" and takes no edits until it has come."""
        changed = pupil_id != self.pupil_id
        self.pupil_id = pupil_id
        for panel in self.panels[:2]:  # the letters follow with the details below
            panel.show_pupil(pupil_id)
        self.chart.show_pupil(pupil_id)
        self.message.clear_message()
        if pupil_id is None:
            self.loaded_id = None
            self.loader.work = lambda: None
            if self.loader.busy:
                self.loader.request()  # the read under way is dropped
            self._show_nobody()
            return
        self.setEnabled(False)  # no edits to a record not yet read
        if changed or self.loaded_id != pupil_id:
            self.name.setText(f"<h2>{LOADING_TEXT}</h2>")
            self.subtitle.setText("")
        self.loader.work = partial(pupil_reads.read_profile, self.ctx.engine, pupil_id,
                                   self.ctx.today())
        self.loader.request()

    @property
    def loading(self) -> bool:
        return self.loader.busy

    def _show_nobody(self) -> None:
        self.setEnabled(False)
        self.name.setText("<h2>No pupil selected</h2>")
        self.subtitle.setText("Choose a pupil in the list (Ctrl+F to search).")
        self.leaver.clear_message()
        self.contacts = []
        self.contact_table.setRowCount(0)
        self.contact_warning.clear_message()
        self.attendance.setText("")
        for f in self.fields.values():
            f.setText("")
        self.photo.setPixmap(QPixmap())
        self.photo.setText("No photo")
        self.leave_table.setRowCount(0)
        self.previous.setRowCount(0)

    @Slot()
    def _load_failed(self) -> None:
        exc = self.loader.error
        if not isinstance(exc, ServiceError):
            log.error("A pupil's record could not be read", exc_info=exc)
        self.loaded_id = None
        self._show_nobody()
        self.name.setText("<h2>This pupil's record could not be read</h2>")
        self.subtitle.setText("")
        self.message.show_error(str(exc) if isinstance(exc, ServiceError) else
                                "The record could not be read: see the log.")

    @Slot()
    def _loaded(self) -> None:
        data: pupil_reads.Profile | None = self.loader.result
        if data is None or data.pupil_id != self.pupil_id:
            return  # nobody, or a pupil chosen since: that read is on its way
        self.loaded_id = data.pupil_id
        self.setEnabled(True)
        p = data.pupil
        d = p.data
        self.name.setText(f"<h2>{p.name}</h2>")
        year = YEAR_LABELS.get(d.year_group, f"Year {d.year_group}")
        self.subtitle.setText(f"{p.class_name or 'No class'} · {year} · UPN {d.upn or '—'}")
        if p.leaving_date:
            self.leaver.show_warning(f"Left on {p.leaving_date:%d %B %Y}: {p.leaving_reason}."
                                     " The record and marks are kept and still reported.")
        else:
            self.leaver.clear_message()
        can = self.ctx.actor.can_edit_pupils
        self.leave_button.setVisible(p.leaving_date is None)
        self.back_button.setVisible(p.leaving_date is not None)
        self.remove_photo.setEnabled(can and p.has_photo)
        legal = f"{d.legal_forename} {d.legal_surname}"
        self.fields["legal"].setText(legal)
        self.fields["dob"].setText(f"{d.dob:%d %B %Y}")
        self.fields["sex"].setText(SEX_LABELS.get(d.sex, d.sex))
        self.fields["admission"].setText(f"{d.admission_date:%d %B %Y}")
        self.fields["sen"].setText(SEN_LABELS.get(d.sen, d.sen))
        self.fields["groups"].setText(", ".join(p.groups) or "None recorded")
        self.fields["ethnicity"].setText(d.ethnicity or "—")
        self.fields["notes"].setText(d.notes or "—")
        self._show_photo(data.photo)
        self._show_attendance(data)
        self._show_contacts(data)
        self._show_leave(data)
        self.panels[2].show_pupil(data.pupil_id)
        ctf_profile.show_previous_schools(self.previous, data.previous)
        if self.select_contact is not None:
            self.contact_table.selectRow(self.select_contact)
            self.select_contact = None
        self.loaded.emit()

    @Slot()
    def _export_ctf(self) -> None:
        if self.pupil_id is not None:
            ctf_profile.CtfExportDialog(self.ctx, self.pupil_id, self).exec()

    def _show_leave(self, data: pupil_reads.Profile) -> None:
        fill_table(self.leave_table, [
            (f"{row.first_date:%a %d %b %Y} {row.first_session} to "
             f"{row.last_date:%a %d %b %Y} {row.last_session}", row.ground, str(row.sessions),
             row.status_label,
             f"{row.decided_on:%d %b %Y} by {row.decided_by}" if row.decided_on else "—")
            for row in data.leave])

    def _show_photo(self, data: bytes | None) -> None:
        if not data:
            self.photo.setPixmap(QPixmap())
            self.photo.setText("No photo")
            return
        pix = QPixmap()
        pix.loadFromData(data)
        self.photo.setPixmap(pix.scaled(94, 118, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation))

    def _show_attendance(self, data: pupil_reads.Profile) -> None:
        summary = data.summary
        if summary is None:
            self.attendance.setText("No academic year is set up for today's date.")
            return
        c = summary.counts
        pct = c.attendance_pct_1dp()
        if pct is None:
            self.attendance.setText(f"{summary.year_name}: no sessions recorded yet.")
            return
        policy = data.policy
        absence = c.absence_pct() or 0.0
        flag, red = "", theme.hex_colour("error")
        if absence >= policy.severe_absence_pct:
            flag = f"<br><b style='color:{red}'>Severely absent</b>"
        elif absence >= policy.persistent_absence_pct:
            flag = f"<br><b style='color:{red}'>Persistently absent</b>"
        self.attendance.setText(
            f"<span style='font-size:18pt'><b>{pct:.1f}%</b></span> "
            f"({summary.start:%d %b} to {summary.end:%d %b %Y}){flag}<br>"
            f"Present {c.attended} of {c.possible} possible sessions<br>"
            f"Authorised absence {c.authorised} · unauthorised {c.unauthorised}<br>"
            f"Late before the register closed (L) {c.late_l} · after (U) {c.late_u}")

    def _show_contacts(self, data: pupil_reads.Profile) -> None:
        self.contacts = data.contacts
        self.contact_table.setRowCount(len(self.contacts))
        for r, c in enumerate(self.contacts):
            sib = f" (also {c.other_pupils} other pupil{'s' if c.other_pupils > 1 else ''})" \
                if c.other_pupils else ""
            values = (str(c.link.priority), c.name + sib, c.link.relationship, c.best_phone,
                      _yes(c.link.parental_responsibility), _yes(c.link.lives_with_pupil),
                      _yes(c.link.emergency_contact))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col >= 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.contact_table.setItem(r, col, item)
        if data.warning:
            self.contact_warning.show_warning(data.warning)
        else:
            self.contact_warning.clear_message()

    def current_contact(self) -> ContactLink | None:
        row = self.contact_table.currentRow()
        return self.contacts[row] if 0 <= row < len(self.contacts) else None

    def _after_change(self, select_contact: int | None = None) -> None:
        """Read the list and this record again; the contact row is chosen once it has come."""
        self.select_contact = select_contact
        self.owner.refresh(keep=self.pupil_id, reload_profile=True)

    def _try(self, action) -> bool:  # type: ignore[no-untyped-def]
        try:
            action()
        except ServiceError as exc:
            self.message.show_error(str(exc))
            return False
        return True

    # -- pupil actions -----------------------------------------------------------------
    @Slot()
    def _edit(self) -> None:
        if self.pupil_id is None:
            return
        dialog = PupilEditDialog(self.ctx, class_service.list_classes(self.ctx.engine),
                                 self.pupil_id, self)
        if dialog.exec():
            self._after_change()

    @Slot()
    def _move(self) -> None:
        if self.pupil_id is None:
            return
        classes = class_service.list_classes(self.ctx.engine)
        if not classes:
            self.message.show_error("There are no classes yet: add them in Settings.")
            return
        names = [c.name for c in classes]
        current = pupil_service.get_pupil(self.ctx.engine, self.pupil_id).class_name
        name, ok = QInputDialog.getItem(self, "Move class", "Move to class:", names,
                                        names.index(current) if current in names else 0,
                                        False)
        if ok and self._try(lambda: pupil_service.move_class(
                self.ctx.engine, self.ctx.actor, self.pupil_id,
                classes[names.index(name)].id)):
            self._after_change()

    @Slot()
    def _leave(self) -> None:
        if self.pupil_id is None:
            return
        name = pupil_service.get_pupil(self.ctx.engine, self.pupil_id).name
        if LeaveDialog(self.ctx, self.pupil_id, name, self).exec():
            self._after_change()

    @Slot()
    def _back(self) -> None:
        if self.pupil_id is None:
            return
        answer = QMessageBox.question(self, "Put back on roll", "This pupil was recorded as"
                                      " leaving. Put them back on roll?")
        if answer == QMessageBox.StandardButton.Yes and self._try(
                lambda: pupil_service.cancel_leaving(self.ctx.engine, self.ctx.actor,
                                                     self.pupil_id)):
            self._after_change()

    @Slot()
    def _photo(self) -> None:
        if self.pupil_id is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Choose a photo", "",
                                              "Images (*.png *.jpg *.jpeg)")
        if not path:
            return
        data = image_file_to_png(path, PHOTO_MAX_SIDE)
        if data is None:
            self.message.show_error(f"Photo: {path} could not be read as a PNG or JPEG image")
            return
        if self._try(lambda: pupil_service.set_photo(self.ctx.engine, self.ctx.actor,
                                                     self.pupil_id, data)):
            self._after_change()

    @Slot()
    def _remove_photo(self) -> None:
        if self.pupil_id is None:
            return
        answer = QMessageBox.question(self, "Remove photo", "Remove this pupil's photo?")
        if answer == QMessageBox.StandardButton.Yes and self._try(
                lambda: pupil_service.set_photo(self.ctx.engine, self.ctx.actor,
                                                self.pupil_id, None)):
            self._after_change()

    # -- contact actions ---------------------------------------------------------------
    @Slot()
    def _add_contact(self) -> None:
        if self.pupil_id is None:
            return
        if ContactDialog(self.ctx, self.pupil_id, count=len(self.contacts),
                         parent=self).exec():
            self._after_change()

    @Slot()
    def _link_contact(self) -> None:
        if self.pupil_id is None:
            return
        text, ok = QInputDialog.getText(self, "Link a contact", "Search existing contacts"
                                        " (name, phone or postcode):")
        if not ok or not text.strip():
            return
        linked = {c.contact_id for c in self.contacts}
        found = [(cid, label) for cid, label in pupil_contacts.find_contacts(self.ctx.engine,
                                                                             text)
                 if cid not in linked]
        if not found:
            self.message.show_warning(f"No other contact matches '{text.strip()}'.")
            return
        labels = [label for _, label in found]
        choice, ok = QInputDialog.getItem(self, "Link a contact", "Contact:", labels, 0, False)
        if not ok:
            return
        relationship, ok = QInputDialog.getText(self, "Link a contact",
                                                "Relationship to this pupil:")
        if not ok:
            return
        cid = found[labels.index(choice)][0]
        link = LinkInput(relationship.strip(), len(self.contacts) + 1)
        if self._try(lambda: pupil_contacts.link_contact(self.ctx.engine, self.ctx.actor,
                                                        self.pupil_id, cid, link)):
            self._after_change()

    @Slot()
    def _edit_contact(self) -> None:
        c = self.current_contact()
        if c is None or self.pupil_id is None or not self.ctx.actor.can_edit_pupils:
            return
        if ContactDialog(self.ctx, self.pupil_id, c.link_id, c.contact, c.link,
                         len(self.contacts), self).exec():
            self._after_change()

    def _move_contact(self, up: bool) -> None:
        c = self.current_contact()
        if c is None:
            return
        row = self.contact_table.currentRow()
        if self._try(lambda: pupil_contacts.move_contact(self.ctx.engine, self.ctx.actor,
                                                        c.link_id, up)):
            self._after_change(max(0, min(len(self.contacts) - 1, row + (-1 if up else 1))))

    @Slot()
    def _contact_up(self) -> None:
        self._move_contact(True)

    @Slot()
    def _contact_down(self) -> None:
        self._move_contact(False)

    @Slot()
    def _unlink(self) -> None:
        c = self.current_contact()
        if c is None:
            return
        answer = QMessageBox.question(self, "Remove contact",
                                      f"Remove {c.name} from this pupil's contacts?")
        if answer == QMessageBox.StandardButton.Yes and self._try(
                lambda: pupil_contacts.remove_link(self.ctx.engine, self.ctx.actor, c.link_id)):
            self._after_change()
