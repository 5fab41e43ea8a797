"""Role screens of the terminal UI: one screen per task, one module each.

Import a screen from its module (``from .screens.login_screen import LoginScreen``):
importing one must not import the rest, which need the domain (issue 13).
"""
