"""Passwords, PKCE and sign-in redirects, without servers."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from console.auth.oidc import pkce_challenge
from console.auth.passwords import Passwords, WeakPassword
from console.web.auth_routes import safe_next


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(PasswordHasher.from_parameters(CHEAPEST))


def test_argon2id_hashes_verify_and_refuse(passwords: Passwords) -> None:
    hashed = passwords.hash("a long enough passphrase")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "a long enough passphrase")
    assert not passwords.verify(hashed, "a long enough passphrasE")
    assert not passwords.verify(None, "anything at all here")
    assert not passwords.verify("not a hash", "anything at all here")


@pytest.mark.parametrize("weak", ["short", "aaaaaaaaaaaaaaaa", "x" * 300])
def test_weak_passwords_are_refused(passwords: Passwords, weak: str) -> None:
    with pytest.raises(WeakPassword):
        passwords.hash(weak)


def test_pkce_s256_matches_rfc_7636() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/inbox", "/inbox"), ("/handoffs/1?x=2", "/handoffs/1?x=2"), ("//evil.test/x", "/"),
     ("https://evil.test/", "/"), ("javascript:alert(1)", "/"), ("", "/"), (None, "/")],
)  # fmt: skip
def test_sign_in_only_returns_to_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
