"""Property tests: agreement with stdnum, single substitutions, normalisation."""

from __future__ import annotations

from datetime import date

import stdnum.cn.uscc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.identity import (
    InvalidCode,
    check_code,
    is_valid_ric,
    is_valid_uscc,
    uscc_check_char,
    validate_ric,
    validate_uscc,
)
from xinyong.identity.regions import PROVINCE_CODES, address_codes

from ._reference import USCC_ALPHABET, ref_ric_check, ref_uscc_check

TODAY = date(2025, 6, 1)
RIC_SYMBOLS = "0123456789X"

# REFERENCE.md §1.1, transcribed independently of the implementation's table
PAIRS = [
    *("11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39"),
    *("41", "49", "51", "52", "53", "59", "61", "62", "69", "71", "72", "79"),
    *("81", "89", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"),
]
DIGIT_PAIRS = [p for p in PAIRS if p.isdigit()]

digits = st.text("0123456789", min_size=1, max_size=1)
symbols = st.sampled_from(USCC_ALPHABET)


@st.composite
def usccs(draw: st.DrawFn, pairs: list[str] = PAIRS) -> str:
    """A valid USCC, its check character by REFERENCE.md's rule."""
    pair = draw(st.sampled_from(pairs))
    region = draw(st.sampled_from(sorted(PROVINCE_CODES))) + draw(
        st.text("0123456789", min_size=4, max_size=4)
    )
    org = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    first17 = pair + region + org
    return first17 + ref_uscc_check(first17)


_CURRENT_CODES = sorted(a.code for a in address_codes() if a.last_year is None)


@st.composite
def rics(draw: st.DrawFn) -> str:
    """A valid resident ID: a current address code, a real birth date, any sequence."""
    addr = draw(st.sampled_from(_CURRENT_CODES))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.integers(0, 999))
    first17 = f"{addr}{born:%Y%m%d}{seq:03d}"
    return first17 + ref_ric_check(first17)


@given(
    pair=st.sampled_from(DIGIT_PAIRS),
    prov=st.sampled_from(sorted(PROVINCE_CODES)),
    rest=st.text("0123456789", min_size=4, max_size=4),
    org=st.text(USCC_ALPHABET, min_size=9, max_size=9),
    check=symbols,
)
@settings(max_examples=1000)
def test_verdict_agrees_with_stdnum_where_stdnum_applies(
    pair: str, prov: str, rest: str, org: str, check: str
) -> None:
    # digits in positions 1-8 and a valid pair and region: only the check character decides
    code = pair + prov + rest + org + check
    assert is_valid_uscc(code) == stdnum.cn.uscc.is_valid(code)


@given(
    head=st.text("0123456789", min_size=8, max_size=8),
    org=st.text(USCC_ALPHABET, min_size=9, max_size=9),
    check=symbols,
)
@settings(max_examples=1000)
def test_check_character_verdict_agrees_with_stdnum_for_any_digit_prefix(
    head: str, org: str, check: str
) -> None:
    # stdnum checks neither the authority/category pair nor the region: compare only the
    # check-character verdict, and that ours never passes a code stdnum refuses
    code = head + org + check
    assert (uscc_check_char(code[:17]) == check) == stdnum.cn.uscc.is_valid(code)
    try:
        validate_uscc(code)
    except InvalidCode as e:
        assert e.reason in ("check_character", "authority_category", "region")
        if e.reason == "check_character":
            assert not stdnum.cn.uscc.is_valid(code)
    else:
        assert stdnum.cn.uscc.is_valid(code)


@given(code=usccs())
@settings(max_examples=200, deadline=None)
def test_every_single_substitution_of_a_uscc_is_refused(code: str) -> None:
    assert validate_uscc(code) == code
    for i in range(18):
        for s in USCC_ALPHABET:
            if s == code[i]:
                continue
            mutated = code[:i] + s + code[i + 1 :]
            assert not is_valid_uscc(mutated), mutated


@given(code=rics())
@settings(max_examples=200, deadline=None)
def test_every_single_substitution_of_a_ric_is_refused(code: str) -> None:
    assert validate_ric(code, today=TODAY).canonical == code
    for i in range(18):
        for s in RIC_SYMBOLS:
            if s == code[i]:
                continue
            mutated = code[:i] + s + code[i + 1 :]
            assert not is_valid_ric(mutated, today=TODAY), mutated


SEPARATORS = [" ", "\u3000", "-", "－", "—", "–", "‐", "\t"]


def _full_width(c: str) -> str:
    return chr(ord(c) + 0xFEE0)


@st.composite
def mangled(draw: st.DrawFn, code: str) -> str:
    """``code`` as a person might type it: spaced, dashed, lower-case, full-width."""
    out = []
    for c in code:
        if draw(st.booleans()):
            c = c.lower()
        if draw(st.booleans()):
            c = _full_width(c)
        out.append(c)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
    lead = draw(st.sampled_from(["", " ", "\u3000"]))
    return lead + "".join(out)


@given(data=st.data(), code=st.one_of(usccs(), rics()))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_typed_forms_of_a_valid_code_canonicalise_to_it(data: st.DataObject, code: str) -> None:
    raw = data.draw(mangled(code))
    result = check_code(raw, today=TODAY)
    assert result.valid, (raw, result.error)
    assert result.canonical == code
    assert result.input == raw
