"""The one token pipeline of search: text in, index tokens out, in order.

The indexer (what is stored for a note or an insight), the query parser (what is looked for) and
the snippet highlighter (which words of a shown result to mark) all call `spans`, so a word is
found exactly when the index holds the same token the query asks for.

A token is a word normalised in Python, never by the database: Unicode NFKC, case folded, accents
dropped, then stemmed by the Snowball English stemmer ("grieving" and "grieves" are both "griev").
The database only sees a stream of opaque tokens separated by spaces (SQLite FTS5 over that string;
PostgreSQL `to_tsvector('simple', …)`, which splits on spaces and changes nothing else). That is
what lets issue 15 swap each token for a keyed HMAC of it: positions, phrase matching and ranking
stay as they are and no query changes; only `index_token` grows a key.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
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


def _stemmer():
    if not hasattr(_per_thread, "stemmer"):
        _per_thread.stemmer = snowballstemmer.stemmer("english")
    return _per_thread.stemmer


def spans(text: str | None) -> Iterator[tuple[int, int, str]]:
    """(start, end, token) for every word of the text, in order; start and end index into `text`."""
    for match in WORD.finditer(text or ""):
        token = index_token(match.group())
        if token:
            yield match.start(), match.end(), token


def tokens(text: str | None) -> list[str]:
    """The text's tokens, in order (repeats kept: positions matter for phrases and ranking)."""
    return [token for _, _, token in spans(text)]


def token_string(text: str | None) -> str:
    """The tokens joined by spaces: what the index stores for a text."""
    return " ".join(tokens(text))


@lru_cache(maxsize=65536)
def index_token(word: str) -> str:
    """One word as the index holds it (cached: notes repeat their words many times)."""
    word = unicodedata.normalize("NFKC", word).casefold()
    word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    # Letters and digits only: both databases then read the token as one word, whatever its
    # script (an underscore or an apostrophe would split it there, and not here).
    word = "".join(c for c in word if c.isalnum())[:MAX_WORD_CHARS]
    return _stemmer().stemWord(word) if word else ""
