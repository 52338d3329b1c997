"""Encryption at rest of the channels' credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from SAPA_ENCRYPTION_KEY: a Fernet key (`python -c "from
cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`) or
any passphrase, which is stretched into one with HKDF-SHA256. Several keys
separated by commas rotate: the first encrypts, every one decrypts
(`sapa.social.services.rotate_credentials()` re-encrypts everything with the first).

Unset, the key is derived from SECRET_KEY. Then changing SECRET_KEY makes the
stored credentials unreadable (each channel must be reconnected): set
SAPA_ENCRYPTION_KEY in production and keep it with the backups, apart from them.
"""

import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class CredentialsUnreadable(Exception):
    """The stored credentials cannot be decrypted with the configured key(s)."""


def _derive(material: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sapa.social.credentials",
                info=b"fernet-key-v1")
    return base64.urlsafe_b64encode(hkdf.derive(material.encode()))


def _as_fernet_key(value: str) -> bytes:
    """A Fernet key as given, or one derived from a passphrase."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
        if len(raw) == 32 and len(value) == 44:
            return value.encode()
    except (binascii.Error, ValueError):
        pass
    return _derive(value)


def keys() -> list[bytes]:
    """The configured keys, the encrypting one first."""
    configured = [k.strip() for k in (getattr(settings, "SAPA_ENCRYPTION_KEY", "") or "").split(",") if k.strip()]
    if not configured:
        return [_derive("secret-key:" + settings.SECRET_KEY)]
    return [_as_fernet_key(k) for k in configured]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys()])


def encrypt(text: str) -> str:
    """Encrypt text with the first key; the token is ASCII."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a token made by encrypt() with any configured key."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnreadable(
            "The channel's credentials cannot be decrypted with SAPA_ENCRYPTION_KEY "
            "(was the key or SECRET_KEY changed?)"
        ) from None


def rotate(token: str) -> str:
    """The same secret encrypted again with the first key (sapa.social.services.rotate_credentials)."""
    return _fernet().rotate(token.encode()).decode()
