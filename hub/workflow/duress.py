"""Does what a member of staff typed or said match the school's duress code phrase?

Staff in danger can call for help silently by using the pack's code phrase in an
ordinary-looking message (seed 001: a request to pass on that they will be late).
Case, spacing, punctuation and curly quotes are ignored, and the phrase may sit
inside a longer message. The phrase and the message are never logged or put into an
error: only the yes/no answer leaves this module.
"""

from __future__ import annotations

import hmac
import unicodedata

from hub.policy import PolicyPack


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces; punctuation and symbols dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(char if unicodedata.category(char)[0] in "LN" else " " for char in folded)
    return " ".join(kept.split())


def matches_code_phrase(message: str, pack: PolicyPack) -> bool:
    """True when ``message`` is, or contains as whole words, the pack's code phrase.

    False when the pack has no code phrase.
    """
    secret = pack.duress.code_phrase
    if secret is None:
        return False
    phrase = normalise(secret.get_secret_value())
    said = normalise(message)
    if not phrase:
        return False
    if hmac.compare_digest(said.encode(), phrase.encode()):
        return True
    return f" {phrase} " in f" {said} "
