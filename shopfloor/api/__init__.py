"""The bundled HTTP server: the v1 wire contract over the domain core.

Routes only translate: parse the request, call one use case, shape the envelope.
Every rule lives in :mod:`shopfloor.domain`.
"""

from .app import create_app

__all__ = ["create_app"]
