"""Secret shapes masked whatever their value: credential headers in any text."""

from __future__ import annotations

import pytest

from certify.redact import Redactor


@pytest.mark.parametrize(("text", "masked"), [
    ("Api-Key: abc123secret", "Api-Key: ***"),
    ("private-token: glpat-xyz", "private-token: ***"),
    ('apikey: "zz9"', 'apikey: "***"'),
    ("curl -H 'Private-Token: tok' https://x", "curl -H 'Private-Token: ***' https://x"),
    ("X-Api-Key: k1", "X-Api-Key: ***"),
    ("Authorization: Bearer abcdef123", "Authorization: Bearer ***"),
])
def test_credential_headers_are_masked(text: str, masked: str) -> None:
    assert Redactor().text(text) == masked


def test_prose_naming_a_header_is_left_alone() -> None:
    assert Redactor().text("the Api-Key header is documented") == "the Api-Key header is documented"
