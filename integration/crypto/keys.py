"""The keys of encryption at rest and of the search's blind index, and the Keyring that uses them.

Encryption keys: ENCRYPTION_KEYS (comma-separated Fernet keys; the first encrypts, every one
decrypts) or, when it is empty, instance/encryption_keys (one key a line, the same order), made
once with one new key on first run, mode 600, atomically (O_EXCL) like the secret key. The
blind-index key: SEARCH_INDEX_KEY or instance/search_index_key, made the same way. The two are
separate from each other, from SECRET_KEY and from BACKUP_KEY: each is kept, rotated and lost on
its own.

A stored value is `enc1:<key id>:<Fernet token>`: the key id (8 hex characters of the key's
SHA-256) says which key to decrypt with and which values a rotation still has to re-encrypt; the
prefix tells an encrypted value from plaintext written before migration 0029. Fernet is AES-128-CBC
with HMAC-SHA256 (cryptography's, a maintained library): a changed or foreign value is refused,
never decrypted to garbage.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app

PREFIX = "enc1:"
ENCRYPTION_KEYS_FILE = "encryption_keys"
SEARCH_INDEX_KEY_FILE = "search_index_key"
KEY_BYTES = 32


class EncryptionKeyError(RuntimeError):
    """A key is missing, malformed, or not the one a value was encrypted with."""


def new_key_text() -> str:
    """A fresh key as text (32 random bytes, URL-safe base64, 44 characters): for ENCRYPTION_KEYS
    and SEARCH_INDEX_KEY alike."""
    return Fernet.generate_key().decode()


def key_id(key_text: str) -> str:
    return hashlib.sha256(key_text.strip().encode()).hexdigest()[:8]


def parse_key(key_text: str, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(key_text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise EncryptionKeyError(f"{name}: a key is not valid: each must be 44 characters of URL-safe base64 "
                                 "(make one with `flask encryption-key`)")
    return key


def _instance_file(instance_path: str, name: str) -> Path:
    """instance/<name>, made once with one new key (mode 600; O_EXCL: two processes agree on one)."""
    path = Path(instance_path) / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "w") as handle:
        handle.write(new_key_text() + "\n")
    return path


def encryption_key_texts(configured: str, instance_path: str) -> tuple[list[str], str]:
    """The encryption keys (first encrypts) and where they came from."""
    if configured.strip():
        texts, source = configured.split(","), "ENCRYPTION_KEYS"
    else:
        path = _instance_file(instance_path, ENCRYPTION_KEYS_FILE)
        texts, source = path.read_text().splitlines(), str(path)
    texts = [text.strip() for text in texts if text.strip()]
    if not texts:
        raise EncryptionKeyError(f"{source} holds no key")
    for text in texts:
        parse_key(text, source)
    return texts, source


def search_index_key(configured: str, instance_path: str) -> tuple[bytes, str]:
    """The blind-index key and where it came from."""
    if configured.strip():
        return parse_key(configured, "SEARCH_INDEX_KEY"), "SEARCH_INDEX_KEY"
    path = _instance_file(instance_path, SEARCH_INDEX_KEY_FILE)
    return parse_key(path.read_text(), str(path)), str(path)


class Keyring:
    """Encrypts with the first key, decrypts with whichever key a value names."""

    def __init__(self, key_texts: list[str], source: str = "ENCRYPTION_KEYS"):
        self.source = source
        self.ids = [key_id(text) for text in key_texts]
        self.primary = self.ids[0]
        self._fernets = {kid: Fernet(text.strip().encode()) for kid, text in zip(self.ids, key_texts)}
        self._prefix = f"{PREFIX}{self.primary}:"

    def encrypt(self, text: str) -> str:
        return self._prefix + self._fernets[self.primary].encrypt(text.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """The text of a stored value (plaintext from before encryption is returned as it is)."""
        if not is_encrypted(stored):
            return stored
        kid, _, token = stored[len(PREFIX):].partition(":")
        fernet = self._fernets.get(kid)
        if fernet is None:
            raise EncryptionKeyError(
                f"a value in the database was encrypted with key {kid}, which is not among the keys in "
                f"{self.source} ({', '.join(self.ids)}): put that key back (see README, Keys)")
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyError(f"a value encrypted with key {kid} does not decrypt: it was changed, "
                                     "or the key was") from None

    def is_current(self, stored: str | None) -> bool:
        """Whether a stored value needs nothing from a rotation (empty, or under the first key)."""
        return not stored or (isinstance(stored, str) and stored.startswith(self._prefix))


def is_encrypted(stored) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


def init_app(app: Flask) -> None:
    """Read (or make, on first run) both keys; a malformed key stops the app here, with its reason."""
    texts, source = encryption_key_texts(app.config.get("ENCRYPTION_KEYS", ""), app.instance_path)
    index_key, _ = search_index_key(app.config.get("SEARCH_INDEX_KEY", ""), app.instance_path)
    app.extensions["crypto"] = {"keyring": Keyring(texts, source), "search_index_key": index_key}


def keyring() -> Keyring:
    return current_app.extensions["crypto"]["keyring"]


def current_search_index_key() -> bytes | None:
    """The app's blind-index key (None outside an app: tokens are then plain stems)."""
    try:
        return current_app.extensions["crypto"]["search_index_key"]
    except (RuntimeError, KeyError):
        return None
