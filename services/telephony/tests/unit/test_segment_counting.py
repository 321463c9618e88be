"""Segments counted as carriers count them: GSM-7 septets or UCS-2 units."""

from __future__ import annotations

import pytest

from telephony.domain.segments import Encoding, Segments, count


@pytest.mark.parametrize(
    ("body", "encoding", "segments"),
    [
        ("", Encoding.GSM7, 1),
        ("a" * 160, Encoding.GSM7, 1),
        ("a" * 161, Encoding.GSM7, 2),
        ("a" * 306, Encoding.GSM7, 2),
        ("a" * 307, Encoding.GSM7, 3),
        # Extension characters cost two septets each.
        ("€" * 80, Encoding.GSM7, 1),
        ("€" * 81, Encoding.GSM7, 2),
        ("a" * 159 + "{", Encoding.GSM7, 2),
        # An escape pair is never split: 152 septets then "€" (2) do not fit in 153.
        ("a" * 152 + "€" + "a" * 10, Encoding.GSM7, 2),
        ("a" * 152 + "€" + "a" * 152, Encoding.GSM7, 3),
        ("é à ñ ü £ ¥ Δ", Encoding.GSM7, 1),
        # One emoji turns the whole body into UCS-2.
        ("a" * 69 + "🙂", Encoding.UCS2, 2),
        ("a" * 68 + "🙂", Encoding.UCS2, 1),
        ("Your visit is confirmed 🙂 " + "a" * 100, Encoding.UCS2, 2),
        ("ç" * 70, Encoding.UCS2, 1),
        ("ç" * 71, Encoding.UCS2, 2),
        ("ç" * 134, Encoding.UCS2, 2),
        ("ç" * 135, Encoding.UCS2, 3),
        # A surrogate pair is never split: 66 units then an emoji (2) do not fit in 67.
        ("ç" * 66 + "🙂" + "ç" * 4, Encoding.UCS2, 2),
        ("ç" * 66 + "🙂" + "ç" * 67, Encoding.UCS2, 3),
        # Curly quotes are not GSM-7.
        ("It\u2019s booked", Encoding.UCS2, 1),
    ],
)
def test_segments(body: str, encoding: Encoding, segments: int) -> None:
    counted = count(body)
    assert (counted.encoding, counted.count) == (encoding, segments)


def test_a_single_emoji_changes_the_count() -> None:
    plain = "Reminder: your HydraFacial is tomorrow at 10:30 AM at Lumen. Reply C to confirm."
    plain = plain + " See you soon"
    assert count(plain) == Segments(Encoding.GSM7, 1)
    assert count(plain + " \U0001f60a") == Segments(Encoding.UCS2, 2)
