"""The big work timer: large digits that tick from a value read from the history.

Nothing is counted in memory: the screen reads the session's worked seconds
and the moment they were read; the display adds the time since, from the
shop's clock, while the session runs.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static

from ..domain import Clock
from .formatting import hms


class WorkTimer(Vertical):
    """``1:23:45`` in big digits, with a caption saying which ticket and whether it runs."""

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="work-timer")
        self.clock = clock
        self.base_seconds = 0
        self.read_at: datetime | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        yield Digits("0:00:00", id="timer-digits")
        yield Static("No timer running", id="timer-caption", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def show(self, seconds: int, read_at: datetime, *, running: bool, caption: str) -> None:
        """Show ``seconds`` as read at ``read_at``; a running timer counts on from there."""
        self.base_seconds = seconds
        self.read_at = read_at
        self.running = running
        self.set_class(running, "-running")
        self.set_class(not running and bool(seconds), "-paused")
        self.query_one("#timer-caption", Static).update(caption)
        self.tick()

    def clear(self, caption: str = "No timer running") -> None:
        """No open session: zero, neither running nor paused."""
        self.show(0, self.clock.now(), running=False, caption=caption)
        self.remove_class("-paused")

    @property
    def seconds(self) -> int:
        extra = 0
        if self.running and self.read_at is not None:
            extra = max(0, int((self.clock.now() - self.read_at).total_seconds()))
        return self.base_seconds + extra

    def tick(self) -> None:
        self.query_one("#timer-digits", Digits).update(hms(self.seconds))
