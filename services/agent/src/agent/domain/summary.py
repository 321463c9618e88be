"""What staff read when a conversation reaches them: one paragraph and the captured fields.

Written for staff, never sent to the patient; it travels sealed (it repeats the
patient's own words and name).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from agent.domain.state import State

REASONS = {
    "urgent_symptoms": "reported symptoms that may be urgent",
    "post_treatment_problem": "reported a problem after a treatment",
    "clinical_question": "asked a clinical question",
    "billing_dispute": "raised a billing issue or asked for a refund",
    "upset": "is upset or complaining",
    "asked_for_person": "asked for a person",
    "treatment_planning": "wants help planning treatment (hot lead)",
    "high_value_plan": "is planning a high-value package (hot lead)",
    "unanswered_question": "asked something the assistant could not answer with confidence",
    "intake_review": "gave intake answers a provider must review",
    "appointment_change": "wants to change an appointment",
    "appointment_lookup": "asked about an appointment the assistant could not find",
    "no_openings": "found no opening that suits",
    "staff_hours": "wrote during staffed hours",
    "unsafe_draft": "asked something that needs a clinical answer",
    "calendar_down": "could not be served because the calendar did not answer",
}


def captured(state: State, tz: ZoneInfo) -> dict[str, Any]:
    """The fields staff need so the patient never repeats themselves."""

    def local(moment: Any) -> str | None:
        return moment.astimezone(tz).isoformat() if moment else None

    return {
        "service_id": state.wanted_service_id or state.service_id,
        "booking_service_id": state.service_id,
        "wish": state.wish.said or None,
        "offered": [
            {"start": local(o.start), "provider_id": o.provider_id, "service_id": o.service_id}
            for o in state.offers
        ],
        "chosen": {
            "start": local(state.chosen.start),
            "provider_id": state.chosen.provider_id,
            "service_id": state.chosen.service_id,
        }
        if state.chosen
        else None,
        "name": state.name,
        "intake": state.intake.to_dict(),
        "intake_flags": state.flags,
        "appointment": {
            "id": state.booking.appointment_id,
            "status": state.booking.status,
            "start": local(state.booking.start),
            "deposit_minor": state.booking.deposit_minor,
        }
        if state.booking
        else None,
        "patient_id": state.patient_id,
    }


def summarize(
    state: State,
    *,
    reason: str | None,
    last_words: str,
    channel: str,
    returning: bool,
    service_names: dict[str, str],
    tz: ZoneInfo,
) -> str:
    who = "Returning patient" if returning else "New patient"
    parts = [f"{who} by {'phone call' if channel == 'voice' else 'text'}."]
    if state.name:
        parts.append(f"Name given: {state.name}.")
    wanted = state.wanted_service_id or state.service_id
    if wanted:
        area = f" ({state.intake.area})" if state.intake.area else ""
        parts.append(f"Interested in {service_names.get(wanted, wanted)}{area}.")
    if state.wish.said:
        parts.append(f"Asked for {state.wish.said}.")
    if state.chosen:
        when = state.chosen.start.astimezone(tz).strftime("%a %b %d %I:%M %p")
        parts.append(f"Chose {when} with {state.chosen.provider_name}.")
    elif state.offers:
        parts.append(f"Was offered {len(state.offers)} times and had not chosen.")
    if state.flags:
        parts.append(f"Intake flags for provider review: {', '.join(state.flags)}.")
    if state.booking:
        when = state.booking.start.astimezone(tz).strftime("%a %b %d %I:%M %p")
        parts.append(f"Appointment {state.booking.status} for {when}.")
    if reason is not None:
        parts.append(f"Handed off because the patient {REASONS.get(reason, reason)}.")
    if last_words:
        parts.append(f'Their last message: "{last_words.strip()[:300]}"')
    return " ".join(parts)
