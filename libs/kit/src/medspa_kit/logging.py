"""Structured JSON logs that cannot print a protected field.

Fields are passed as `extra=`; any whose name is protected is replaced before
formatting, and phone-number-shaped text in the message itself is masked, so a
careless call site still cannot leak a number.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

PROTECTED_FIELDS = frozenset(
    {
        "body",
        "phone",
        "from_phone",
        "to_phone",
        "from",
        "to",
        "name",
        "patient_name",
        "first_name",
        "last_name",
        "dob",
        "date_of_birth",
        "email",
        "transcript",
        "summary",
        "text",
        "intake",
        "answers",
    }
)
REDACTED = "[redacted]"
# Not inside a longer token, so ids such as UUIDs and sids survive intact.
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d\-\s().]{8,}\d(?![\w-])")
# color_message: uvicorn duplicates its message with terminal colours.
_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


def scrub(text: str) -> str:
    return _PHONE.sub("[phone]", text)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
        for key, value in record.__dict__.items():
            if key in _RESERVED or key.startswith("_"):
                continue
            entry[key] = REDACTED if key.lower() in PROTECTED_FIELDS else _safe(value)
        if record.exc_info:
            entry["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return scrub(str(value))


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Access logs print query strings, which can carry phone numbers.
    logging.getLogger("uvicorn.access").disabled = True
