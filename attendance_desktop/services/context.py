"""What the GUI and command line are handed at start-up: no globals, no singletons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import AppPaths
from attendance_desktop.domain.roles import SYSTEM_ACTOR, Actor
from attendance_desktop.services.clock import bind_clock


@dataclass
class AppContext:
    paths: AppPaths
    engine: Engine
    clock: Callable[[], dt.datetime] = dt.datetime.now  # tests pass a fixed clock
    actor: Actor = field(default=SYSTEM_ACTOR)  # replaced when staff sign in

    def __post_init__(self) -> None:
        # The one time source: the services read it from the engine (services.clock), so
        # the screens and every rule that depends on the time agree.
        bind_clock(self.engine, self.clock)

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().date()
