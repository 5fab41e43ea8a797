"""The shop's keymap and theme file: ``config.toml``, read and checked at start.

Where: ``$XDG_CONFIG_HOME/shopfloor/config.toml`` (``~/.config/shopfloor/config.toml``
when XDG_CONFIG_HOME is unset), else ``config.toml`` in the data dir; the first that
exists is used. What::

    [keys]
    work.pause = "o"          # binding id = "key[,key]"
    app.logout = "ctrl+l,f12"

    [theme]
    name = "shopfloor-high-contrast"

Binding ids are ``screen.action`` (see :mod:`shopfloor.keys`; ``shopfloor config keys``
lists them). The keys are handed to Textual's ``App.set_keymap``. Every mistake (an
unknown id, key name, section or theme, a key given to two ids in one place, a plain
letter for a key that works while typing) raises :class:`ConfigError`: one line naming
the file, the entry and what to do. Nothing here touches the database.
"""

from __future__ import annotations

import os
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, Keys, key_to_character

from . import keys, themes
from .config import SettingsError

CONFIG_NAME = "config.toml"
MODIFIERS = ("ctrl", "alt", "shift", "super", "meta", "hyper")
# Named keys beyond Textual's Keys enum and the characters' own names.
_EXTRA_NAMES = frozenset({"space", "enter", "tab", "escape", "backspace", "delete"})
_EXAMPLES = "such as o, ctrl+l, alt+p, f10, escape, question_mark"
_KEYS_HINT = "run `shopfloor config keys` for the ids"


class ConfigError(SettingsError):
    """A config.toml shopfloor cannot use; the message is one line naming the entry."""


@dataclass(frozen=True)
class BindingInfo:
    """One binding id: its default keys, what it does, and where it works."""

    id: str
    keys: tuple[str, ...]
    description: str
    places: tuple[str, ...]
    # Works while a text field has focus (a priority binding): a plain letter there
    # would be taken from everything typed.
    while_typing: bool


@dataclass(frozen=True)
class UiConfig:
    """What config.toml says: the moved keys (id -> "key,key", normalised) and the theme."""

    path: Path | None = None
    keymap: Mapping[str, str] = field(default_factory=dict)
    theme: str | None = None


@cache
def bindings() -> dict[str, BindingInfo]:
    """Every binding id of the terminal UI, in the order of :data:`keys.PLACES`."""
    found: dict[str, BindingInfo] = {}
    for place, lists in keys.PLACES.items():
        for binding in (b for group in lists for b in group):
            if not isinstance(binding, Binding) or binding.id is None:
                continue
            known = found.get(binding.id)
            if known is None:
                found[binding.id] = BindingInfo(
                    binding.id,
                    tuple(normalise_key(k) for k in binding.key.split(",")),
                    binding.description,
                    (place,),
                    binding.priority,
                )
            elif place not in known.places:
                found[binding.id] = BindingInfo(
                    known.id,
                    known.keys,
                    known.description,
                    (*known.places, place),
                    known.while_typing or binding.priority,
                )
    return found


@cache
def _key_names() -> frozenset[str]:
    names = {str(k.value).rsplit("+", 1)[-1] for k in Keys}
    names |= set(KEY_TO_UNICODE_NAME) | set(KEY_NAME_REPLACEMENTS.values()) | _EXTRA_NAMES
    return frozenset(n for n in names if len(n) > 1)


def _character_name(char: str) -> str:
    """A single character as Textual names its key (``?`` -> ``question_mark``)."""
    if char.isalnum():
        return char
    name = unicodedata.name(char, char).lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(name, name)


def normalise_key(text: str) -> str:
    """``text`` as Textual names the key (``Ctrl+?`` -> ``ctrl+question_mark``).

    Raises ValueError when it is no key: an unknown name or modifier, or nothing at all.
    """
    raw = text.strip()
    if raw == "+":
        return "plus"
    if raw.endswith("++"):  # ctrl++
        raw = raw[:-2] + "+plus"
    *modifiers, base = raw.split("+")
    modifiers = [m.strip().lower() for m in modifiers]
    base = base.strip()
    if not base or any(m not in MODIFIERS for m in modifiers):
        raise ValueError(text)
    if len(base) == 1:
        if not base.isprintable() or base.isspace():
            raise ValueError(text)
        # With a modifier Textual names the letter in lower case (ctrl+l); alone, K is
        # shift+k as typed.
        base = _character_name(base.lower() if modifiers else base)
    else:
        base = base.lower()
        if base not in _key_names():
            raise ValueError(text)
    return "+".join([*dict.fromkeys(modifiers), base])


def _types_a_character(key: str) -> bool:
    """Whether ``key`` types into a text field (a letter, a digit, space, ``?``)."""
    *modifiers, _ = key.split("+")
    if any(m != "shift" for m in modifiers):
        return False
    char = key_to_character(key.rsplit("+", 1)[-1])
    return char is not None and char.isprintable()


def parse_keymap(table: Mapping[str, object], where: str) -> dict[str, str]:
    """The ``[keys]`` table as a keymap for ``App.set_keymap`` (id -> normalised keys).

    ``where`` starts each error line (the file's path). Raises :class:`ConfigError`.
    """
    known = bindings()
    keymap: dict[str, str] = {}
    written: dict[str, str] = {}  # as the file has them, for the error lines
    for binding_id, value in table.items():
        entry = f"{where}: [keys] {binding_id}"
        shown = f'{entry} = "{value}"'
        info = known.get(binding_id)
        if info is None:
            raise ConfigError(f"{entry}: there is no binding with this id; {_KEYS_HINT}.")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f'{entry}: give its keys as a string, such as {binding_id} = "o" or "ctrl+l,f12".'
            )
        moved: list[str] = []
        for part in value.split(","):
            try:
                key = normalise_key(part)
            except ValueError:
                raise ConfigError(
                    f"{shown}: {part.strip()!r} is not a key name; "
                    f"use names {_EXAMPLES} (docs/tui.md lists them)."
                ) from None
            if info.while_typing and _types_a_character(key):
                raise ConfigError(
                    f"{shown}: this key works while typing in a field, so "
                    f"{part.strip()!r} would be taken from what is typed; use a ctrl, alt "
                    "or function key, such as ctrl+l or f10."
                )
            if key not in moved:
                moved.append(key)
        keymap[binding_id] = ",".join(moved)
        written[binding_id] = value
    _check_clashes(keymap, written, where)
    return keymap


def current_keys(keymap: Mapping[str, str], binding_id: str) -> tuple[str, ...]:
    """The keys of ``binding_id`` with ``keymap`` applied."""
    if binding_id in keymap:
        return tuple(keymap[binding_id].split(","))
    return bindings()[binding_id].keys


def key_display(app: App[Any], keymap: Mapping[str, str], binding_id: str) -> str:
    """How ``app`` shows the first key of ``binding_id`` with ``keymap`` applied."""
    return app.get_key_display(Binding(current_keys(keymap, binding_id)[0], ""))


def keys_hint(app: App[Any], keymap: Mapping[str, str], binding_id: str, default: str) -> str:
    """A hint's keys for ``binding_id``: ``default`` as written ("y or enter") unless the
    keymap moved it, else its keys as the footer shows them, joined by "or"."""
    if binding_id not in keymap:
        return default
    return " or ".join(app.get_key_display(Binding(k, "")) for k in keymap[binding_id].split(","))


def hint_for(app: object, binding_id: str, default: str) -> str:
    """For screens: ``app``'s :func:`keys_hint` where it has one (ShopfloorApp), else
    ``default``."""
    hint = getattr(app, "keys_hint", None)
    return str(hint(binding_id, default)) if hint is not None else default


def _check_clashes(keymap: Mapping[str, str], written: Mapping[str, str], where: str) -> None:
    """Refuse a moved key that another id has in the same place (default clashes, such
    as a dialog's own escape over the app's, are by design and not the file's doing)."""
    known = bindings()
    moved = {i for i in keymap if current_keys(keymap, i) != known[i].keys}
    for place, lists in keys.PLACES.items():
        ids = list(
            dict.fromkeys(b.id for group in lists for b in group if isinstance(b, Binding) and b.id)
        )
        by_key: dict[str, list[str]] = {}
        for binding_id in ids:
            for key in current_keys(keymap, binding_id):
                by_key.setdefault(key, []).append(binding_id)
        for binding_id in (i for i in keymap if i in moved and i in ids):
            for key in current_keys(keymap, binding_id):
                others = [o for o in by_key[key] if o != binding_id]
                if others:
                    raise ConfigError(
                        f'{where}: [keys] {binding_id} = "{written[binding_id]}": {key} is '
                        f"also {others[0]} on {place}; give one of them another key."
                    )


def parse_theme(table: Mapping[str, object], where: str) -> str | None:
    """The ``[theme]`` table's ``name``: one of :data:`themes.THEME_NAMES`."""
    for setting in table:
        if setting != "name":
            raise ConfigError(f"{where}: [theme] {setting}: unknown setting; only name is read.")
    name = table.get("name")
    if name is None:
        return None
    if not isinstance(name, str) or name not in themes.THEME_NAMES:
        raise ConfigError(
            f'{where}: [theme] name = "{name}": there'
            f" is no such theme; use one of "
            f"{', '.join(themes.THEME_NAMES)}."
        )
    return name


def parse_config(text: str, path: Path) -> UiConfig:
    """The file's text, checked; raises :class:`ConfigError` naming ``path`` and the entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix that line.") from None
    for section, value in data.items():
        if section in ("keys", "theme") and not isinstance(value, dict):
            raise ConfigError(
                f"{path}: {section} is not a table; write [{section}] on a line of its own, "
                "then one setting a line (see docs/tui.md)."
            )
        if section not in ("keys", "theme"):
            raise ConfigError(
                f"{path}: {section}: unknown entry; shopfloor reads the tables [keys] and "
                "[theme] only (see docs/tui.md)."
            )
    keymap = parse_keymap(_flatten(data.get("keys", {})), str(path))
    theme = parse_theme(data.get("theme", {}), str(path))
    return UiConfig(path=path, keymap=keymap, theme=theme)


def _flatten(table: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """TOML reads ``work.pause = "o"`` as a table ``work`` holding ``pause``: join them back."""
    flat: dict[str, object] = {}
    for name, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def config_paths(data_dir: Path, env: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """Where config.toml is looked for, in order: the user's config dir, then the data dir."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME", "").strip()
    config_home = Path(base).expanduser() if base else Path.home() / ".config"
    return (config_home / "shopfloor" / CONFIG_NAME, data_dir / CONFIG_NAME)


def read_config(path: Path) -> UiConfig:
    """The file at ``path``, checked (a missing or unreadable file is an error here)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        message = f"{path}: cannot be read ({reason}); fix it or give another file."
        raise ConfigError(message) from None
    return parse_config(text, path)


def load_ui_config(data_dir: Path, env: Mapping[str, str] | None = None) -> UiConfig:
    """The first config.toml of :func:`config_paths` that exists, checked; else defaults."""
    for path in config_paths(data_dir, env):
        if path.is_file():
            return read_config(path)
    return UiConfig()


def key_rows(keymap: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    """(id, default keys, current keys, what it does) for every binding id."""
    return [
        (info.id, ",".join(info.keys), ",".join(current_keys(keymap, info.id)), info.description)
        for info in bindings().values()
    ]


def markdown_table() -> str:
    """The ids as a Markdown table (``shopfloor config keys --markdown``, in docs/tui.md)."""
    lines = ["| id | default keys | what it does | where |", "| --- | --- | --- | --- |"]
    tui = [place for place, lists in keys.PLACES.items() if keys.GLOBAL in lists]
    for info in bindings().values():
        everywhere = all(place in info.places for place in tui)
        where = "everywhere in the TUI" if everywhere else ", ".join(info.places)
        lines.append(f"| `{info.id}` | `{','.join(info.keys)}` | {info.description} | {where} |")
    return "\n".join(lines)
