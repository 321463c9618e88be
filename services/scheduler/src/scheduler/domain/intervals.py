"""Half-open intervals [start, end) of whole seconds since the epoch (UTC).

Plain ints keep the slot finder fast and make daylight-saving changes a
non-issue inside the arithmetic: wall-clock time is converted once, at the
edges (see `clock.py`). Lists are "disjoint": sorted, each item non-empty, none
overlapping (touching is fine); `normalize` makes any list so, merging as it goes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty ones, and merge those that overlap or touch."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The time in both disjoint lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        start = a_start if a_start > b_start else b_start
        end = a_end if a_end < b_end else b_end
        if start < end:
            out.append((start, end))
        if a_end < b_end:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The time in `a` but not in `b` (both disjoint)."""
    out: list[Interval] = []
    if not a:
        return out
    # Skip what ends before `a` starts in one binary search: `b` may be a month long.
    j = bisect_right(b, a[0][0], key=_end)
    size = len(b)
    for start, end in a:
        cursor = start
        while j < size and b[j][1] <= cursor:
            j += 1
        k = j
        while k < size:
            b_start, b_end = b[k]
            if b_start >= end:
                break
            if b_start > cursor:
                out.append((cursor, b_start))
            if b_end > cursor:
                cursor = b_end
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def _end(interval: Interval) -> int:
    return interval[1]


def overlaps_any(disjoint: Sequence[Interval], start: int, end: int) -> bool:
    """Whether [start, end) meets any interval of a disjoint list (binary search)."""
    i = bisect_right(disjoint, (start, 2**62))
    if i > 0 and disjoint[i - 1][1] > start:
        return True
    return i < len(disjoint) and disjoint[i][0] < end


def covers(normal: Sequence[Interval], start: int, end: int) -> bool:
    """Whether one interval of a normalized list holds all of [start, end)."""
    i = bisect_right(normal, (start, 2**62))
    return i > 0 and normal[i - 1][0] <= start and end <= normal[i - 1][1]


def merge_into(base: Sequence[Interval], extra: Sequence[Interval]) -> list[Interval]:
    """`base` (sorted) with `extra` added, re-merging only the stretch `extra` reaches,
    so adding a few intervals to a long list stays cheap."""
    if not extra:
        return list(base)
    lo = min(start for start, _ in extra)
    hi = max(end for _, end in extra)
    i = bisect_left(base, (lo,))
    while i > 0 and base[i - 1][1] >= lo:
        i -= 1
    j = bisect_right(base, (hi, 2**62))
    return [*base[:i], *normalize([*base[i:j], *extra]), *base[j:]]
