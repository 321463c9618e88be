"""Carrier segment counting: GSM-7 160/153, UCS-2 70/67."""

import pytest

from twilio_sandbox.segments import count_segments, is_gsm7


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters cost two septets
        ("€" * 81, 2),
        ("a" * 152 + "€" + "a" * 10, 2),  # the escape pair is not split across parts
        ("a" * 152 + "€" + "a" * 152, 3),
        ("é" * 160, 1),  # é is in the GSM-7 alphabet
        ("ê" * 70, 1),  # ê is not: UCS-2
        ("ê" * 71, 2),
        ("ê" * 134, 2),
        ("ê" * 135, 3),
        ("a" * 69 + "✨", 1),
        ("😀" * 35, 1),  # an emoji is two UTF-16 code units
        ("😀" * 36, 2),
        ("aa" + "😀" * 66, 3),  # 134 units, but no pair straddles a part: 66 + 66 + 2
    ],
)
def test_count_segments(body: str, segments: int) -> None:
    assert count_segments(body) == segments


def test_gsm7_detection() -> None:
    assert is_gsm7("Booked: Fri 3pm @ Glow Spa {ref #12} ~ €50 deposit")
    assert not is_gsm7("Booked ✨")
    assert is_gsm7("Café crème")  # é and è are in GSM-7
    assert not is_gsm7("Crème brûlée")  # û is not
