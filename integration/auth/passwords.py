"""Password policy: long enough, not on a common-password list, not trivially guessable."""
from functools import lru_cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn's cost grows with length; the first 64 characters decide its score well enough.
_SCORED_PREFIX = 64


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, hints: tuple[str, ...] = ()) -> str | None:
    """Why this password is refused, in plain words; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in _common_passwords():
        return "This password is on a list of common passwords. Choose another."
    result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=[h for h in hints if h])
    if result["score"] < 3:
        warning = result["feedback"].get("warning") or "This password is too easy to guess."
        return f"{warning.rstrip('.')}. Try a few unrelated words together."
    return None
