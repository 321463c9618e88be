import json
import logging

import pytest

from medspa_kit.logging import JsonFormatter


@pytest.fixture
def emit() -> "callable":
    formatter = JsonFormatter("test")

    def _emit(msg: str, **extra: object) -> dict[str, object]:
        record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, None, None)
        for key, value in extra.items():
            setattr(record, key, value)
        return json.loads(formatter.format(record))

    return _emit


def test_protected_fields_never_print(emit) -> None:
    line = emit(
        "sms received", body="I'm pregnant", phone="+14155550123", patient_name="Jane", sid="SM1"
    )
    assert line["body"] == line["phone"] == line["patient_name"] == "[redacted]"
    assert line["sid"] == "SM1"
    assert "pregnant" not in json.dumps(line)


def test_phone_numbers_in_free_text_are_masked(emit) -> None:
    line = emit("could not text +1 (415) 555-0123 today", detail="call 415-555-0123")
    assert "555" not in json.dumps(line)


def test_ids_and_counts_survive(emit) -> None:
    ids = {"conversation_id": "82092976-b103-471f-9012-3456789012fc", "sid": "SM0123456789012345"}
    line = emit("ready", port=8001, **ids)
    assert line["port"] == 8001
    assert {k: line[k] for k in ids} == ids
