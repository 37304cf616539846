"""The one token pipeline of search: text in, index tokens out, in order.

The indexer (what is stored for a note or an insight), the query parser (what is looked for) and
the snippet highlighter (which words of a shown result to mark, `marked`) all make tokens by `spans`'
one rule, so a word is found exactly when the index holds the same token the query asks for.

A token is a word normalised in Python, never by the database: Unicode NFKC, case folded, accents
dropped, then stemmed by the Snowball English stemmer ("grieving" and "grieves" are both "griev").
The database only sees a stream of opaque tokens separated by spaces (SQLite FTS5 over that string;
PostgreSQL `to_tsvector('simple', …)`, which splits on spaces and changes nothing else). That is
what lets each token be a keyed HMAC of the stem (a blind index, issue 15): positions, phrase matching
and ranking stay as they are and no query changes; only `index_token` has a key.

The blind index: `index_token` is "k" + the first 80 bits of HMAC-SHA256(SEARCH_INDEX_KEY, stem), in
base32 (17 letters and digits), so the index holds no readable word. Two stems share a token with odds
of about n²/2⁸¹ for n distinct stems (10⁶ stems: about 4 in 10¹³). What it leaks: which notes share a
word, and how often each token occurs (frequency analysis could guess the commonest ones). What it
cannot do: substring or prefix search (only whole stemmed words). Outside an app (and under
`plain_tokens()`, used by migration 0029's downgrade and the bench) a token is the stem itself.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import snowballstemmer

# A word: letters and digits (any script), with inner apostrophes ("don't", "Zoë's") kept whole.
WORD = re.compile(r"\w+(?:['’]\w+)*")
# Longer words are not words people search for (hashes, pasted links); they are cut, not dropped,
# so the token stream keeps its positions for phrases.
MAX_WORD_CHARS = 60

# A Snowball stemmer keeps the word it is working on in itself: two threads sharing one (gunicorn's
# gthread workers serve several requests at once) cut into each other's words, and one of them failed
# with an IndexError. Each thread has its own.
_per_thread = threading.local()
_UNSET = object()
_key_override: ContextVar = ContextVar("search_index_key_override", default=_UNSET)


def _stemmer():
    if not hasattr(_per_thread, "stemmer"):
        _per_thread.stemmer = snowballstemmer.stemmer("english")
    return _per_thread.stemmer


def spans(text: str | None) -> Iterator[tuple[int, int, str]]:
    """(start, end, token) for every word of the text, in order; start and end index into `text`."""
    key = index_key()
    for match in WORD.finditer(text or ""):
        token = _token(match.group(), key)
        if token:
            yield match.start(), match.end(), token


def marked(text: str | None, marks: frozenset[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of every word of the text whose token is in `marks`, in order: what a snippet
    highlights. The tokens of `spans`, each distinct word made a token once (a note repeats its
    words, and a results page reads thousands of them)."""
    key = index_key()
    known: dict[str, bool] = {}
    for match in WORD.finditer(text or ""):
        word = match.group()
        hit = known.get(word)
        if hit is None:
            hit = known[word] = _token(word, key) in marks
        if hit:
            yield match.span()


def tokens(text: str | None) -> list[str]:
    """The text's tokens, in order (repeats kept: positions matter for phrases and ranking)."""
    return [token for _, _, token in spans(text)]


def token_string(text: str | None) -> str:
    """The tokens joined by spaces: what the index stores for a text."""
    return " ".join(tokens(text))


def index_token(word: str) -> str:
    """One word as the index holds it: the keyed HMAC of its stem ('' for no word)."""
    return _token(word, index_key())


def index_key() -> bytes | None:
    """The blind-index key in force: the app's, or the one `plain_tokens`/`keyed_tokens` set."""
    override = _key_override.get()
    if override is not _UNSET:
        return override
    from ..crypto.keys import current_search_index_key

    return current_search_index_key()


@contextmanager
def keyed_tokens(key: bytes | None):
    """Tokens made with this key (None: plain stems) inside the block."""
    reset = _key_override.set(key)
    try:
        yield
    finally:
        _key_override.reset(reset)


def plain_tokens():
    """Tokens as plain stems inside the block (migration 0029's downgrade, the bench's baseline)."""
    return keyed_tokens(None)


@lru_cache(maxsize=65536)
def _token(word: str, key: bytes | None) -> str:
    """Cached: notes repeat their words many times."""
    word = stem(word)
    if not word or key is None:
        return word
    digest = hmac.new(key, word.encode(), hashlib.sha256).digest()[:10]
    return "k" + base64.b32encode(digest).decode().lower()


def stem(word: str) -> str:
    """One word normalised and stemmed: the plain token, before any key."""
    word = unicodedata.normalize("NFKC", word).casefold()
    word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    # Letters and digits only: both databases then read the token as one word, whatever its
    # script (an underscore or an apostrophe would split it there, and not here).
    word = "".join(c for c in word if c.isalnum())[:MAX_WORD_CHARS]
    return _stemmer().stemWord(word) if word else ""
