"""``shopfloor config …``: check the keymap and theme file, list the binding ids.

- ``config check [PATH]``: "ok", or the one line the TUI would refuse to start with.
- ``config keys [--markdown]``: every binding id, its default and current keys.

Neither opens a shop.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .config import Settings
from .keymap import config_paths, key_rows, load_ui_config, markdown_table, read_config


def cmd_config_check(settings: Settings, args: argparse.Namespace) -> int:
    if args.path is not None:
        read_config(Path(args.path))
        print("ok")
        return 0
    ui = load_ui_config(settings.data_dir)
    if ui.path is None:
        looked = " or ".join(str(p) for p in config_paths(settings.data_dir))
        print(f"ok (no config file: looked for {looked})")
    else:
        print(f"ok ({ui.path})")
    return 0


def cmd_config_keys(settings: Settings, args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown_table())
        return 0
    rows = key_rows(load_ui_config(settings.data_dir).keymap)  # a bad file: one line, as at start
    width = max(len(r[0]) for r in rows)
    keys_width = max(len(r[1]) for r in rows)
    print(f"{'ID':<{width}}  {'DEFAULT':<{keys_width}}  CURRENT")
    for binding_id, default, current, _what in rows:
        print(f"{binding_id:<{width}}  {default:<{keys_width}}  {current}")
    return 0


def add_config_commands(sub: Any) -> None:
    """``config check`` and ``config keys`` under the top-level parser's ``sub``."""
    config = sub.add_parser(
        "config", help="the keymap and theme file (config.toml)"
    ).add_subparsers(metavar="ACTION", required=True)
    check = config.add_parser(
        "check", help="check config.toml (or PATH): prints ok or what to fix, in one line"
    )
    check.add_argument("path", nargs="?", metavar="PATH", help="the file to check")
    check.set_defaults(func=cmd_config_check)
    keys = config.add_parser("keys", help="every binding id, its default and current keys")
    keys.add_argument(
        "--markdown", action="store_true", help="a Markdown table of the ids (for docs/tui.md)"
    )
    keys.set_defaults(func=cmd_config_keys)
