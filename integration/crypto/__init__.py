"""Clinical text encrypted at rest, and the key of the search's blind index.

- keys.py: where the keys come from (the environment, or files in instance/ made once, mode 600),
  the Keyring that encrypts and decrypts, and the blind-index key. Never derived from SECRET_KEY.
- columns.py: the column types (`EncryptedText`, `EncryptedJSON`) that the models use for the text
  issue 15 names; reading and writing through the ORM or Core is transparent, the database holds
  only `enc1:<key id>:<Fernet token>`.
- rotate.py: `flask rotate-keys` (re-encrypt every encrypted column under the first key, in batches,
  resumable) and `flask reindex-search` (rebuild the blind index after SEARCH_INDEX_KEY changes).
"""
from .keys import EncryptionKeyError, Keyring, init_app, keyring

__all__ = ["EncryptionKeyError", "Keyring", "init_app", "keyring"]
