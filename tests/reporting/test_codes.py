"""Status codes, worst status and the 5-year rule, against a naive oracle (hypothesis)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.reporting import codes
from xinyong.reporting.features import AccountHistory, features

ALL = list(codes.CODES)


def test_every_code_of_the_reference_is_known() -> None:
    assert set(ALL) == set("N1234567DZCG#*/")
    assert set("1234567DZ") == codes.NEGATIVE


def test_worst_ranks_overdue_buckets_then_d_and_z() -> None:
    assert codes.worst([]) == "N"
    assert codes.worst(["N", "C", "*", "#", "/"]) == "N"
    assert codes.worst(["1", "3", "2"]) == "3"
    assert codes.worst(["7", "D"]) == "D"
    assert codes.rank("Z") == codes.rank("D") > codes.rank("7")


@given(st.lists(st.sampled_from(ALL), max_size=40))
def test_worst_is_the_maximum_rank(seq: list[str]) -> None:
    w = codes.worst(seq)
    assert codes.rank(w) == max([0, *(codes.rank(c) for c in seq)])


def test_cured_overdue_drops_off_five_years_after_the_cure_month_ends() -> None:
    m = codes.parse_month
    hist = [(m("2020-01"), "N"), (m("2020-02"), "1"), (m("2020-03"), "2"), (m("2020-04"), "N")]
    (ep,) = codes.episodes(hist)
    assert ep.ends_on == date(2020, 4, 30)
    assert ep.drops_on == date(2025, 4, 30)
    assert codes.hidden_months(hist, None, date(2025, 4, 29)) == set()
    assert codes.hidden_months(hist, None, date(2025, 4, 30)) == {m("2020-02"), m("2020-03")}


def test_an_uncured_overdue_never_drops_off_but_closing_the_account_ends_it() -> None:
    m = codes.parse_month
    hist = [(m("2018-01"), "5"), (m("2018-02"), "6"), (m("2018-03"), "7")]
    assert codes.episodes(hist)[0].ends_on is None
    assert codes.hidden_months(hist, None, date(2040, 1, 1)) == set()
    (ep,) = codes.episodes(hist, closed_on=date(2018, 6, 15))
    assert ep.ends_on == date(2018, 6, 15) and ep.drops_on == date(2023, 6, 15)


def test_unknown_and_gaps_do_not_end_an_episode_and_29_february_rolls_to_28() -> None:
    m = codes.parse_month
    hist = [(m("2019-12"), "1"), (m("2020-01"), "#"), (m("2020-02"), "N")]
    (ep,) = codes.episodes(hist)
    assert ep.ends_on == date(2020, 2, 29)
    assert ep.drops_on == date(2025, 2, 28)


def _oracle_hidden(seq: list[tuple[int, str]], on: date) -> set[int]:
    """A second, plain reading of decision 75 (no closing date)."""
    hidden: set[int] = set()
    run: list[int] = []
    for month, code in sorted(seq):
        if code in "1234567DZ":
            run.append(month)
        elif code in "NCG*" and run:
            y, mo = divmod(month, 12)
            end = date(y + (mo + 1) // 12, (mo + 1) % 12 + 1, 1)  # first day after the month
            last = date.fromordinal(end.toordinal() - 1)
            try:
                drops = last.replace(year=last.year + 5)
            except ValueError:
                drops = last.replace(year=last.year + 5, day=28)
            if on >= drops:
                hidden.update(run)
            run = []
    return hidden


months = st.lists(
    st.tuples(st.integers(2015 * 12, 2026 * 12), st.sampled_from(ALL)),
    max_size=60,
    unique_by=lambda t: t[0],
)


@settings(max_examples=300)
@given(months, st.dates(date(2015, 1, 1), date(2035, 12, 31)))
def test_drop_off_agrees_with_a_naive_oracle(seq: list[tuple[int, str]], on: date) -> None:
    assert codes.hidden_months(seq, None, on) == _oracle_hidden(seq, on)


@settings(max_examples=200)
@given(months, st.dates(date(2015, 1, 1), date(2030, 12, 31)), st.integers(1, 3000))
def test_what_is_hidden_stays_hidden(seq: list[tuple[int, str]], on: date, later: int) -> None:
    before = codes.hidden_months(seq, None, on)
    after = codes.hidden_months(seq, None, date.fromordinal(on.toordinal() + later))
    assert before <= after
    assert all(dict(seq)[mo] in codes.NEGATIVE for mo in after)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(ALL), min_size=1, max_size=30))
def test_score_feature_worst_status_24m_is_the_worst_of_the_window(seq: list[str]) -> None:
    on = date(2026, 11, 15)
    last = codes.month_of(on)
    hist = {last - i: (c, None) for i, c in enumerate(seq)}
    acc = AccountHistory("loan", date(2020, 1, 1), None, 100_000, hist)
    f = features([acc], [], on)
    window = [c for i, c in enumerate(seq) if i < 24]
    assert f["worst_status_24m"] == max(codes.rank(c) for c in window)
    assert f["overdue_months_24m"] == sum(c in codes.NEGATIVE for c in window)
    negative = [i for i, c in enumerate(seq) if c in codes.NEGATIVE]
    assert f["months_since_delinquency"] == (min(negative) if negative else None)
