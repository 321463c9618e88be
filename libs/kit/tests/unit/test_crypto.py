import base64
import json
import os
from pathlib import Path

import pytest

from medspa_kit.crypto import (
    FieldCipher,
    Keyring,
    KeyringError,
    Purpose,
    dev_keyring,
    keyring_from_env,
)


def _keyring(active: str = "k1", *kids: str) -> Keyring:
    keys = {kid: os.urandom(32) for kid in (kids or (active,))}
    return Keyring(active, keys, os.urandom(32))


def test_seal_and_open_round_trip() -> None:
    cipher = FieldCipher(_keyring())
    sealed = cipher.seal("+14155550123", Purpose.PHONE)
    assert b"4155550123" not in sealed.ciphertext
    assert cipher.open(sealed, Purpose.PHONE) == "+14155550123"


def test_a_value_sealed_for_one_purpose_cannot_be_opened_as_another() -> None:
    cipher = FieldCipher(_keyring())
    sealed = cipher.seal("hello", Purpose.SMS_BODY)
    with pytest.raises(KeyringError, match="failed authentication"):
        cipher.open(sealed, Purpose.PHONE)


def test_tampered_ciphertext_is_refused() -> None:
    cipher = FieldCipher(_keyring())
    blob = bytearray(cipher.encrypt("Jane Doe", Purpose.NAME))
    blob[-1] ^= 1
    with pytest.raises(KeyringError):
        cipher.decrypt(bytes(blob), Purpose.NAME)


def test_old_rows_stay_readable_after_rotation() -> None:
    old = _keyring("k1", "k1")
    blob = FieldCipher(old).encrypt("Jane Doe", Purpose.NAME)
    rotated = Keyring("k2", {**old.keys, "k2": os.urandom(32)}, old.index_key)
    cipher = FieldCipher(rotated)
    assert cipher.decrypt(blob, Purpose.NAME) == "Jane Doe"
    assert cipher.seal("x", Purpose.NAME).key_id == "k2"


def test_a_retired_key_gives_a_clear_error() -> None:
    blob = FieldCipher(_keyring("gone")).encrypt("x", Purpose.NAME)
    with pytest.raises(KeyringError, match="no field key 'gone'"):
        FieldCipher(_keyring("k9")).decrypt(blob, Purpose.NAME)


def test_blind_index_is_stable_and_keyed() -> None:
    ring = _keyring()
    a, b = FieldCipher(ring), FieldCipher(ring)
    assert a.blind_index("+14155550123", Purpose.PHONE) == b.blind_index(
        "+14155550123", Purpose.PHONE
    )
    other = FieldCipher(_keyring())
    assert other.blind_index("+14155550123", Purpose.PHONE) != a.blind_index(
        "+14155550123", Purpose.PHONE
    )


def test_keys_from_environment() -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    ring = keyring_from_env(json.dumps({"prod-1": key}), "prod-1", key)
    assert ring.active == "prod-1"
    with pytest.raises(KeyringError, match="FIELD_INDEX_KEY"):
        keyring_from_env(json.dumps({"prod-1": key}), "prod-1", None)
    with pytest.raises(KeyringError, match="32 bytes"):
        keyring_from_env(json.dumps({"short": base64.b64encode(b"x").decode()}), None, key)


def test_dev_key_is_generated_once_and_shared(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    first, second = dev_keyring(path), dev_keyring(path)
    assert first == second
    assert oct(path.stat().st_mode)[-3:] == "600"
