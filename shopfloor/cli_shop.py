"""What every ``shopfloor`` command that works on a shop does around its work."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:
    from .domain import Shop


def with_shop(settings: Settings, action: Callable[[Shop], int]) -> int:
    """Open the configured shop, run ``action`` on it and close it; its exit code."""
    from .bootstrap import open_shop  # here, not above: the TUI starts without it

    shop = open_shop(settings.database_url)
    try:
        return action(shop)
    finally:
        shop.dispose()
