"""What the GUI and command line are handed at start-up: no globals, no singletons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.domain.roles import SYSTEM_ACTOR, Actor


@dataclass
class AppContext:
    paths: AppPaths
    engine: Engine
    clock: Callable[[], dt.datetime] = dt.datetime.now  # tests pass a fixed clock
    actor: Actor = field(default=SYSTEM_ACTOR)  # replaced when staff sign in

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().date()
