"""The providers' iCalendar feeds over HTTP."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from scheduler_harness import MONDAY, SPA, hold_request, local

from medspa.calendar.v1 import calendar_pb2 as pb
from scheduler.adapters.patients import Patients
from scheduler.api import IcalFeeds, feed_path, feed_token

pytestmark = pytest.mark.integration


@pytest.fixture
async def http(pool, catalog, cipher, clock):
    feeds = IcalFeeds()
    feeds.bind(pool, catalog, cipher, Patients(cipher), clock)
    app = FastAPI()
    app.include_router(feeds.router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        yield client


async def test_a_provider_sees_service_and_initials_only(stub, http, cipher, pool):
    held = await stub.HoldSlot(
        hold_request(
            local(MONDAY, "10:00"),
            patient=pb.PatientRef(phone_e164="+14155550777", name="Jane Doe"),
        )
    )
    answer = await http.get(feed_path(feed_token(cipher, SPA, "sofia-ramirez")))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Botox - J.D." in answer.text
    assert f"UID:{held.id}@scheduler.medspa" in answer.text
    assert "Jane" not in answer.text and "0777" not in answer.text
    async with pool.acquire() as conn:
        reads = await conn.fetch(
            "SELECT actor, fields FROM audit_log WHERE action = 'patient.read' AND subject_id = $1",
            held.patient_id,
        )
    assert [(r["actor"], r["fields"]) for r in reads] == [("ical-feed:sofia-ramirez", ["name"])]
    other = await http.get(feed_path(feed_token(cipher, SPA, "maya-chen")))
    assert "BEGIN:VEVENT" not in other.text


async def test_a_guessed_token_is_not_found(http):
    assert (await http.get("/calendars/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics")).status_code == 404
