"""shopfloor: the shop-floor system for an e-bike repair workshop."""

__version__ = "0.1.0"
