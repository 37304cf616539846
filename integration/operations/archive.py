"""The backup key and the encrypted archive format.

Format (version 1): a header, then chunks of AES-256-GCM, so an archive of any size is encrypted
and decrypted in bounded memory (Fernet would hold the whole archive in memory at once).

    header  = b"INTGBAK1" | salt (16 bytes) | key check (16 bytes)
    chunk   = ciphertext length (4 bytes, big-endian) | ciphertext (plaintext + 16-byte tag)

Each archive gets its own data key, derived with HKDF-SHA256 from the backup key and the archive's
random salt, so chunk nonces (the chunk's number and a last-chunk flag) never repeat under one
key. Every chunk authenticates the header; the flag on the last chunk makes a cut-off archive
fail instead of restoring part of a database. The key check (also derived from the key and salt)
tells "wrong key" apart from "the file was changed".
"""
from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import OperationsError

MAGIC = b"INTGBAK1"
SALT_BYTES = 16
CHECK_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES + CHECK_BYTES
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
KEY_BYTES = 32
KEY_FILE = "backup_key"


def new_key_text() -> str:
    """A fresh backup key as text: 32 random bytes, URL-safe base64 (44 characters)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def parse_key(key_text: str) -> bytes:
    """The 32 key bytes of a key written as text, or a clear error."""
    try:
        key = base64.urlsafe_b64decode(key_text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise OperationsError("the backup key is not valid: it must be 44 characters of URL-safe base64 "
                              "(make one with `flask backup-key`)")
    return key


def backup_key(configured: str, instance_path: str, *, create: bool) -> tuple[bytes, str]:
    """The backup key and where it came from: BACKUP_KEY if set, else instance/backup_key.

    With create=True (making a backup) a missing key file is made once, mode 600, the way the
    secret key is; restoring never makes a key.
    """
    if configured:
        return parse_key(configured), "BACKUP_KEY"
    path = Path(instance_path) / KEY_FILE
    if create:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(new_key_text() + "\n")
            return parse_key(path.read_text()), f"{path} (made now)"
    if not path.exists():
        raise OperationsError(f"no backup key: set BACKUP_KEY, or put the key in {path}")
    return parse_key(path.read_text()), str(path)


def _derive(key: bytes, salt: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt,
                info=b"integration backup v1 " + purpose).derive(key)


def _nonce(counter: int, last: bool) -> bytes:
    return struct.pack(">QI", counter, 1 if last else 0)


class EncryptingWriter:
    """A write-only file object: what is written to it reaches `sink` encrypted, chunk by chunk.

    close() writes the last chunk; an archive whose writer was not closed cannot be restored.
    """

    def __init__(self, sink: BinaryIO, key: bytes):
        salt = os.urandom(SALT_BYTES)
        self._header = MAGIC + salt + _derive(key, salt, b"key check", CHECK_BYTES)
        self._cipher = AESGCM(_derive(key, salt, b"data", KEY_BYTES))
        self._sink = sink
        self._buffer = bytearray()
        self._counter = 0
        self.closed = False
        sink.write(self._header)

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self.closed = True

    def _emit(self, plaintext: bytes, *, last: bool) -> None:
        sealed = self._cipher.encrypt(_nonce(self._counter, last), plaintext, self._header)
        self._sink.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1


def decrypt(source: BinaryIO, key: bytes, sink: BinaryIO) -> None:
    """Write the plaintext of an archive to sink; every chunk is authenticated before it is written.

    :raise OperationsError: not an archive, the wrong key, a changed or a cut-off file.
    """
    header = source.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        raise OperationsError("this file is not an integration backup archive")
    salt, check = header[len(MAGIC):len(MAGIC) + SALT_BYTES], header[-CHECK_BYTES:]
    if not hmac.compare_digest(check, _derive(key, salt, b"key check", CHECK_BYTES)):
        raise OperationsError("wrong backup key: this archive was made with another key")
    cipher = AESGCM(_derive(key, salt, b"data", KEY_BYTES))
    counter = 0
    while True:
        sealed = _read_chunk(source)
        if sealed is None:
            raise OperationsError("the archive is incomplete (cut off before its end): do not use it")
        plaintext, last = _open_chunk(cipher, counter, sealed, header)
        sink.write(plaintext)
        counter += 1
        if last:
            break
    if source.read(1):
        raise OperationsError("the archive was changed: bytes follow its last chunk")


def _read_chunk(source: BinaryIO) -> bytes | None:
    prefix = source.read(4)
    if len(prefix) < 4:
        return None
    (length,) = struct.unpack(">I", prefix)
    if not TAG_BYTES <= length <= CHUNK_BYTES + TAG_BYTES:
        raise OperationsError("the archive was changed or damaged (a chunk has an impossible length)")
    sealed = source.read(length)
    return sealed if len(sealed) == length else None


def _open_chunk(cipher: AESGCM, counter: int, sealed: bytes, header: bytes) -> tuple[bytes, bool]:
    """Decrypt one chunk, trying it as an inner chunk and then as the last one."""
    for last in (False, True):
        try:
            return cipher.decrypt(_nonce(counter, last), sealed, header), last
        except InvalidTag:
            continue
    raise OperationsError(f"the archive was changed or damaged (chunk {counter + 1} fails its check): do not use it")
