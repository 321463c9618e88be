"""Authenticated field encryption with key ids, so keys rotate.

AES-256-GCM; the purpose string is bound in as associated data so a sealed
phone number cannot be replayed as a message body. Stored values keep the key
id, so old rows stay readable after a new key becomes active.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medspa.common.v1.common_pb2 import Sealed

_NONCE_BYTES = 12
_FORMAT_VERSION = 1


class Purpose:
    """Associated data for each kind of protected field: a value sealed as one
    kind cannot be opened as another."""

    PHONE = "phone"
    NAME = "name"
    SMS_BODY = "sms.body"
    TRANSCRIPT = "transcript"
    SUMMARY = "summary"
    EMAIL = "email"
    DATE_OF_BIRTH = "dob"


class KeyringError(RuntimeError):
    """The field keys are missing, malformed, or cannot open a value."""


@dataclass(frozen=True)
class Keyring:
    active: str
    keys: dict[str, bytes]
    index_key: bytes

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise KeyringError(f"active field key {self.active!r} is not among the keys")
        for kid, key in self.keys.items():
            if len(key) != 32:
                raise KeyringError(f"field key {kid!r} must be 32 bytes, got {len(key)}")


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise KeyringError(f"{what} is not valid base64") from exc


def keyring_from_env(keys_json: str, active: str | None, index_key: str | None) -> Keyring:
    try:
        raw = json.loads(keys_json)
    except json.JSONDecodeError as exc:
        raise KeyringError("FIELD_KEYS is not valid JSON") from exc
    if not isinstance(raw, dict) or not raw:
        raise KeyringError('FIELD_KEYS must be a JSON object {"key-id": "<base64>"}')
    if not index_key:
        raise KeyringError("FIELD_INDEX_KEY is required with FIELD_KEYS")
    keys = {kid: _b64(value, f"FIELD_KEYS[{kid}]") for kid, value in raw.items()}
    return Keyring(active or sorted(keys)[-1], keys, _b64(index_key, "FIELD_INDEX_KEY"))


def dev_keyring(path: Path) -> Keyring:
    """A development key generated once into `path` (never for production)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        kid = f"dev-{secrets.token_hex(4)}"
        doc = {
            "active": kid,
            "keys": {kid: base64.b64encode(os.urandom(32)).decode()},
            "index_key": base64.b64encode(os.urandom(32)).decode(),
        }
        # Write aside, then link into place: the link fails if another service
        # won the race, and nobody ever reads a half-written file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(doc))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    doc = json.loads(path.read_text())
    keys = {kid: _b64(v, f"{path}:{kid}") for kid, v in doc["keys"].items()}
    return Keyring(doc["active"], keys, _b64(doc["index_key"], f"{path}:index_key"))


class FieldCipher:
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._aead = {kid: AESGCM(key) for kid, key in keyring.keys.items()}

    @property
    def active_key_id(self) -> str:
        return self._keyring.active

    def seal(self, plaintext: str, purpose: str) -> Sealed:
        nonce = os.urandom(_NONCE_BYTES)
        kid = self._keyring.active
        ciphertext = self._aead[kid].encrypt(nonce, plaintext.encode(), purpose.encode())
        return Sealed(key_id=kid, nonce=nonce, ciphertext=ciphertext)

    def open(self, sealed: Sealed, purpose: str) -> str:
        aead = self._aead.get(sealed.key_id)
        if aead is None:
            raise KeyringError(f"no field key {sealed.key_id!r} to open a {purpose}")
        try:
            return aead.decrypt(sealed.nonce, sealed.ciphertext, purpose.encode()).decode()
        except InvalidTag as exc:
            raise KeyringError(f"a sealed {purpose} failed authentication") from exc

    def encrypt(self, plaintext: str, purpose: str) -> bytes:
        """One bytea column value: version, key id, nonce, ciphertext."""
        sealed = self.seal(plaintext, purpose)
        kid = sealed.key_id.encode()
        blob: bytes = bytes([_FORMAT_VERSION, len(kid)]) + kid + sealed.nonce + sealed.ciphertext
        return blob

    def decrypt(self, blob: bytes, purpose: str) -> str:
        if not blob or blob[0] != _FORMAT_VERSION:
            raise KeyringError(f"unknown encrypted {purpose} format")
        kid_end = 2 + blob[1]
        nonce_end = kid_end + _NONCE_BYTES
        sealed = Sealed(
            key_id=blob[2:kid_end].decode(),
            nonce=blob[kid_end:nonce_end],
            ciphertext=blob[nonce_end:],
        )
        return self.open(sealed, purpose)

    def blind_index(self, value: str, purpose: str) -> bytes:
        """A keyed hash to find a row by an encrypted value (a patient by phone)."""
        return hmac.new(
            self._keyring.index_key, f"{purpose}\0{value}".encode(), hashlib.sha256
        ).digest()


def cipher_from_settings(
    keys_json: str | None, active: str | None, index_key: str | None, key_file: Path
) -> FieldCipher:
    if keys_json:
        return FieldCipher(keyring_from_env(keys_json, active, index_key))
    return FieldCipher(dev_keyring(key_file))
