"""Citizens' phone numbers (personal data, Decree 13/2023): normalised, encrypted with a key kept
outside the database, and looked up by a keyed hash, so a copied database hands out no list."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..store import Database
from .errors import UseCaseError

KEY_ENV = "XEPHANG_PHONE_KEY"
# Vietnamese mobile numbers: 0 or +84, then 9 digits starting 3, 5, 7, 8 or 9.
_MOBILE = re.compile(r"^[35789]\d{8}$")


def normalise_phone(raw: object) -> str:
    """The phone number as +84XXXXXXXXX; refuses what is not a Vietnamese mobile number."""
    if not isinstance(raw, str):
        raise UseCaseError("bad_phone", 400, field="phone")
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        rest = digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        rest = digits[2:]
    elif digits.startswith("0"):
        rest = digits[1:]
    else:
        rest = ""
    if not _MOBILE.match(rest):
        raise UseCaseError("bad_phone", 400, field="phone")
    return "+84" + rest


def masked(phone: str) -> str:
    """A phone number as a log line may show it: the last two digits only."""
    return "*" * (len(phone) - 2) + phone[-2:]


def key_path(db: Database) -> Path:
    """Where the phone key is kept: a 0600 file beside the database, never in it (PostgreSQL: in
    the process's private folder; processes on several machines must share XEPHANG_PHONE_KEY)."""
    if db.kind != "sqlite":
        return db.folder / "xephang.phone_key"
    return db.path.with_name(db.path.stem + ".phone_key")


class PhoneVault:
    """Encrypts, decrypts and hashes phone numbers with one secret key (two derived keys)."""

    def __init__(self, secret: bytes) -> None:
        self._enc = AESGCM(hmac.new(secret, b"xephang phone encryption", hashlib.sha256).digest())
        self._mac = hmac.new(secret, b"xephang phone lookup", hashlib.sha256).digest()

    @classmethod
    def for_db(cls, db: Database) -> "PhoneVault":
        """The vault of this database: $XEPHANG_PHONE_KEY, else the key file beside it."""
        from ..setup import _read_or_create_key
        text = os.environ.get(KEY_ENV, "").strip() or _read_or_create_key(
            key_path(db), base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
        return cls(text.encode("utf-8"))

    def lookup(self, phone: str) -> str:
        """The keyed hash that finds a phone's rows (useless without the key)."""
        return hmac.new(self._mac, phone.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, text: str) -> bytes:
        """`text` encrypted (AES-256-GCM, a fresh nonce in front)."""
        nonce = secrets.token_bytes(12)
        return nonce + self._enc.encrypt(nonce, text.encode("utf-8"), None)

    def open(self, blob: bytes) -> str:
        """The text sealed in `blob`."""
        return self._enc.decrypt(blob[:12], blob[12:], None).decode("utf-8")

    def code_hash(self, phone_hash: str, code: str) -> str:
        """A one-time code as stored: keyed, so the table does not give the codes away."""
        return hmac.new(self._mac, f"{phone_hash}:{code}".encode(), hashlib.sha256).hexdigest()


_vaults: dict[str, PhoneVault] = {}


def vault_for(db: Database) -> PhoneVault:
    """The vault of a database, made once per process."""
    key = str(db.path if db.kind == "sqlite" else db.folder)
    if key not in _vaults:
        _vaults[key] = PhoneVault.for_db(db)
    return _vaults[key]
