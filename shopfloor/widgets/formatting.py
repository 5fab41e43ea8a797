"""How times and durations read on screen: one format everywhere."""

from __future__ import annotations

from datetime import datetime, tzinfo

from ..domain import TicketView


def hms(seconds: int) -> str:
    """Seconds as H:MM:SS (hours grow past 99 rather than wrap)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def hm(seconds: int) -> str:
    """Seconds as a short duration: 1h 05m, 12m."""
    minutes = max(0, int(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def local_time(moment: datetime | None, tz: tzinfo | None, fmt: str = "%d %b %H:%M") -> str:
    """A UTC timestamp in the terminal's time zone (``-`` when missing)."""
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime(fmt)


def status_label(status: str) -> str:
    """A ticket or timer status as people say it: ``waiting_qc`` -> ``waiting QC``."""
    return status.replace("_qc", " QC").replace("_", " ")


def ticket_status(ticket: TicketView) -> str:
    """A ticket's status for lists; a parked one reads as why it waits (``waiting for parts``,
    and ``: parts here`` once the parts it waited for arrived)."""
    if ticket.parked_reason:
        # The part it waited for has arrived: the technician can start it again.
        label = ticket.parked_reason.lower()
        return f"{label}: parts here" if ticket.parts_here else label
    return status_label(ticket.status)


# Marks a ticket worked longer than its SRT (with the "alarm" colours, themes.MARKERS).
OVER_SRT = "▲"


def over_srt(ticket: TicketView) -> bool:
    """Whether the time worked on ``ticket`` is past its standard repair time."""
    return ticket.worked_seconds > ticket.srt_total_minutes * 60


def srt_vs_worked(ticket: TicketView) -> str:
    """Worked time against the standard repair time: ``35m/45m``, ``▲52m/45m`` when over."""
    mark = OVER_SRT if over_srt(ticket) else ""
    return f"{mark}{hm(ticket.worked_seconds)}/{ticket.srt_total_minutes}m"


def status_and_srt(ticket: TicketView) -> str:
    """The ticket's status, marked when it is over its SRT (lists without a time column)."""
    label = ticket_status(ticket)
    return f"{label} {OVER_SRT}SRT" if over_srt(ticket) else label


def srt_alarm(ticket: TicketView) -> str | None:
    """The marker an over-SRT ticket's cell wears."""
    return "alarm" if over_srt(ticket) else None
