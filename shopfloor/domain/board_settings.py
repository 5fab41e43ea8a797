"""The wall board's one row of settings: its token (hashed), the daily target, the shift.

Its own module so the models module only has to import it (for the metadata); the
board's reads and writes are in :mod:`.board`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime

DEFAULT_LONG_PAUSE_MINUTES = 15


class BoardSettings(Base):
    """One row (id = 1): what every wall board of the shop shares."""

    __tablename__ = "board_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("daily_target >= 0", name="daily_target_not_negative"),
        CheckConstraint("long_pause_minutes >= 1", name="long_pause_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the board token (hex); NULL until `shopfloor board token` makes one.
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Tickets the shop means to pass QC on per day; 0: no target shown.
    daily_target: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "HH:MM" shop-local time the shift starts; NULL: no shift (the board offers today).
    shift_start: Mapped[str | None] = mapped_column(String(5), nullable=True)
    # A pause longer than this is marked on the Now page.
    long_pause_minutes: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_LONG_PAUSE_MINUTES, server_default=str(DEFAULT_LONG_PAUSE_MINUTES)
    )
