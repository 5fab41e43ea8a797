"""The wall board: a read-only, full-screen Textual app for the workshop's TV.

Two pages take turns every ``page_seconds`` (or **space** turns them): the
leaderboard for the period (**p** cycles today, this shift, this week) and what
happens now at the benches and in the queues. Above both, in big digits: tickets
done today against the target, bikes ready, and when the board last read the shop.
It reads with a board token, never as a user, and shows every committed change
within a moment (pushed on PostgreSQL, checked once a second on SQLite).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, DataTable, Digits, Static
from textual.worker import get_current_worker

from .. import keys, themes
from ..domain import AuthenticationFailed, DomainError, Shop
from ..domain.board import Bench, Period, Queue, WallBoard, wall_board
from ..domain.changes import feed_for
from ..domain.worktime import shop_zone
from ..widgets.formatting import hms, local_time

PAGES = ("leaderboard", "now")
PAGE_TITLES = {"leaderboard": "LEADERBOARD", "now": "NOW"}
STARS = {3: "★★★", 2: "★★☆", 1: "★☆☆", 0: "—"}
DEFAULT_PAGE_SECONDS = 20.0


class BoardApp(App[None]):
    """One wall board; it changes nothing in the shop."""

    CSS_PATH = "board.tcss"
    TITLE = "shopfloor board"
    ENABLE_COMMAND_PALETTE = False
    # With ids, for config.toml's [keys] to move them (shopfloor/keymap.py).
    BINDINGS: ClassVar[list[BindingType]] = keys.BOARD

    def __init__(
        self,
        shop: Shop,
        token: str,
        *,
        page_seconds: float = DEFAULT_PAGE_SECONDS,
        period: Period = Period.TODAY,
        tz: tzinfo | None = None,
        poll_seconds: float = 1.0,
        live: bool = True,
    ) -> None:
        super().__init__()
        self.shop = shop
        self.token = token
        self.page_seconds = page_seconds
        self.period = period
        self.tz = tz
        self.poll_seconds = poll_seconds
        self.live = live  # tests turn the feed off and call reload() themselves
        self.board: WallBoard | None = None
        self.refused: str | None = None  # why the token was refused, while it is
        for theme in themes.THEMES:
            self.register_theme(theme)
        self.theme = themes.DARK

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="board-top"):
            yield Static("", id="board-title")
            yield Static("", id="board-period")
        with Horizontal(id="figures"):
            for key, label in (
                ("done", "DONE TODAY"),
                ("target", "TARGET"),
                ("ready", "READY BIKES"),
                ("clock", "UPDATED"),
            ):
                with Vertical(classes="figure", id=f"figure-{key}"):
                    yield Static(label, classes="figure-label")
                    yield Digits("-", id=f"digits-{key}")
        with ContentSwitcher(initial="leaderboard", id="pages"):
            yield DataTable(id="leaderboard", cursor_type="none", zebra_stripes=True)
            with Horizontal(id="now"):
                yield DataTable(id="benches", cursor_type="none", zebra_stripes=True)
                with Vertical(id="queues"):
                    yield Static("", id="queue-qc", classes="queue")
                    yield Static("", id="queue-new", classes="queue")
                    yield Static("", id="queue-parked", classes="queue")
        yield Static("", id="board-message")
        yield Static(
            "space next page · p today / shift / week · ctrl+q quit",
            id="board-keys",
            markup=False,
        )

    def on_mount(self) -> None:
        leaders = self.query_one("#leaderboard", DataTable)
        for label, key in (
            ("#", "rank"),
            ("Technician", "name"),
            ("XP", "xp"),
            ("QC", "qc"),
            ("Done", "done"),
            ("Rework", "rework"),
            ("Flags G Y R", "flags"),
        ):
            leaders.add_column(label, key=key)
        benches = self.query_one("#benches", DataTable)
        for label, key in (
            ("Technician", "name"),
            ("Bike", "bike"),
            ("Timer", "timer"),
            ("Time", "time"),
            ("SRT", "srt"),
            ("", "mark"),
        ):
            benches.add_column(label, key=key)
        self._show_title()
        if self.page_seconds > 0:
            self.set_interval(self.page_seconds, self.action_next_page)
        self.set_interval(1.0, self.tick)
        if self.live:
            self.run_worker(self._watch, thread=True, group="watch", exit_on_error=False)
        else:
            self.reload()

    # --- reading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Read both pages again (in a worker; a newer read replaces one in flight)."""
        self.run_worker(self._read, thread=True, group="read", exclusive=True)

    def _watch(self) -> None:
        """In a thread, for the app's life: reload whenever the shop changed."""
        worker = get_current_worker()
        feed = feed_for(self.shop, poll_seconds=self.poll_seconds)

        def changed() -> None:
            with contextlib.suppress(RuntimeError):  # the app is closing
                self.call_from_thread(self.reload)

        feed.run(changed, should_stop=lambda: worker.is_cancelled)

    def _read(self) -> None:
        worker = get_current_worker()
        board: WallBoard | None = None
        refused: str | None = None
        try:
            board = wall_board(self.shop, token=self.token, period=self.period)
        except AuthenticationFailed as exc:
            refused = exc.message
        except (DomainError, Exception) as exc:  # the database may be away: keep the last page
            refused = None if self.board is not None else f"Waiting for the shop database ({exc})"
        if worker.is_cancelled:
            return
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(self._read_done, board, refused)

    def _read_done(self, board: WallBoard | None, refused: str | None) -> None:
        message = self.query_one("#board-message", Static)
        self.refused = refused
        message.update(refused or "")
        message.display = refused is not None
        self.query_one("#pages").display = refused is None
        if board is None:
            return
        self.board = board
        self.period = board.leaderboard.period
        self._show_title()
        self._show_figures(board)
        self._show_leaders(board)
        self._show_now(board)

    # --- pages ----------------------------------------------------------------------------

    @property
    def page(self) -> str:
        return self.query_one(ContentSwitcher).current or PAGES[0]

    def action_next_page(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = PAGES[(PAGES.index(self.page) + 1) % len(PAGES)]
        self._show_title()

    def action_next_period(self) -> None:
        periods = self.board.rules.periods if self.board else (Period.TODAY, Period.WEEK)
        at = periods.index(self.period) if self.period in periods else -1
        self.period = periods[(at + 1) % len(periods)]
        self.query_one(ContentSwitcher).current = "leaderboard"
        self._show_title()
        self.reload()

    def tick(self) -> None:
        """Once a second: the running timers and the marks that depend on the time."""
        if self.board is not None:
            self._show_benches(self.board)

    # --- drawing --------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.shop.clock.now()

    def _show_title(self) -> None:
        self.query_one("#board-title", Static).update(PAGE_TITLES[self.page])
        label = self.period.label.upper() if self.page == "leaderboard" else ""
        self.query_one("#board-period", Static).update(label)

    def _show_figures(self, board: WallBoard) -> None:
        lead = board.leaderboard
        self.query_one("#digits-done", Digits).update(str(lead.done_today))
        self.query_one("#digits-target", Digits).update(str(lead.daily_target or "-"))
        self.query_one("#digits-ready", Digits).update(str(lead.ready_bikes))
        clock = local_time(board.read_at, self.tz or shop_zone(board.time_zone), "%H:%M")
        self.query_one("#digits-clock", Digits).update(clock)
        reached = bool(lead.daily_target) and lead.done_today >= lead.daily_target
        self.query_one("#figure-done").set_class(reached, "-reached")

    def _show_leaders(self, board: WallBoard) -> None:
        table = self.query_one("#leaderboard", DataTable)
        table.clear()
        for row in board.leaderboard.rows:
            flags = Text.assemble(
                (f"G {row.flags['green']}", "bold green"),
                "  ",
                (f"Y {row.flags['yellow']}", "bold yellow"),
                "  ",
                (f"R {row.flags['red']}", "bold red"),
            )
            percent = row.first_pass_percent
            qc = STARS[row.stars] + (f" {percent:.0f}%" if percent is not None else "")
            table.add_row(
                Text(str(row.rank), style="bold"),
                Text(row.name, style="bold"),
                Text(str(row.xp), style="bold"),
                qc,
                str(row.done),
                str(row.reworks),
                flags,
                key=str(row.user_id),
            )

    def _show_now(self, board: WallBoard) -> None:
        table = self.query_one("#benches", DataTable)
        table.clear()
        for bench in board.now.benches:
            table.add_row(*self._bench_cells(bench, board), key=str(bench.user_id))
        now = board.now
        self._show_queue("#queue-qc", "WAITING FOR QC", now.waiting_qc, "qc")
        self._show_queue("#queue-new", "WAITING FOR A TECHNICIAN", now.waiting_assignment, "new")
        self._show_queue("#queue-parked", "PARKED", now.parked, "parked")

    def _show_benches(self, board: WallBoard) -> None:
        table = self.query_one("#benches", DataTable)
        for bench in board.now.benches:
            cells = self._bench_cells(bench, board)
            with contextlib.suppress(Exception):  # a row a newer read removed meanwhile
                table.update_cell(str(bench.user_id), "time", cells[3])
                table.update_cell(str(bench.user_id), "mark", cells[5])

    def _bench_cells(self, bench: Bench, board: WallBoard) -> tuple[Text | str, ...]:
        if bench.ticket_id is None:
            return (bench.name, "—", Text("idle", style="dim"), "", "", "")
        now = self._now()
        worked = bench.worked_at(board.read_at, now)
        running = bench.timer == "running"
        timer = Text(
            "RUNNING" if running else "PAUSED" if bench.timer == "paused" else "STOPPED",
            style="bold green" if running else "bold yellow",
        )
        marks = []
        if bench.over_srt_at(board.read_at, now):
            marks.append(("OVER SRT", "bold red"))
        if bench.long_pause_at(now, board.now.long_pause_minutes):
            marks.append((f"LONG PAUSE · {bench.pause_reason}", "bold yellow"))
        elif bench.timer == "paused" and bench.pause_reason:
            marks.append((bench.pause_reason, ""))
        mark = Text(" ").join(Text(text, style=style) for text, style in marks)
        time_style = "bold red" if bench.over_srt_at(board.read_at, now) else "bold"
        return (
            Text(bench.name, style="bold"),
            Text(bench.bike_code, style="bold"),
            timer,
            Text(hms(worked), style=time_style),
            f"{bench.srt_minutes}m",
            mark,
        )

    def _show_queue(self, selector: str, title: str, queue: Queue, kind: str) -> None:
        lines = Text(f"{title} ({queue.total})\n", style="bold")
        for item in queue.items:
            who = item.technician_name or ""
            detail = {
                "qc": f"{who}{' · rework' if item.rework else ''}",
                "new": item.title,
                "parked": f"{item.reason} · {who}",
            }[kind]
            lines.append(f"{item.bike_code}", style="bold")
            lines.append(f"  {detail}\n")
        if not queue.items:
            lines.append("none\n", style="dim")
        elif queue.total > len(queue.items):
            lines.append(f"… and {queue.total - len(queue.items)} more\n", style="dim")
        self.query_one(selector, Static).update(lines)
