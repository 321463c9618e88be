"""Waitlist messages to the domain's plain values and back."""

from __future__ import annotations

from datetime import time

from medspa.calendar.v1 import calendar_pb2 as pb
from scheduler.adapters.grpc_codec import instant, timestamp
from scheduler.domain.commands import WaitlistAdd, WaitlistQuery
from scheduler.domain.waitlist import Entry, EntryStatus, RawWishes, Wishes

STATUS = {
    EntryStatus.WAITING: pb.WAITLIST_STATUS_WAITING,
    EntryStatus.REMOVED: pb.WAITLIST_STATUS_REMOVED,
}


def _clock(moment: time | None) -> str:
    if moment is None:
        return ""
    return "24:00" if moment == time.max else moment.strftime("%H:%M")


def add_request(request: pb.AddToWaitlistRequest) -> WaitlistAdd:
    prefs = request.preferences
    return WaitlistAdd(
        spa_id=request.spa_id,
        request_id=request.request_id,
        service_id=request.service_id,
        provider_id=request.provider_id,
        wishes=RawWishes(
            days_of_week=tuple(prefs.days_of_week),
            parts_of_day=tuple(prefs.parts_of_day),
            earliest=prefs.earliest_time,
            latest=prefs.latest_time,
            not_before=instant(prefs, "not_before"),
            not_after=instant(prefs, "not_after"),
        ),
        phone=request.patient.phone_e164,
        name=request.patient.name,
        email=request.patient.email,
        date_of_birth=request.patient.date_of_birth,
        patient_id=request.patient_id,
    )


def list_query(request: pb.ListWaitlistRequest) -> WaitlistQuery:
    return WaitlistQuery(
        service_id=request.service_id,
        provider_id=request.provider_id,
        start=instant(request, "start"),
        end=instant(request, "end"),
        max_results=request.max_results,
        patient_id=request.patient_id,
    )


def _preferences(wishes: Wishes) -> pb.WaitlistPreferences:
    message = pb.WaitlistPreferences(
        days_of_week=sorted(wishes.days_of_week),
        parts_of_day=sorted(int(p) for p in wishes.parts_of_day),
        earliest_time=_clock(wishes.earliest),
        latest_time=_clock(wishes.latest),
    )
    if wishes.not_before is not None:
        message.not_before.CopyFrom(timestamp(wishes.not_before))
    if wishes.not_after is not None:
        message.not_after.CopyFrom(timestamp(wishes.not_after))
    return message


def entry(found: Entry) -> pb.WaitlistEntry:
    return pb.WaitlistEntry(
        entry_id=found.id,
        patient_id=found.patient_id,
        service_id=found.service_id,
        provider_id=found.provider_id,
        created_at=timestamp(found.created_at),
        preferences=_preferences(found.wishes),
        status=STATUS[found.status],
    )
