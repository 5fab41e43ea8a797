"""Text the shared databases can store, checked where it enters the domain.

PostgreSQL refuses NUL characters in text and JSON, and no database can store
half of a UTF-16 surrogate pair; SQLite would take both silently, so the two
backends would disagree. Every free text a use case stores passes through here.
"""

from __future__ import annotations

from typing import Any

from .errors import ValidationFailed


def storable(value: str) -> bool:
    """True when ``value`` has no NUL character and encodes as UTF-8."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_text(value: str, field: str) -> str:
    """``value`` unchanged, or a ValidationFailed naming ``field``."""
    if not storable(value):
        raise ValidationFailed(
            f"{field} contains a control character or broken Unicode; retype it.", field=field
        )
    return value


def check_json_text(value: Any, field: str) -> None:
    """Every string (keys included) inside a JSON-like value must be storable."""
    if isinstance(value, str):
        clean_text(value, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json_text(key, field)
            check_json_text(item, field)
    elif isinstance(value, list | tuple):
        for item in value:
            check_json_text(item, field)


def printable_only(value: str) -> str:
    """``value`` without control characters or unpaired surrogates (for codes and queries)."""
    return "".join(ch for ch in value if ch.isprintable() and not ("\ud800" <= ch <= "\udfff"))
