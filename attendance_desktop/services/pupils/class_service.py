"""Classes: names, class teacher and display order (mixed-age classes are allowed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil, SchoolClass, SettingChange, Staff
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError


@dataclass(frozen=True, slots=True)
class ClassInfo:
    id: int
    name: str
    teacher_id: int | None
    teacher_name: str
    sort_order: int
    pupil_count: int  # pupils on roll (not leavers)


def list_classes(engine: Engine) -> list[ClassInfo]:
    with session_scope(engine) as s:
        counts = dict(s.exec(
            select(Pupil.class_id, func.count()).where(Pupil.leaving_date.is_(None))  # type: ignore[union-attr]
            .group_by(col(Pupil.class_id))).all())
        staff = {r.id: r.name for r in s.exec(select(Staff))}
        return [ClassInfo(c.id, c.name, c.teacher_id, staff.get(c.teacher_id, ""),
                          c.sort_order, int(counts.get(c.id, 0)))
                for c in s.exec(select(SchoolClass).order_by(col(SchoolClass.sort_order),
                                                             SchoolClass.name))
                if c.id is not None]


def save_class(engine: Engine, actor: Actor, name: str, teacher_id: int | None = None,
               sort_order: int | None = None, class_id: int | None = None) -> int:
    """Add a class (class_id None) or rename it / change its teacher or order."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can change classes")
    name = name.strip()
    if not name:
        raise ServiceError("give the class a name, like 'Oak' or 'Year 1/2'")
    with session_scope(engine) as s:
        clash = s.exec(select(SchoolClass).where(SchoolClass.name == name)).first()
        if clash is not None and clash.id != class_id:
            raise ServiceError(f"there is already a class called '{name}'")
        if teacher_id is not None:
            teacher = s.get(Staff, teacher_id)
            if teacher is None or not teacher.active:
                raise ServiceError("the chosen teacher is not an active staff account")
        if class_id is None:
            if sort_order is None:
                sort_order = 1 + max((c.sort_order for c in s.exec(select(SchoolClass))),
                                     default=0)
            row = SchoolClass(name=name, teacher_id=teacher_id, sort_order=sort_order)
            s.add(row)
            s.flush()
            s.add(SettingChange(area="school", key=f"class {name}", new_value=name,
                                staff_name=actor.name, staff_role=actor.role.value))
            assert row.id is not None
            return row.id
        found = s.get(SchoolClass, class_id)
        if found is None:
            raise NotFound("that class no longer exists")
        row = found
        old = f"{row.name}, teacher {row.teacher_id}, order {row.sort_order}"
        row.name = name
        row.teacher_id = teacher_id
        if sort_order is not None:
            row.sort_order = sort_order
        new = f"{row.name}, teacher {row.teacher_id}, order {row.sort_order}"
        if old != new:
            s.add(SettingChange(area="school", key=f"class {class_id}", old_value=old,
                                new_value=new, staff_name=actor.name,
                                staff_role=actor.role.value))
        s.add(row)
        return class_id


def delete_class(engine: Engine, actor: Actor, class_id: int) -> None:
    """Remove a class that has never had pupils in it (otherwise rename it instead)."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can change classes")
    with session_scope(engine) as s:
        row = s.get(SchoolClass, class_id)
        if row is None:
            raise NotFound("that class no longer exists")
        used = s.exec(select(func.count()).select_from(Pupil)
                      .where(Pupil.class_id == class_id)).one()
        if used:
            raise ServiceError(f"'{row.name}' has {used} pupil(s) (on roll or left); move them"
                               " to another class first, or rename the class")
        s.add(SettingChange(area="school", key=f"class {row.name}", old_value=row.name,
                            staff_name=actor.name, staff_role=actor.role.value))
        s.delete(row)
