"""Staff roles and what each may do. Enforced in the services, mirrored in the GUI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICE = "office"
    TEACHER = "teacher"
    HEAD = "head"  # headteacher / attendance lead
    READONLY = "readonly"
    SYSTEM = "system"  # automatic fills
    COMMAND_LINE = "command line"  # a person at the command line (name = OS account)

    @property
    def label(self) -> str:
        return {
            Role.OFFICE: "Office staff",
            Role.TEACHER: "Teacher",
            Role.HEAD: "Headteacher / attendance lead",
            Role.READONLY: "Read-only",
            Role.SYSTEM: "System",
            Role.COMMAND_LINE: "Command line",
        }[self]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is doing something: recorded on every write."""

    name: str
    role: Role
    staff_id: int | None = None
    class_ids: frozenset[int] = frozenset()  # a teacher's own classes

    @property
    def can_write_register(self) -> bool:
        return self.role is not Role.READONLY

    @property
    def can_amend(self) -> bool:
        """Change a mark after the register has closed."""
        return self.role in (Role.OFFICE, Role.HEAD, Role.SYSTEM, Role.COMMAND_LINE)

    @property
    def can_decide_leave(self) -> bool:
        return self.role in (Role.HEAD, Role.SYSTEM)

    @property
    def can_manage_staff(self) -> bool:
        return self.role in (Role.HEAD, Role.SYSTEM)

    @property
    def can_edit_settings(self) -> bool:
        return self.role in (Role.HEAD, Role.SYSTEM)

    @property
    def can_edit_pupils(self) -> bool:
        return self.role in (Role.OFFICE, Role.HEAD, Role.SYSTEM, Role.COMMAND_LINE)

    def may_mark_class(self, class_id: int | None) -> bool:
        if self.role is Role.TEACHER:
            return class_id is not None and class_id in self.class_ids
        return self.can_write_register


SYSTEM_ACTOR = Actor("Attendance Desktop (system)", Role.SYSTEM)
CLI_ACTOR = Actor("Command line", Role.SYSTEM)
