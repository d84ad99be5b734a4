"""The demo school's register: each child's absence pattern, fixed events (leave, exclusions,
amendments, follow-up) and the rows of marks written in one go."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math

from sqlmodel import Session

from attendance_desktop.db.models import (
    CallLog,
    LeaveDecision,
    LeaveRequest,
)
from attendance_desktop.domain.progress import Progress
from attendance_desktop.domain.roles import SYSTEM_ACTOR
from attendance_desktop.services.demo import demo_names
from attendance_desktop.services.demo.demo_model import (
    ABSENT_CODES,
    SOURCE,
    YEAR_GROUPS,
    Child,
    Event,
    GeneratorState,
    ProgressCallback,
)
from attendance_desktop.services.school import auth_service


class RegisterMaker(GeneratorState):
    """Plans each child's marks, then gives the rows to write."""

    def plan_segment(self, seg: int) -> dict[int, tuple[str, float]]:
        """Each on-roll child's band and share of sessions missed in this year."""
        rng = self.rng
        s0, s1 = self.seg_days[seg]
        on = [c for c in self.children if self.window(c, seg)[1] > self.window(c, seg)[0]]
        ranked = sorted(on, key=lambda c: c.latent + rng.gauss(0.0, 0.5), reverse=True)
        full = [c for c in ranked if self.window(c, seg) == (s0, s1)]
        bands: dict[int, tuple[str, float]] = {}
        if full:
            bands[full[0].key] = ("severe", rng.uniform(0.52, 0.58))
        n_pa = max(1, round(0.08 * len(on)))
        n_risk = round(0.17 * len(on))
        rest = [c for c in ranked if c.key not in bands]
        for i, c in enumerate(rest):
            if i < n_pa:
                bands[c.key] = ("persistent", rng.uniform(0.105, 0.19))
            elif i < n_pa + n_risk:
                bands[c.key] = ("at_risk", rng.uniform(0.055, 0.09))
            elif rng.random() < 0.25:
                bands[c.key] = ("normal", rng.uniform(0.0, 0.01))
            else:
                bands[c.key] = ("normal", rng.uniform(0.005, 0.045))
        return bands

    def plan_fixed_events(self, bands: dict[int, tuple[str, float]]) -> None:
        """This year's holiday, granted leave, class trip and today's unexplained absences."""
        rng = self.rng
        seg = len(self.spans) - 1
        s0, s1 = self.seg_days[seg]
        full = [c for c in self.current() if self.window(c, seg) == (s0, s1)
                and bands.get(c.key, ("", 0.0))[0] == "normal"]
        used: set[int] = set()
        # A term-time holiday without leave (G): a family leaves before a half-term break.
        run = rng.randint(5, 8)
        ends = [j for j in range(s0 + run, s1 - 1)
                if (self.days[j + 1] - self.days[j]).days > 4]
        if not ends and s1 - s0 > run + 3:
            ends = [s0 + (s1 - s0) // 2]
        if ends and full:
            end = rng.choice(ends)
            fams = [c.family for c in full if c.family is not None
                    and sum(1 for k in c.family.children if k in full) >= 2]
            pair = ([k for k in rng.choice(fams).children if k in full][:2] if fams
                    else rng.sample(full, min(2, len(full))))
            for c in pair:
                for j in range(end - run + 1, end + 1):
                    for i in self.day_sessions[j]:
                        self._event(c, i, Event("G", comment="Holiday: leave refused"))
                used.add(c.key)
            self.leave.append((pair, end - run + 1, end, "refused", "Family holiday"))
        # Leave granted for exceptional circumstances (C).
        others = [c for c in full if c.key not in used]
        for c in rng.sample(others, min(len(others), rng.randint(1, 2))):
            if s1 - s0 < 6:
                break
            length = rng.randint(2, 3)
            start = rng.randrange(s0, s1 - length - 1)
            for j in range(start, start + length):
                for i in self.day_sessions[j]:
                    self._event(c, i, Event("C", comment="Leave granted: family funeral"))
            used.add(c.key)
            self.leave.append(([c], start, start + length - 1, "granted",
                               "Attending a close relative's funeral"))
        # One class's educational visit (V).
        if s1 - s0 > 8:
            yg = rng.choice(YEAR_GROUPS)
            j = rng.randrange(s0 + 3, s1 - 2)
            trip = rng.choice(demo_names.TRIPS)
            for c in self.current():
                a, b = self.window(c, seg)
                if self.year_group(c, seg) == yg and a <= j < b:
                    for i in self.day_sessions[j]:
                        if i not in self.events.get(c.key, {}):
                            self._event(c, i, Event("V", comment=trip))
        # Today's morning: a few absences with no reason yet (N).
        last = len(self.days) - 1
        on_last = [c for c in self.current() if self.window(c, seg)[1] == last + 1
                   and self.window(c, seg)[0] <= last and c.key not in used
                   and bands.get(c.key, ("", 0.0))[0] != "severe"]
        teacher = {c.key: self.teacher_of[self.year_group(c, seg)] for c in on_last}
        for c in rng.sample(on_last, min(len(on_last), rng.randint(3, 6))):
            for i in self.day_sessions[last]:
                d, sess = self.sess[i]
                self._event(c, i, Event("N", by=teacher[c.key], role="teacher",
                                         at=self.at(d, self.reg_at[sess])))

    def _event(self, c: Child, i: int, ev: Event) -> None:
        self.events.setdefault(c.key, {})[i] = ev

    def codes_for(self, c: Child, seg: int, band: tuple[str, float]
                  ) -> tuple[dict[int, Event], list[int]]:
        """The non-default marks of one child in one year, and illness-run starts."""
        rng = self.rng
        a, b = self.window(c, seg)
        first, last = self.day_sessions[a][0], self.day_sessions[b - 1][-1]
        fixed = {i: e for i, e in self.events.get(c.key, {}).items() if first <= i <= last}
        out: dict[int, Event] = dict(fixed)
        n = last - first + 1
        kind, rate = band
        # Round towards the band: a short stay must not tip a child into the next band.
        share = rate * n
        budget = (math.ceil(share) if kind in ("persistent", "severe") else math.floor(share))
        budget -= sum(1 for e in fixed.values() if e.code in ABSENT_CODES)
        ams = [i for j in range(a, b) for i in self.day_sessions[j][:1]
               if self.sess[i][1] == "AM" and i not in out]
        # Late after the register closed (U) counts as absence, so it uses the budget.
        n_u = round(len(ams) * c.late_rate * c.u_share)
        for i in rng.sample(ams, min(n_u, len(ams))):
            mins = rng.randint(self.l_max + 1, self.l_max + 35)
            d = self.sess[i][0]
            out[i] = Event("U", mins, by=self.office, role="office",
                            at=self.at(d, self.policy.am.late_after, mins))
            budget -= 1
        starts: list[int] = []
        days = list(range(a, b))
        cum = list(itertools.accumulate(self.weights[a:b]))
        choices: tuple[str, ...]
        weights: tuple[int, ...]
        if kind == "severe":
            choices, weights = ("illness", "other", "appointment"), (35, 55, 10)
        elif kind == "persistent":
            choices, weights = ("illness", "other", "appointment", "half"), (55, 20, 15, 10)
        else:
            choices, weights = ("illness", "appointment", "half", "other"), (68, 20, 8, 4)
        tries = 0
        while budget > 0 and tries < 400:
            tries += 1
            what = rng.choices(choices, weights)[0]
            if what == "illness":
                j = rng.choices(days, cum_weights=cum)[0]
                length = rng.choices((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))[0]
                began = False
                for jj in range(j, min(b, j + length)):
                    for i in self.day_sessions[jj]:
                        if budget > 0 and i not in out:
                            out[i] = Event("I")
                            budget -= 1
                            if not began:
                                starts.append(i)
                                began = True
            elif what == "appointment":
                j = rng.choice(days)
                ss = self.day_sessions[j]
                if len(ss) == 2 and not any(i in out for i in ss):
                    i = ss[0] if rng.random() < 0.7 else ss[1]
                    out[i] = Event("M", comment=rng.choice(demo_names.APPOINTMENTS))
                    budget -= 1
            elif what == "half":  # sent home ill at lunch
                ss = self.day_sessions[rng.choice(days)]
                if len(ss) == 2 and not any(i in out for i in ss):
                    out[ss[1]] = Event("I", comment="Went home ill at lunchtime")
                    budget -= 1
            else:
                for i in self.day_sessions[rng.choice(days)]:
                    if budget > 0 and i not in out:
                        out[i] = Event("O")
                        budget -= 1
        if budget > 0:  # a very absent child: fill what is left
            free = [i for i in range(first, last + 1) if i not in out]
            for i in rng.sample(free, min(budget, len(free))):
                out[i] = Event("O" if rng.random() < 0.5 else "I")
        # Late before the register closed (L): present, minutes recorded.
        for i in ams:
            if i not in out and c.late_rate and rng.random() < c.late_rate:
                mins = min(rng.randint(1, self.l_max), rng.randint(1, self.l_max))
                out[i] = Event("L", mins, by=self.office, role="office",
                                at=self.at(self.sess[i][0], self.policy.am.late_after, mins))
        return out, starts

    def plan_register(self, report: ProgressCallback, first_step: int, total: int) -> None:
        """Decide every mark, year by year (reports progress; nothing is written)."""
        years = len(self.spans)
        for seg in range(years):
            report(Progress(first_step + seg, total,
                            f"Planning the register for {self.spans[seg][0]}"))
            bands = self.plan_segment(seg)
            if seg == years - 1:
                self.plan_fixed_events(bands)
            for c in self.children:
                a, b = self.window(c, seg)
                if a < b:
                    out, starts = self.codes_for(c, seg, bands[c.key])
                    self._plan_follow_up(c, out, starts, bands[c.key][0])
                    self.planned.append((c, seg, out))
        report(Progress(first_step + years, total, "Protecting the staff PINs"))
        for _, _, pin in self.staff:
            if pin not in self.hashes:
                self.hashes[pin] = auth_service.hash_pin(pin)

    def register_rows(self) -> list[dict[str, object]]:
        """Every synthetic mark as a row (written by mark_rows.seed_history)."""
        rows: list[dict[str, object]] = []
        sys_name, sys_role = SYSTEM_ACTOR.name, SYSTEM_ACTOR.role.value
        default_code = {"AM": "/", "PM": "\\"}
        for c, seg, out in self.planned:
            a, b = self.window(c, seg)
            assert c.id is not None
            teacher = self.teacher_of[self.year_group(c, seg)]
            for j in range(a, b):
                for i in self.day_sessions[j]:
                    d, sess = self.sess[i]
                    ev = out.get(i)
                    if ev is None:
                        code, mins, comment = default_code[sess], None, ""
                        by, role, at = teacher, "teacher", None
                    else:
                        code, mins, comment = ev.code, ev.minutes, ev.comment
                        by, role, at = ev.by or teacher, ev.role or "teacher", ev.at
                    rows.append({"pupil_id": c.id, "date": d, "session": sess,
                                 "code": code, "minutes_late": mins, "comment": comment,
                                 "source": SOURCE, "entered_by": by, "entered_role": role,
                                 "entered_at": at or self.at(d, self.reg_at[sess])})
        # Planned closures inside term (INSET days, bank holidays): '#' for everyone on roll.
        for d, closed in sorted(self.cal.closures.items()):
            if not (self.hist_start <= d <= self.today) or d.weekday() >= 5 \
                    or not self.cal.in_term(d):
                continue
            for c in self.children:
                if c.admission <= d and (c.leaving is None or c.leaving >= d):
                    for sess in ("AM", "PM"):
                        if sess in closed:
                            rows.append({"pupil_id": c.id, "date": d, "session": sess,
                                         "code": "#", "minutes_late": None, "comment": "",
                                         "source": "closure", "entered_by": sys_name,
                                         "entered_role": sys_role,
                                         "entered_at": self.created_at})
        return rows

    def _plan_follow_up(self, c: Child, out: dict[int, Event], starts: list[int],
                        kind: str) -> None:
        """Some absences began as N and were amended once the reason was known."""
        rng = self.rng
        last_day = self.days[-1]
        for i in starts:
            d, sess = self.sess[i]
            if sess == "AM" and d < last_day and rng.random() < 0.25:
                when = self.at(d, self.policy.am.closes, rng.randint(10, 75))
                note = rng.choice(demo_names.ILLNESS_NOTES)
                self.amend.append((c, i, "I", when, note))
                out[i].by, out[i].role, out[i].at = self.office, "office", when
        if kind in ("persistent", "severe"):
            for i, ev in out.items():
                d, sess = self.sess[i]
                if ev.code == "O" and sess == "AM" and rng.random() < 0.4:
                    j = bisect.bisect_left(self.days, d) + 5
                    if j < len(self.days) - 1:
                        when = self.at(self.days[j], dt.time(15, 30))
                        self.amend.append((c, i, "O", when, ""))
                        ev.by, ev.role, ev.at = self.office, "office", when

    def write_follow_up(self, s: Session) -> list[dict[str, object]]:
        """Phone calls and leave requests; returns the amendments N -> I/O for the
        register path to write."""
        history: list[dict[str, object]] = []
        rng = self.rng
        firsts: dict[int, int | None] = {}
        for fam in self.families:
            for k in fam.children:
                assert k.id is not None
                firsts[k.id] = fam.contacts[0].id if fam.contacts else None
        late_after = self.policy.am.late_after
        for c, i, new, when, note in self.amend:
            assert c.id is not None
            d, sess = self.sess[i]
            contact = firsts[c.id]
            if new == "I":
                reason = "Parent phoned"
                s.add(CallLog(pupil_id=c.id, contact_id=contact, called_at=when
                              - dt.timedelta(minutes=5), method="phone",
                              outcome="reason given", notes=f"Parent phoned: {note}",
                              staff_name=self.office))
            else:
                reason = "No reason given within 5 school days"
                for n, outcome in enumerate(("no answer", "message left")):
                    s.add(CallLog(pupil_id=c.id, contact_id=contact,
                                  called_at=self.at(d, late_after, 40 + n * 1440),
                                  method="phone", outcome=outcome, staff_name=self.office))
            history.append(dict(
                pupil_id=c.id, date=d, session=sess, old_code="N", old_minutes_late=None,
                old_comment="", new_code=new, new_minutes_late=None, new_comment="",
                reason=reason, after_close=True, source=SOURCE, amended_at=when,
                staff_name=self.office, staff_role="office"))
        for kids, j0, j1, outcome, reason in self.leave:
            first, last = self.days[j0], self.days[j1]
            received = first - dt.timedelta(days=rng.randint(15, 40))
            for c in kids:
                assert c.id is not None
                assert c.family is not None
                parent = c.family.contacts[0] if c.family.contacts else None
                req = LeaveRequest(
                    pupil_id=c.id, requested_by=(f"{parent.forename} {parent.surname}"
                                                 if parent else "Parent"),
                    relationship=parent.relationship if parent else "", received_date=received,
                    first_date=first, last_date=last, ground="C", reason=reason,
                    is_holiday=outcome == "refused", status=outcome,
                    created_at=self.at(received, dt.time(10, 0)), created_by=self.office)
                s.add(req)
                s.flush()
                assert req.id is not None
                decided = received + dt.timedelta(days=2)
                s.add(LeaveDecision(
                    request_id=req.id, outcome=outcome,
                    granted_first_date=first if outcome == "granted" else None,
                    granted_last_date=last if outcome == "granted" else None,
                    reasons=("Exceptional circumstances" if outcome == "granted"
                             else "A family holiday is not an exceptional circumstance"),
                    decided_on=decided, decided_at=self.at(decided, dt.time(15, 45)),
                    staff_name=self.head, staff_role="head"))
        return history
