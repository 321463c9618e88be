"""Half-open intervals [start, end) of whole seconds since the epoch (UTC).

Plain ints keep the slot finder fast and make daylight-saving changes a
non-issue inside the arithmetic: wall-clock time is converted once, at the
edges (see `clock.py`). Every list here is sorted, non-overlapping and
non-empty per item ("normal"), which `normalize` produces.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty ones, and merge those that overlap or touch."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The time in both normal lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The time in `a` but not in `b` (both normal)."""
    out: list[Interval] = []
    if not a:
        return out
    # Skip what ends before `a` starts in one binary search: `b` may be a month long.
    j = bisect_right(b, a[0][0], key=_end)
    for start, end in a:
        cursor = start
        while j < len(b) and b[j][1] <= cursor:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def _end(interval: Interval) -> int:
    return interval[1]


def overlaps_any(normal: Sequence[Interval], start: int, end: int) -> bool:
    """Whether [start, end) meets any interval of a normal list (binary search)."""
    i = bisect_right(normal, (start, 2**62))
    if i > 0 and normal[i - 1][1] > start:
        return True
    return i < len(normal) and normal[i][0] < end


def covers(normal: Sequence[Interval], start: int, end: int) -> bool:
    """Whether one interval of a normal list holds all of [start, end)."""
    i = bisect_right(normal, (start, 2**62))
    return i > 0 and normal[i - 1][0] <= start and end <= normal[i - 1][1]
