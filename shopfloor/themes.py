"""shopfloor's two themes, and which one a terminal starts in.

Both are built for a workshop: every text colour on every background it is
drawn on, the big timer included, meets WCAG AA (4.5:1); tests/tui/test_themes.py
measures it on the rendered screens. The terminal's own background decides the
start (``COLORFGBG``, set by xterm, rxvt, Konsole and others); F9 switches.
``NO_COLOR`` is honoured by Textual itself (everything is drawn in greys).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.theme import Theme

DARK = "shopfloor-dark"
LIGHT = "shopfloor-light"

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

THEMES = (SHOPFLOOR_DARK, SHOPFLOOR_LIGHT)

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
    """The theme F9 switches to."""
    return DARK if name == LIGHT else LIGHT
