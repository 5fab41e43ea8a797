"""Widgets shared by the role screens, one module each.

Import a widget from its module (``from .widgets.header import SessionHeader``):
importing one must not import the rest, which need the domain (issue 13).
"""
