"""Token checks that are remembered: a token checked once is not trusted past its expiry."""

from __future__ import annotations

import pytest

from shopfloor.api import tokens
from shopfloor.api.errors import ApiError
from shopfloor.api.tokens import TokenService, TokenType

from .conftest import SECRET


def test_a_remembered_token_is_still_refused_once_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = TokenService(SECRET, access_ttl=60)
    issued = tokens.time.time()
    token = service.issue(7, TokenType.ACCESS, version=3, family="fam")
    assert service.decode(token, TokenType.ACCESS).user_id == 7  # checked and remembered

    # A minute and a second later (the remembered path reads this module's clock).
    monkeypatch.setattr(tokens.time, "time", lambda: issued + 61)
    with pytest.raises(ApiError) as refused:
        service.decode(token, TokenType.ACCESS)
    assert (refused.value.status, refused.value.code) == (401, "token_expired")


def test_a_remembered_token_of_the_wrong_kind_is_still_refused() -> None:
    service = TokenService(SECRET)
    refresh = service.issue(7, TokenType.REFRESH, family="fam", token_id="r1")
    assert service.decode(refresh, TokenType.REFRESH).token_id == "r1"

    with pytest.raises(ApiError) as refused:
        service.decode(refresh, TokenType.ACCESS)
    assert refused.value.code == "token_wrong_type"
