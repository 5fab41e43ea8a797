"""The wall board for the workshop's TV (``shopfloor board``): see :mod:`.app`."""
