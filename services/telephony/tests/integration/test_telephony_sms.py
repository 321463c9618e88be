"""Texts end to end: opt-out by law, the paced and retried send path, delivery statuses."""

from __future__ import annotations

import uuid
from itertools import pairwise

import pytest
from telephony_harness import World, patient

from medspa.commands.v1 import commands_pb2
from medspa_kit.crypto import Purpose

pytestmark = pytest.mark.integration


def send(
    world: World, spa: str, to: str, body: str, command_id: str | None = None
) -> commands_pb2.SendMessage:
    return commands_pb2.SendMessage(
        spa_id=spa,
        command_id=command_id or f"cmd-{uuid.uuid4()}",
        to_phone=world.seal(to, Purpose.PHONE),
        body=world.seal(body, Purpose.SMS_BODY),
        purpose="reminder",
    )


async def test_stop_opts_out_with_one_confirmation_and_a_reminder_is_never_sent(
    world: World,
) -> None:
    phone = patient()
    await world.text("open-spa", phone, "STOP")
    [confirmation] = await world.wait_for_messages(phone, 1)
    assert confirmation["body"].startswith("Open Spa: you're unsubscribed")
    [changed] = await world.optout_changes(phone, 1)
    assert changed.opted_out and changed.keyword == "STOP"
    [audited] = await world.fetch(
        "SELECT action, fields FROM audit_log WHERE subject_type = 'optout' AND subject_id = $1",
        (await world.phone_messages(phone, "inbound"))[0]["sid"],
    )
    assert (audited["action"], audited["fields"]) == ("opt_out", ["phone"])

    reminder = send(world, "open-spa", phone, "Reminder: your facial is tomorrow at 10 AM.")
    await world.command("open-spa", reminder)
    [refused] = await world.events.wait_for("message.status", command_id=reminder.command_id)
    assert (refused.status, refused.error_code) == ("refused", "opted_out")

    # A second STOP says nothing more; HELP still answers, and is the next text they get.
    await world.text("open-spa", phone, "stop")
    await world.text("open-spa", phone, "HELP")
    texts = await world.wait_for_messages(phone, 2)
    assert [t["body"].split(":")[0] for t in texts] == ["Open Spa", "Open Spa"]
    assert "For help, call us at (415) 555-1200" in texts[1]["body"]
    assert len(await world.optout_changes(phone, 1)) == 1
    assert not world.events.named("sms.received", message_sid=texts[0]["sid"])


@pytest.mark.parametrize("words", ["pls stop texting", "no más", "Please don't text me anymore"])
async def test_plain_words_meaning_stop_texting_me_opt_out(world: World, words: str) -> None:
    phone = patient()
    sent = await world.text("open-spa", phone, words)
    [confirmation] = await world.wait_for_messages(phone, 1)
    assert "unsubscribed" in confirmation["body"]
    [changed] = await world.optout_changes(phone, 1)
    assert changed.opted_out and changed.keyword == "PLAIN_LANGUAGE"
    assert not world.events.named("sms.received", message_sid=sent["sid"])


async def test_start_opts_back_in_and_texts_flow_again(world: World) -> None:
    phone = patient()
    await world.text("open-spa", phone, "STOP")
    await world.text("open-spa", phone, "unstop")
    texts = await world.wait_for_messages(phone, 2)
    assert "subscribed to our texts again" in texts[1]["body"]
    changes = await world.optout_changes(phone, 2)
    assert [(c.keyword, c.opted_out) for c in changes] == [("STOP", True), ("UNSTOP", False)]

    reminder = send(world, "open-spa", phone, "Your visit is confirmed for Friday at 3 PM.")
    await world.command("open-spa", reminder)
    texts = await world.wait_for_messages(phone, 3)
    assert texts[2]["body"] == "Your visit is confirmed for Friday at 3 PM."
    await world.events.wait_for("message.sent", command_id=reminder.command_id)


async def test_yes_from_someone_who_never_opted_out_is_an_answer_for_the_agent(
    world: World,
) -> None:
    sent = await world.text("open-spa", patient(), "YES")
    [relayed] = await world.events.wait_for("sms.received", message_sid=sent["sid"])
    assert world.cipher.open(relayed.body, Purpose.SMS_BODY) == "YES"
    assert not relayed.sender_opted_out


async def test_an_opted_out_patient_can_still_be_read_by_staff(world: World) -> None:
    phone = patient()
    await world.text("open-spa", phone, "STOP")
    sent = await world.text("open-spa", phone, "what time is my appointment?")
    [relayed] = await world.events.wait_for("sms.received", message_sid=sent["sid"])
    assert relayed.sender_opted_out


async def test_twilio_retrying_a_stop_changes_consent_once(world: World) -> None:
    phone = patient()
    sid = "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "From": phone, "To": world.spas["open-spa"].number, "Body": "STOP"}
    first = await world.post("/twilio/sms", params)
    again = await world.post("/twilio/sms", params)
    assert "<Message>" in first.text and "<Message>" not in again.text
    [row] = await world.fetch(
        "SELECT count(*) AS n FROM audit_log WHERE subject_type = 'optout' AND subject_id = $1", sid
    )
    assert row["n"] == 1


async def test_twilio_handled_opt_out_is_recorded_without_a_second_confirmation(
    world: World,
) -> None:
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex, "From": patient(),
        "To": world.spas["open-spa"].number, "Body": "STOP", "OptOutType": "STOP",
    }  # fmt: skip
    answer = await world.post("/twilio/sms", params)
    assert answer.status_code == 200 and "<Message>" not in answer.text
    [changed] = await world.optout_changes(params["From"], 1)
    assert changed.opted_out


@pytest.mark.parametrize(
    "extra",
    [
        {"Body": "", "NumMedia": "1", "MediaUrl0": "https://media.example/pic.jpg",
         "MediaContentType0": "image/jpeg"},
        {"Body": "", "NumMedia": "0"},
        {"NumMedia": "2", "MediaUrl0": "https://m.example/1", "MediaUrl1": "https://m.example/2"},
    ],
)  # fmt: skip
async def test_pictures_and_empty_texts_are_accepted(world: World, extra: dict[str, str]) -> None:
    sid = "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "From": patient(), "To": world.spas["open-spa"].number, **extra}
    answer = await world.post("/twilio/sms", params)
    assert answer.status_code == 200
    [relayed] = await world.events.wait_for("sms.received", message_sid=sid)
    assert relayed.num_media == int(extra.get("NumMedia", "0"))


async def test_a_send_command_is_idempotent_by_command_id(world: World) -> None:
    phone = patient()
    command = send(world, "open-spa", phone, "Your appointment is on Friday at 3 PM.")
    for _ in range(3):
        # A new envelope each time: past JetStream de-duplication, only the command id stops it.
        await world.command("open-spa", command)
    await world.events.wait_for("message.sent", command_id=command.command_id)
    marker = send(world, "open-spa", phone, "Marker.")
    await world.command("open-spa", marker)
    texts = await world.wait_for_messages(phone, 2)
    assert [t["body"] for t in texts] == ["Your appointment is on Friday at 3 PM.", "Marker."]


async def test_a_flaky_twilio_429_then_500_then_success_sends_once(world: World) -> None:
    phone = patient()
    await world.sandbox(
        "POST", "/sandbox/faults",
        json={"resource": "Messages", "faults": [{"status": 429}, {"status": 500}]},
    )  # fmt: skip
    command = send(world, "open-spa", phone, "See you Friday!")
    await world.command("open-spa", command)
    [sent] = await world.events.wait_for("message.sent", command_id=command.command_id)
    [text] = await world.wait_for_messages(phone, 1)
    assert text["sid"] == sent.message_sid
    [row] = await world.fetch(
        "SELECT attempts, state FROM outbound_messages WHERE command_id = $1", command.command_id
    )
    assert (row["attempts"], row["state"]) == (3, "sent")


async def test_a_send_whose_answer_timed_out_is_looked_up_not_sent_twice(world: World) -> None:
    phone = patient()
    # Twilio takes the message but answers after telephony's 1 s timeout.
    await world.sandbox(
        "POST", "/sandbox/faults", json={"resource": "Messages", "faults": [{"delay": 2.5}]}
    )
    command = send(world, "open-spa", phone, "Your deposit link is on its way.")
    await world.command("open-spa", command)
    [sent] = await world.events.wait_for("message.sent", command_id=command.command_id)
    marker = send(world, "open-spa", phone, "Marker.")
    await world.command("open-spa", marker)
    texts = await world.wait_for_messages(phone, 2)
    assert [t["body"] for t in texts] == ["Your deposit link is on its way.", "Marker."]
    assert texts[0]["sid"] == sent.message_sid


async def test_twilio_refusing_a_number_is_final(world: World) -> None:
    command = send(world, "open-spa", "+14155550123", "hi")
    command.to_phone.CopyFrom(world.seal("not a phone", Purpose.PHONE))
    await world.command("open-spa", command)
    [failed] = await world.events.wait_for("message.status", command_id=command.command_id)
    assert (failed.status, failed.error_code) == ("failed", "invalid_number")


async def test_status_callbacks_never_move_a_message_backwards(world: World) -> None:
    phone = patient()
    command = send(world, "open-spa", phone, "Reply C to confirm.")
    await world.command("open-spa", command)
    [sent] = await world.events.wait_for("message.sent", command_id=command.command_id)
    await world.events.wait_for("message.status", message_sid=sent.message_sid, status="delivered")
    late = {"MessageSid": sent.message_sid, "MessageStatus": "sent", "To": phone}
    answer = await world.post(f"/twilio/sms/status?cid={command.command_id}", late)
    assert answer.status_code == 204
    [row] = await world.fetch(
        "SELECT status, body, to_phone FROM outbound_messages WHERE command_id = $1",
        command.command_id,
    )
    assert row["status"] == "delivered"
    # Sent texts keep no number or body.
    assert row["body"] is None and row["to_phone"] is None
    statuses = [
        e.status for e in world.events.named("message.status", message_sid=sent.message_sid)
    ]
    assert statuses.count("sent") <= 1 and statuses[-1] == "delivered"


async def test_a_burst_is_paced_per_sender_by_segments(world: World) -> None:
    two_segments = "Your HydraFacial is confirmed. " * 6  # 186 GSM-7 characters
    commands = [send(world, "pacing-spa", patient(), two_segments) for _ in range(3)]
    for command in commands:
        await world.command("pacing-spa", command)
    for command in commands:
        await world.events.wait_for("message.sent", command_id=command.command_id)
    rows = await world.fetch(
        "SELECT not_before, num_segments FROM outbound_messages WHERE command_id = ANY($1)"
        " ORDER BY not_before",
        [c.command_id for c in commands],
    )
    assert [r["num_segments"] for r in rows] == [2, 2, 2]
    gaps = [(b["not_before"] - a["not_before"]).total_seconds() for a, b in pairwise(rows)]
    # 50 segments a second in this world: a two-segment text holds the number 0.04 s, so no
    # two of them leave closer together than that.
    assert all(gap >= 0.04 - 1e-6 for gap in gaps), gaps
    [pace] = await world.fetch(
        "SELECT next_free_at FROM sender_pacing WHERE sender = $1", world.spas["pacing-spa"].number
    )
    assert (pace["next_free_at"] - rows[-1]["not_before"]).total_seconds() == pytest.approx(0.04)


async def test_a_sender_flooding_the_spa_is_not_relayed(world: World) -> None:
    phone = patient()
    sids = [(await world.text("open-spa", phone, f"hello {n}"))["sid"] for n in range(7)]
    marker = await world.text("open-spa", patient(), "someone else")
    await world.events.wait_for("sms.received", message_sid=marker["sid"])
    relayed = [sid for sid in sids if world.events.named("sms.received", message_sid=sid)]
    assert relayed == sids[:5]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"From": "+14155550123", "To": "+14155551100", "Body": "hi"}, 400),
        ({"MessageSid": "SMx", "From": "nope", "To": "+14155551100", "Body": "hi"}, 400),
        ({"MessageSid": "SMx", "From": "+14155550123", "To": "+12125550111", "Body": "hi"}, 404),
        ({"MessageSid": "SMx", "From": "+14155550123", "To": "+14155551100", "NumMedia": "x"}, 400),
    ],
)
async def test_malformed_and_unknown_texts_are_refused(
    world: World, params: dict[str, str], status: int
) -> None:
    assert (await world.post("/twilio/sms", params)).status_code == status


async def test_unsigned_and_forged_texts_get_403(world: World) -> None:
    params = {
        "MessageSid": "SMf",
        "From": patient(),
        "To": world.spas["open-spa"].number,
        "Body": "STOP",
    }
    assert (await world.post("/twilio/sms", params, headers={})).status_code == 403
    forged = world.sign("/twilio/sms", {**params, "Body": "hello"})
    assert (await world.post("/twilio/sms", params, headers=forged)).status_code == 403
    status = {"MessageSid": "SMf", "MessageStatus": "delivered"}
    assert (await world.post("/twilio/sms/status", status, headers={})).status_code == 403
