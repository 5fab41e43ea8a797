"""Who is asking: the client address the throttle counts attempts for.

The throttle itself (limits, window, the shared table) is the domain's
(:mod:`shopfloor.domain.throttle`); this module only decides the address.
``X-Forwarded-For`` is believed only when the direct peer is one of the
configured trusted proxies (``SHOPFLOOR_TRUSTED_PROXIES``), and then only as far
as the chain of trusted proxies reaches: anyone can write that header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

from ..config import Network

UNKNOWN = "unknown"


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """The address of the client behind ``request``, as far as it can be trusted."""
    address = request.client.host if request.client else UNKNOWN
    if not _trusted(address, trusted_proxies):
        return address
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
    ]
    # Each trusted proxy appended the address it was reached from; walk back from
    # the nearest and stop at the first hop that is not a trusted proxy.
    for hop in reversed(hops):
        try:
            hop = str(ipaddress.ip_address(hop))
        except ValueError:
            return address  # garbage written by the client: the last proxy's word is all we have
        if not _trusted(hop, trusted_proxies):
            return hop
        address = hop
    return address
