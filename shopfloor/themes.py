"""shopfloor's themes, and which one a terminal starts in.

Dark and light, a high-contrast one for poor terminals and a monochrome one for
``NO_COLOR``. All are built for a workshop: every text colour on every background it
is drawn on, the big timer included, meets WCAG AA (4.5:1); tests/tui/test_themes.py
measures it on the rendered screens. ``[theme] name`` in config.toml chooses the start
(:mod:`shopfloor.keymap`), else the terminal's own background does (``COLORFGBG``, set
by xterm, rxvt, Konsole and others); F9 switches to the other of dark and light and back.
``NO_COLOR`` (any value) starts in the monochrome theme, and Textual draws in greys too.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.theme import Theme

DARK = "shopfloor-dark"
LIGHT = "shopfloor-light"
HIGH_CONTRAST = "shopfloor-high-contrast"
MONO = "shopfloor-mono"

SHOPFLOOR_DARK = Theme(
    name=DARK,
    primary="#5AA9F0",
    secondary="#3D7DBF",
    accent="#F0B050",
    warning="#F0B050",
    error="#FF7A8A",
    success="#5CD283",
    foreground="#E6E6E6",
    background="#121212",
    surface="#1C1C1C",
    panel="#262626",
    dark=True,
    variables={
        "foreground-muted": "#B0B0B0",
        "text-muted": "#B0B0B0",
        "text-disabled": "#A0A0A0",  # input placeholders
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#5AA9F0",
        "block-cursor-blurred-foreground": "#E6E6E6",
        "block-cursor-blurred-background": "#2F4B66",
        "footer-key-foreground": "#F0B050",
        "footer-description-foreground": "#E6E6E6",
        "button-color-foreground": "#000000",
    },
)

SHOPFLOOR_LIGHT = Theme(
    name=LIGHT,
    primary="#0B5CAD",
    secondary="#0B5CAD",
    accent="#8A4B00",
    warning="#8A4B00",
    error="#B3261E",
    success="#1E6B34",
    foreground="#1A1A1A",
    background="#F7F7F7",
    surface="#FFFFFF",
    panel="#E6E6E6",
    dark=False,
    variables={
        "foreground-muted": "#4D4D4D",
        "text-muted": "#4D4D4D",
        "text-disabled": "#5C5C5C",  # input placeholders
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-background": "#0B5CAD",
        "block-cursor-blurred-foreground": "#1A1A1A",
        "block-cursor-blurred-background": "#C9DDF2",
        "footer-key-foreground": "#0B5CAD",
        "footer-description-foreground": "#1A1A1A",
        "button-color-foreground": "#FFFFFF",
    },
)

# For a poor terminal or a glaring workshop: pure black and white, bright colours, every
# pair at 7:1 or more (WCAG AAA). Chosen in config.toml ([theme] name).
SHOPFLOOR_HIGH_CONTRAST = Theme(
    name=HIGH_CONTRAST,
    primary="#66CCFF",
    secondary="#66CCFF",
    accent="#FFD700",
    warning="#FFD700",
    error="#FF9999",
    success="#66FF66",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1F1F1F",
    dark=True,
    variables={
        "foreground-muted": "#E0E0E0",
        "text-muted": "#E0E0E0",
        "text-disabled": "#C8C8C8",  # input placeholders
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#FFD700",
        "block-cursor-blurred-foreground": "#FFFFFF",
        "block-cursor-blurred-background": "#404040",
        "footer-key-foreground": "#FFD700",
        "footer-description-foreground": "#FFFFFF",
        "button-color-foreground": "#000000",
    },
)

# NO_COLOR (any value): greys only, so nothing depends on colour; states carry words.
SHOPFLOOR_MONO = Theme(
    name=MONO,
    primary="#FFFFFF",
    secondary="#D0D0D0",
    accent="#FFFFFF",
    warning="#FFFFFF",
    error="#FFFFFF",
    success="#FFFFFF",
    foreground="#E8E8E8",
    background="#000000",
    surface="#000000",
    panel="#262626",
    dark=True,
    variables={
        "foreground-muted": "#C0C0C0",
        "text-muted": "#C0C0C0",
        "text-disabled": "#B0B0B0",
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#FFFFFF",
        "block-cursor-blurred-foreground": "#FFFFFF",
        "block-cursor-blurred-background": "#4A4A4A",
        "footer-key-foreground": "#FFFFFF",
        "footer-description-foreground": "#E8E8E8",
        "button-color-foreground": "#000000",
    },
)

THEMES = (SHOPFLOOR_DARK, SHOPFLOOR_LIGHT, SHOPFLOOR_HIGH_CONTRAST, SHOPFLOOR_MONO)
THEME_NAMES: tuple[str, ...] = tuple(theme.name for theme in THEMES)

# What the stylesheet draws on what, by theme colour name: (text, backgrounds). Every pair
# must meet 4.5:1 in both themes (tests/tui/test_themes.py computes it from the themes).
TEXT_ON: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foreground", ("background", "surface", "panel")),
    ("foreground-muted", ("background", "surface", "panel")),  # hints, status line
    ("primary", ("background", "surface")),  # section and dialog titles
    ("success", ("background", "surface")),  # a done action, a running timer
    ("warning", ("background", "surface")),  # a paused timer, a bike to check
    ("error", ("background", "surface", "panel")),  # refusals, field errors
    ("text-disabled", ("surface",)),  # input placeholders
    ("footer-key-foreground", ("panel",)),
    ("footer-description-foreground", ("panel",)),
    ("block-cursor-foreground", ("block-cursor-background",)),
    ("block-cursor-blurred-foreground", ("block-cursor-blurred-background",)),
)

# Table cells that must stand out (a ticket over its SRT, a pause budget used up): bold
# text on a background of their own, so they read the same on any row, zebra stripe or
# cursor, and carry a word or sign too (for NO_COLOR and colour-blind eyes).
MARKERS: dict[str, tuple[str, str]] = {
    "alarm": ("background", "error"),  # (text, background) by theme colour name
}


def theme_colour(theme: Theme, name: str) -> str:
    """A theme's colour by name: one of its fields (``error``) or variables."""
    value = getattr(theme, name.replace("-", "_"), None)
    if isinstance(value, str):
        return value
    return theme.variables[name]


def marker_style(theme: Theme, marker: str) -> str:
    """The Rich style of a table cell wearing ``marker`` in ``theme``."""
    text, background = MARKERS[marker]
    return f"bold {theme_colour(theme, text)} on {theme_colour(theme, background)}"


# COLORFGBG's background is a 16-colour index: 7 (white) and 9-15 (bright) are light.
_LIGHT_BACKGROUNDS = frozenset({"7", *(str(n) for n in range(9, 16))})


def terminal_theme(environ: Mapping[str, str]) -> str:
    """The theme matching the terminal's background where it says (COLORFGBG), else dark."""
    colorfgbg = environ.get("COLORFGBG", "")
    background = colorfgbg.rsplit(";", 1)[-1].strip() if colorfgbg else ""
    return LIGHT if background in _LIGHT_BACKGROUNDS else DARK


def other_theme(name: str) -> str:
    """The theme F9 switches to from ``name``: the other of dark and light."""
    return DARK if name == LIGHT else LIGHT


def start_theme(environ: Mapping[str, str], configured: str | None = None) -> str:
    """The theme a terminal starts in: monochrome under ``NO_COLOR`` (any value, even
    empty), else the one in config.toml, else the terminal's own (:func:`terminal_theme`)."""
    if "NO_COLOR" in environ:
        return MONO
    return configured or terminal_theme(environ)
