"""What the calendar knows of a patient, and the checks on details a caller gives.

Only what scheduling needs: the phone (the key a returning caller is found by),
a name to greet them, and an optional email and date of birth. The values are
checked here; the adapters encrypt them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from scheduler.domain.errors import FieldViolation

# RFC 5321 limits; the shape check is deliberately plain (a typo is caught, not every
# address the RFC allows), since the address is for receipts, not for identity.
MAX_EMAIL = 254
MAX_LOCAL_PART = 64
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# Nobody booking a treatment was born before this.
EARLIEST_BIRTH = date(1900, 1, 1)
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class PatientDetails:
    """What a caller told about themselves, checked; empty means not given."""

    name: str = ""
    email: str = ""
    date_of_birth: date | None = None


@dataclass(frozen=True, slots=True)
class LastVisit:
    """A patient's most recent completed visit of one service."""

    service_id: str
    appointment_id: str
    provider_id: str
    start: int


@dataclass(frozen=True, slots=True)
class PatientFound:
    patient_id: str
    name: str
    # One per service, most recent first.
    last_visits: tuple[LastVisit, ...]


@dataclass(frozen=True, slots=True)
class Contact:
    patient_id: str
    phone: str
    # The patient's own IANA zone; empty: the spa's.
    time_zone: str = ""
    marketing_consent: bool = False
    # When the standing answer about marketing texts was given (epoch seconds); None: never.
    marketing_consent_at: int | None = None


def check_email(raw: str, field_name: str) -> tuple[str, list[FieldViolation]]:
    """The address with its domain in lower case, or the reason it is refused."""
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(text) > MAX_EMAIL
        or not 0 < len(local) <= MAX_LOCAL_PART
        or not _LOCAL.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
    ):
        return "", [FieldViolation(field_name, "bad_email", "an email address such as a@b.com")]
    return f"{local}@{domain.lower()}", []


def check_birth_date(
    raw: str, today: date, field_name: str
) -> tuple[date | None, list[FieldViolation]]:
    try:
        born = date.fromisoformat(raw.strip())
    except ValueError:
        return None, [FieldViolation(field_name, "bad_date", "a date as YYYY-MM-DD")]
    if not EARLIEST_BIRTH <= born <= today:
        return None, [FieldViolation(field_name, "out_of_range", "a date of birth in the past")]
    return born, []


def check_details(
    name: str, email: str, date_of_birth: str, today: date, prefix: str = "patient"
) -> tuple[PatientDetails, list[FieldViolation]]:
    """Checks every given detail at once, so a caller hears about each bad field."""
    problems: list[FieldViolation] = []
    clean_name = " ".join(name.split())
    if len(clean_name) > MAX_NAME:
        problems.append(
            FieldViolation(f"{prefix}.name", "too_long", f"at most {MAX_NAME} characters")
        )
    clean_email = ""
    if email.strip():
        clean_email, bad = check_email(email, f"{prefix}.email")
        problems.extend(bad)
    born = None
    if date_of_birth.strip():
        born, bad = check_birth_date(date_of_birth, today, f"{prefix}.date_of_birth")
        problems.extend(bad)
    return PatientDetails(clean_name, clean_email, born), problems
