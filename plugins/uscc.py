"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

An 18-character code identifies every registered organisation in China:
registration authority (1), organisation type (1), administrative division of
the registering office (6 digits), organisation code (9, GB 11714) and a check
character. The check character makes typos visible, so the vendor form and the
plug-in manifests both reject a code whose checksum does not add up.
"""

from __future__ import annotations

import re

# The 31 characters of the code: digits and capitals without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, …
_DIVISION_RE = re.compile(r"^[0-9]{6}$")
LENGTH = 18


def normalize_uscc(code: str) -> str:
    """``code`` without surrounding or inner spaces, in capitals (as people type it)."""
    return re.sub(r"\s+", "", code).upper()


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a code (GB 32100-2015, 4.3)."""
    if len(first17) != LENGTH - 1:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not used in credit codes") from None
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problems(code: str) -> list[str]:
    """Every problem with ``code`` as a short message; an empty list means it is valid.

    The code is checked as given: call :func:`normalize_uscc` first to accept
    lower case and spaces.
    """
    if not isinstance(code, str):
        return [f"must be a string (got {type(code).__name__})"]
    if len(code) != LENGTH:
        return [f"must be {LENGTH} characters (got {len(code)})"]
    bad = [(i + 1, ch) for i, ch in enumerate(code) if ch not in _VALUE]
    if bad:
        where = ", ".join(f"{ch!r} at position {pos}" for pos, ch in bad)
        return [f"contains characters that are not used in credit codes: {where}"]
    if not _DIVISION_RE.match(code[2:8]):
        return [f"characters 3-8 must be an administrative division code (got {code[2:8]!r})"]
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return [f"check character does not match (got {code[17]!r}, expected {expected!r})"]
    return []


def is_valid_uscc(code: str) -> bool:
    """Whether ``code`` is a well-formed credit code with a correct check character."""
    return not uscc_problems(code)
