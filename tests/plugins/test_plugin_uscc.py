"""Unified social credit codes: the checksum of GB 32100-2015 catches typos."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.uscc import ALPHABET, is_valid_uscc, normalize_uscc, uscc_check_char, uscc_problems

# Codes of real, publicly registered companies (printed on their business licences).
REAL_CODES = ["9144030071526726XG", "91110108551385082Q"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert uscc_problems(code) == []
    assert is_valid_uscc(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110108551385082R", "check character does not match (got 'R', expected 'Q')"),
        ("9111010855138508", "must be 18 characters (got 16)"),
        ("91110108551385082QQ", "must be 18 characters (got 19)"),
        ("9111010855I385082Q", "'I' at position 11"),
        ("91110108551385082q", "'q' at position 18"),
        ("91A10108551385082Q", "administrative division code"),
        ("", "must be 18 characters (got 0)"),
    ],
)
def test_bad_codes_are_explained(code, message):
    problems = uscc_problems(code)
    assert len(problems) == 1
    assert message in problems[0]
    assert not is_valid_uscc(code)


def test_non_string_is_refused():
    assert uscc_problems(91110108551385082) == ["must be a string (got int)"]


def test_normalize_accepts_what_people_type():
    assert normalize_uscc(" 9111 0108 5513 8508 2q ") == "91110108551385082Q"


def test_check_char_needs_17_known_characters():
    with pytest.raises(ValueError, match="17 characters"):
        uscc_check_char("9111")
    with pytest.raises(ValueError, match="'O' is not used"):
        uscc_check_char("9111010855138508O")


@given(st.text(alphabet=ALPHABET, min_size=9, max_size=9), st.integers(0, 999_999))
def test_generated_codes_are_valid_and_any_single_typo_is_caught(org, division):
    first17 = f"91{division:06d}{org}"
    code = first17 + uscc_check_char(first17)
    assert is_valid_uscc(code)
    # Changing one character to any other one breaks the checksum (31 is prime).
    typo = code[:10] + ALPHABET[(ALPHABET.index(code[10]) + 1) % 31] + code[11:]
    assert not is_valid_uscc(typo)
