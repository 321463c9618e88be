from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.domain.intervals import (
    covers,
    intersect,
    merge_into,
    normalize,
    overlaps_any,
    subtract,
)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ([], []),
        ([(5, 5)], []),
        ([(3, 4), (1, 2)], [(1, 2), (3, 4)]),
        ([(1, 3), (2, 5)], [(1, 5)]),
        ([(1, 3), (3, 5)], [(1, 5)]),
        ([(1, 10), (2, 3)], [(1, 10)]),
    ],
)
def test_normalize(given_, expected):
    assert normalize(given_) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([(0, 10)], [(5, 15)], [(5, 10)]),
        ([(0, 10)], [(10, 20)], []),
        ([(0, 10), (20, 30)], [(5, 25)], [(5, 10), (20, 25)]),
        ([(0, 100)], [(10, 20), (30, 40)], [(10, 20), (30, 40)]),
    ],
)
def test_intersect(a, b, expected):
    assert intersect(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([(0, 10)], [], [(0, 10)]),
        ([(0, 10)], [(0, 10)], []),
        ([(0, 10)], [(3, 5)], [(0, 3), (5, 10)]),
        ([(0, 10), (20, 30)], [(5, 25)], [(0, 5), (25, 30)]),
        ([(0, 10)], [(-5, 2), (8, 15)], [(2, 8)]),
    ],
)
def test_subtract(a, b, expected):
    assert subtract(a, b) == expected


@pytest.mark.parametrize(
    ("start", "end", "overlaps", "covered"),
    [
        (0, 5, False, False),
        (5, 10, False, False),
        (9, 11, True, False),
        (10, 20, True, True),
        (12, 15, True, True),
        (19, 25, True, False),
        (20, 30, False, False),
        (35, 36, True, True),
    ],
)
def test_overlaps_and_covers(start, end, overlaps, covered):
    normal = [(10, 20), (30, 40)]
    assert overlaps_any(normal, start, end) is overlaps
    assert covers(normal, start, end) is covered


spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: (min(t), max(t))), max_size=6
)


def points(intervals):
    return {x for s, e in intervals for x in range(s, e)}


@given(spans, spans)
def test_operations_agree_with_sets_of_points(a, b):
    na, nb = normalize(a), normalize(b)
    assert points(na) == points(a)
    assert points(intersect(na, nb)) == points(a) & points(b)
    assert points(subtract(na, nb)) == points(a) - points(b)
    for result in (intersect(na, nb), subtract(na, nb)):
        assert result == normalize(result)


@given(
    spans, spans, st.lists(st.integers(0, 60), max_size=5), st.integers(0, 60), st.integers(1, 10)
)
def test_touching_pieces_count_like_merged_ones(a, b, cuts, start, length):
    """Busy time straight from the database is disjoint but not merged: same answers."""
    merged = normalize(b)
    pieces = sorted(
        piece
        for lo, hi in merged
        for piece in zip(
            [lo, *sorted(c for c in set(cuts) if lo < c < hi)],
            [*sorted(c for c in set(cuts) if lo < c < hi), hi],
            strict=True,
        )
    )
    na = normalize(a)
    assert subtract(na, pieces) == subtract(na, merged)
    assert overlaps_any(pieces, start, start + length) is overlaps_any(
        merged, start, start + length
    )


@given(spans, spans)
def test_merging_a_few_into_a_list_is_merging_them_all(base, extra):
    merged = merge_into(normalize(base), extra)
    assert points(merged) == points(base) | points(extra)
    assert merged == sorted(merged)
    assert normalize(merged) == normalize([*base, *extra])
    for (_, end), (start, _) in itertools.pairwise(merged):
        assert end < start, "no two left overlapping or touching"
