"""What callers hear, built from the catalog: callback times, numbers, and the TwiML shapes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from medspa_kit.catalog import Catalog
from spa_config import load_spas
from telephony.context import VoicePolicy
from telephony.domain.callback import Promise
from telephony.domain.hearing import Heard
from telephony.voice.phrases import spoken_phone, spoken_time, spoken_when, written_phone
from telephony.voice.script import Script

CATALOG = Catalog.load("telephony")
SPA = load_spas(None).get("lumen-aesthetics")
POLICY = VoicePolicy(
    turn_deadline_s=2.0,
    max_fillers=2,
    gather_timeout_s=5,
    max_misses=2,
    min_confidence=0.2,
    transfer_ring_seconds=20,
    whisper_accept_seconds=8,
)
SCRIPT = Script(CATALOG, POLICY)
MONDAY_NIGHT = datetime(2026, 11, 30, 23, 0, tzinfo=SPA.tz)


def twiml(document: str) -> ET.Element:
    return ET.fromstring(document)  # noqa: S314 - our own output


@pytest.mark.parametrize(
    ("hour", "minute", "spoken"),
    [(9, 0, "9 AM"), (9, 30, "9:30 AM"), (12, 0, "12 PM"), (0, 5, "12:05 AM"), (17, 45, "5:45 PM")],
)
def test_times_as_people_say_them(hour: int, minute: int, spoken: str) -> None:
    assert spoken_time(CATALOG, MONDAY_NIGHT.replace(hour=hour, minute=minute)) == spoken


def test_when_the_callback_comes() -> None:
    tuesday_9 = datetime(2026, 12, 1, 9, 0, tzinfo=SPA.tz)
    saturday_10 = datetime(2026, 12, 5, 10, 0, tzinfo=SPA.tz)
    assert spoken_when(CATALOG, tuesday_9, MONDAY_NIGHT) == "tomorrow, shortly after 9 AM"
    assert spoken_when(CATALOG, saturday_10, MONDAY_NIGHT) == "on Saturday, shortly after 10 AM"
    early = MONDAY_NIGHT.replace(hour=6)
    assert spoken_when(CATALOG, early.replace(hour=9), early) == "today, shortly after 9 AM"
    # The day is the spa's, not UTC's: 23:00 in Los Angeles is already Tuesday in UTC.
    assert spoken_when(CATALOG, tuesday_9, MONDAY_NIGHT.astimezone(UTC)).startswith("tomorrow")


def test_numbers_read_digit_by_digit_and_written_as_people_write_them() -> None:
    assert spoken_phone("+14155550199") == "4 1 5, 5 5 5, 0 1 9 9"
    assert written_phone("+14155550199") == "(415) 555-0199"


def test_the_greeting_listens_for_speech_and_keys_without_recording() -> None:
    root = twiml(SCRIPT.greeting(SPA))
    assert [child.tag for child in root] == ["Gather"]
    gather = root[0]
    assert gather.get("input") == "speech dtmf" and gather.get("actionOnEmptyResult") == "true"
    assert gather.get("action") == "/twilio/voice/turn?turn=1"
    assert gather.find("Say").text == SPA.greeting  # type: ignore[union-attr]
    assert "Botox" in gather.get("hints", "")


def test_a_recording_spa_records_and_says_so() -> None:
    recording = SPA.model_copy(
        update={"policies": SPA.policies.model_copy(update={"recording_enabled": True})}
    )
    root = twiml(SCRIPT.greeting(recording))
    assert root[0].tag == "Start" and root[0][0].tag == "Recording"
    assert [s.text for s in root[1].iter("Say")][-1] == "This call may be recorded."


def test_reprompts_differ_for_silence_and_mumbling() -> None:
    silence = twiml(SCRIPT.reprompt(SPA, Heard.SILENCE, 3))
    unclear = twiml(SCRIPT.reprompt(SPA, Heard.UNCLEAR, 3))
    assert silence[0].get("action") == "/twilio/voice/turn?turn=3"
    assert silence[0][0].text != unclear[0][0].text


def test_a_filler_is_said_then_twilio_comes_back_for_the_answer() -> None:
    root = twiml(SCRIPT.filler(SPA, turn=4, attempt=2))
    assert [child.tag for child in root] == ["Say", "Redirect"]
    assert root[1].text == "/twilio/voice/wait?turn=4&attempt=2"


def test_a_transfer_rings_everyone_with_a_whisper_and_the_whisper_needs_a_key() -> None:
    root = twiml(SCRIPT.transfer(SPA, ["One moment."], ["+14155550142", "+14155550177"]))
    dial = root.find("Dial")
    assert dial is not None and dial.get("action") == "/twilio/voice/transfer"
    assert dial.get("answerOnBridge") == "true" and "record" not in dial.attrib
    assert [(n.text, n.get("url")) for n in dial] == [
        ("+14155550142", "/twilio/voice/whisper"),
        ("+14155550177", "/twilio/voice/whisper"),
    ]
    whisper = twiml(SCRIPT.whisper(SPA, "Caller is upset about a bruise."))
    gather = whisper.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1" and gather.get("input") == "dtmf"
    assert "Caller is upset about a bruise." in (gather[0].text or "")
    assert whisper[-1].tag == "Hangup"


def test_callback_sentences() -> None:
    soon = SCRIPT.callback(SPA, Promise(MONDAY_NIGHT, None), MONDAY_NIGHT)
    minutes = SPA.policies.handoff_response_minutes
    assert f"within {minutes} minutes" in soon
    later = SCRIPT.callback(
        SPA, Promise(MONDAY_NIGHT, datetime(2026, 12, 1, 9, 0, tzinfo=SPA.tz)), MONDAY_NIGHT
    )
    assert "tomorrow, shortly after 9 AM" in later
    assert "4 1 5, 5 5 5, 0 1 0 0" in SCRIPT.callback(SPA, None, MONDAY_NIGHT)


def test_a_voicemail_says_only_the_spas_name_and_number() -> None:
    root = twiml(SCRIPT.voicemail(SPA))
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert root[0].text == (
        "Hello, this is Lumen Aesthetics calling. Please call us back at 4 1 5, 5 5 5, 0 1 0 0. "
        "Thank you, goodbye."
    )


def test_every_catalog_line_the_code_uses_exists() -> None:
    for attempt in range(1, 6):
        assert CATALOG.say(f"voice.filler_{attempt}")
    assert CATALOG.placeholders("sms.help") == {"spa_name", "spa_phone"}
