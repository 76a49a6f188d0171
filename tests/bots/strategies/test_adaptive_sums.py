"""The adaptive strategy's written-out sums give the opponent model's utilities."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from accord.bots.strategies.adaptive import _WRITTEN_OUT, _plain_sums, _sums_for, _utility
from accord.bots.tactics import OpponentModel

floats = st.one_of(
    st.floats(min_value=-1e300, max_value=1e300),  # no overflow to inf - inf
    st.sampled_from([0.0, -0.0, 1e16, -1e16, 1.0, 0.1, 0.2, 0.3, 5e-324]),
)


@st.composite
def packages(draw: st.DrawFn) -> tuple[list[float], list[tuple[int, ...]]]:
    width = draw(st.integers(1, 10))
    table = draw(st.lists(floats, min_size=1, max_size=30))
    position = st.integers(0, len(table) - 1)
    positions = draw(st.lists(st.tuples(*[position] * width), max_size=20))
    return table, positions


@given(packages())
def test_written_out_sums_equal_the_models_utility(case: tuple[list[float], list]) -> None:
    table, positions = case
    width = len(positions[0]) if positions else 1
    # OpponentModel.utility adds a package's option values with ``total``
    expected = [OpponentModel.total([table[n] for n in at]) for at in positions]
    assert _plain_sums(table, positions) == expected
    assert [_utility(table, at) for at in positions] == expected
    assert _sums_for(width)(table, positions) == expected


def test_every_written_out_width_is_right() -> None:
    # a width whose comprehension reads the wrong term, or adds one twice, fails here
    table = [float(2**n) for n in range(12)]
    for width, sums in _WRITTEN_OUT.items():
        at = tuple(range(width))
        assert sums(table, [at]) == [float(2**width - 1)]
