"""config.toml: binding ids, the [keys] and [theme] tables, and the one-line errors.

Domain-free: no shop, no app; the Pilot test of a moved key is tests/tui/test_keymap_file.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from shopfloor import keys, themes
from shopfloor.keymap import (
    ConfigError,
    bindings,
    config_paths,
    load_ui_config,
    markdown_table,
    normalise_key,
    parse_config,
)

FILE = Path("/etc/shop/config.toml")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "tui.md"


def binding_lists() -> dict[str, list[Binding]]:
    """Every list of bindings in shopfloor.keys, by name."""
    return {
        name: value
        for name, value in vars(keys).items()
        if isinstance(value, list) and value and all(isinstance(b, Binding) for b in value)
    }


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, FILE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{FILE}: ")
    return message


# --- ids ----------------------------------------------------------------------------------


def test_every_binding_has_an_id_named_screen_dot_action() -> None:
    for name, group in binding_lists().items():
        for binding in group:
            assert binding.id is not None, (name, binding)
            assert re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", binding.id), binding.id


def test_every_list_of_keys_is_checked_where_it_works() -> None:
    placed = {id(group) for lists in keys.PLACES.values() for group in lists}
    assert [name for name, group in binding_lists().items() if id(group) not in placed] == []


def test_one_id_has_the_same_default_keys_wherever_it_is_bound() -> None:
    seen: dict[str, str] = {}
    for group in binding_lists().values():
        for binding in group:
            assert binding.id is not None
            assert seen.setdefault(binding.id, binding.key) == binding.key, binding.id


def test_an_empty_file_changes_nothing() -> None:
    config = parse_config("", FILE)
    assert (config.path, dict(config.keymap), config.theme) == (FILE, {}, None)


def test_every_id_set_to_its_own_default_keys_passes() -> None:
    lines = [f'"{info.id}" = "{",".join(info.keys)}"' for info in bindings().values()]
    config = parse_config("[keys]\n" + "\n".join(lines), FILE)
    assert len(config.keymap) == len(bindings())


# --- [keys] -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [("o", "o"), ("?", "question_mark"), ("Ctrl+L", "ctrl+l"), ("F10", "f10"),
     ("ctrl+?", "ctrl+question_mark"), ("alt+]", "alt+right_square_bracket"),
     ("K", "K"), ("pagedown", "pagedown"), ("escape", "escape"), ("space", "space")],
)  # fmt: skip
def test_a_key_is_read_as_textual_names_it(written: str, key: str) -> None:
    assert normalise_key(written) == key


def test_a_moved_key_replaces_the_default_with_dotted_or_quoted_ids() -> None:
    config = parse_config('[keys]\nwork.pause = "o"\n"qc.pass" = "ctrl+p, F12"', FILE)
    assert dict(config.keymap) == {"work.pause": "o", "qc.pass": "ctrl+p,f12"}


def test_two_keys_swapped_in_one_file_do_not_clash() -> None:
    config = parse_config('[keys]\nwork.pause = "s"\nwork.start = "p"', FILE)
    assert dict(config.keymap) == {"work.pause": "s", "work.start": "p"}


def test_the_same_key_on_two_screens_is_no_clash() -> None:
    assert parse_config('[keys]\ndashboard.days = "x"', FILE).keymap == {"dashboard.days": "x"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[keys]\nwork.paws = "o"', "[keys] work.paws: there is no binding with this id; run "
         "`shopfloor config keys`"),
        ('[keys]\nwork.pause = "ctrl+pp"', '[keys] work.pause = "ctrl+pp": \'ctrl+pp\' is not '
         "a key name"),
        ('[keys]\nwork.pause = "hyperdrive+p"', "is not a key name"),
        ('[keys]\nwork.pause = ""', "[keys] work.pause: give its keys as a string"),
        ("[keys]\nwork.pause = 5", "[keys] work.pause: give its keys as a string"),
        ('[keys]\nwork.pause = "s"', '[keys] work.pause = "s": s is also work.start on my '
         "work; give one of them another key."),
        ('[keys]\napp.quit = "ctrl+s"', "ctrl+s is also intake.create on intake"),
        ('[keys]\napp.logout = "l"', "works while typing in a field"),
        ('[keys]\nintake.create = "space"', "works while typing in a field"),
        ('[theme]\nname = "neon"', '[theme] name = "neon": there is no such theme; use one of '
         "shopfloor-dark, shopfloor-light, shopfloor-high-contrast"),
        ('[theme]\ncolour = "red"', "[theme] colour: unknown setting"),
        ("[colours]\nx = 1", "colours: unknown entry; shopfloor reads the tables [keys] and "
         "[theme] only"),
        ("[keys\n", "not valid TOML"),
        ('keys = "work.pause=o"', "keys is not a table; write [keys] on a line of its own"),
    ],
)  # fmt: skip
def test_a_mistake_is_one_line_naming_the_file_the_entry_and_what_to_do(
    text: str, says: str
) -> None:
    assert says in error_of(text)


def test_a_high_contrast_theme_can_be_chosen() -> None:
    config = parse_config('[theme]\nname = "shopfloor-high-contrast"', FILE)
    assert config.theme == themes.HIGH_CONTRAST


# --- where the file is --------------------------------------------------------------------


def test_the_file_is_looked_for_in_xdg_config_home_then_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert config_paths(data, {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}) == (
        tmp_path / "xdg" / "shopfloor" / "config.toml",
        data / "config.toml",
    )
    assert config_paths(data, {})[0] == Path.home() / ".config" / "shopfloor" / "config.toml"


def test_the_users_file_wins_over_the_data_dirs(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text('[keys]\nwork.pause = "o"\n')
    assert load_ui_config(data, env).keymap == {"work.pause": "o"}
    mine = tmp_path / "xdg" / "shopfloor" / "config.toml"
    mine.parent.mkdir(parents=True)
    mine.write_text('[keys]\nwork.pause = "u"\n')
    assert load_ui_config(data, env).keymap == {"work.pause": "u"}
    assert load_ui_config(tmp_path / "none", {"XDG_CONFIG_HOME": str(tmp_path / "no")}).path is None


# --- themes and docs ----------------------------------------------------------------------


def test_no_color_with_any_value_starts_in_the_monochrome_theme() -> None:
    assert themes.start_theme({"NO_COLOR": ""}, themes.LIGHT) == themes.MONO
    assert themes.start_theme({"NO_COLOR": "1"}) == themes.MONO
    assert themes.start_theme({}, themes.HIGH_CONTRAST) == themes.HIGH_CONTRAST
    assert themes.start_theme({"COLORFGBG": "0;15"}) == themes.LIGHT


def test_the_monochrome_theme_has_no_colour_only_greys() -> None:
    mono = themes.SHOPFLOOR_MONO
    names = ["primary", "secondary", "accent", "warning", "error", "success", "foreground",
             "background", "surface", "panel", *mono.variables]  # fmt: skip
    for name in names:
        value = themes.theme_colour(mono, name).lstrip("#")
        assert value[0:2] == value[2:4] == value[4:6], (name, value)


def test_the_docs_list_every_binding_id() -> None:
    assert markdown_table() in DOCS.read_text(encoding="utf-8")
