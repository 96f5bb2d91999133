"""Citizens' phone numbers (personal data, Decree 13/2023): normalised, encrypted with a key kept
outside the database, and looked up by a keyed hash, so a copied database hands out no list."""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..store import Database
from .errors import UseCaseError

log = logging.getLogger(__name__)
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

    problem: str | None = None  # a vault that works; see LockedVault

    def __init__(self, secret: bytes) -> None:
        self._enc = AESGCM(hmac.new(secret, b"xephang phone encryption", hashlib.sha256).digest())
        self._mac = hmac.new(secret, b"xephang phone lookup", hashlib.sha256).digest()
        # Stored in the database (m340): tells the right key from a missing or another one,
        # and gives nothing of the key away.
        self.check = hmac.new(secret, b"xephang phone key check", hashlib.sha256).hexdigest()

    @classmethod
    def for_db(cls, db: Database) -> "PhoneVault | LockedVault":
        """The vault of this database: $XEPHANG_PHONE_KEY, else the key file beside it. A new
        key is made only for a database with nothing sealed yet; a database holding phones or
        a check value whose key is missing, or is not this key, gets a LockedVault: a new key
        would seal new numbers over unreadable ones (a backup restored without its key)."""
        from ..setup import _read_or_create_key
        from ..store import key_checks
        text = os.environ.get(KEY_ENV, "").strip()
        if not text:
            try:
                text = key_path(db).read_text(encoding="ascii").strip()
            except FileNotFoundError:
                text = ""
        with db.read() as conn:
            stored = key_checks.check_value(conn, CHECK_NAME)
            sample = key_checks.sealed_sample(conn) if stored is None else None
        if not text:
            if stored is not None or sample is not None:
                return LockedVault("phone_key_missing", key_path(db))
            text = _read_or_create_key(
                key_path(db), base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
        vault = cls(text.encode("utf-8"))
        if stored is not None and not hmac.compare_digest(stored, vault.check):
            return LockedVault("phone_key_mismatch", key_path(db))
        if sample is not None:
            try:
                vault.open(sample)  # a database from before m340: its phones tell
            except InvalidTag:
                return LockedVault("phone_key_mismatch", key_path(db))
        return vault

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


class LockedVault:
    """The vault of a database whose phone key is missing or not the one its phones were sealed
    with: every use is refused (503 `phone_key_unavailable`), so nothing new is sealed with the
    wrong key; callers that only notify (SMS, push) skip instead (`usable`). Walk-in tickets,
    calls and check-ins do not need it."""

    def __init__(self, problem: str, path: Path) -> None:
        self.problem, self.path = problem, path

    def _refuse(self) -> UseCaseError:
        return UseCaseError("phone_key_unavailable", 503)

    def lookup(self, phone: str) -> str:
        """Refused: no usable key."""
        raise self._refuse()

    def seal(self, text: str) -> bytes:
        """Refused: no usable key."""
        raise self._refuse()

    def open(self, blob: bytes) -> str:
        """Refused: no usable key."""
        raise self._refuse()

    def code_hash(self, phone_hash: str, code: str) -> str:
        """Refused: no usable key."""
        raise self._refuse()

    @property
    def check(self) -> str:
        """No check value: there is no usable key."""
        raise self._refuse()


CHECK_NAME = "phone"
_vaults: dict[str, PhoneVault | LockedVault] = {}


def vault_for(db: Database) -> PhoneVault | LockedVault:
    """The vault of a database, made once per process."""
    key = str(db.path if db.kind == "sqlite" else db.folder)
    if key not in _vaults:
        _vaults[key] = PhoneVault.for_db(db)
    return _vaults[key]


def usable(db: Database) -> bool:
    """Whether phone numbers can be read and sealed (else SMS and pushes are skipped)."""
    return vault_for(db).problem is None


def check_at_start(db: Database, now: str) -> str | None:
    """At start: record a good key's check value (m340), or say in one log line (vi / en) why
    SMS cannot be sent — the key's path, and to put the key back and restart. The problem's code,
    or None."""
    vault = vault_for(db)
    if vault.problem is None:
        from ..store import key_checks
        with db.write() as conn:
            if key_checks.record_check(conn, CHECK_NAME, vault.check, now) == vault.check:
                return None
        _vaults[str(db.path if db.kind == "sqlite" else db.folder)] = vault = LockedVault(
            "phone_key_mismatch", key_path(db))  # another process recorded another key first
    from ..i18n import message
    path = key_path(db)
    log.error("%s / %s", message(str(vault.problem), "vi", path=path, env=KEY_ENV),
              message(str(vault.problem), "en", path=path, env=KEY_ENV))
    return vault.problem
