"""What a patient's turn is about, beyond which treatment and when.

Plain patterns over normalised words; the brain combines them with the
conversation's stage (a "2" means a slot only after slots were offered).
"""

from __future__ import annotations

import re
from enum import StrEnum

from agent.domain.text import normalize


class Intent(StrEnum):
    GREETING = "greeting"
    BOOK = "book"
    CHOOSE_SLOT = "choose_slot"
    GIVE_NAME = "give_name"
    CONFIRM = "confirm"
    DECLINE = "decline"
    INTAKE_ANSWER = "intake_answer"
    QUESTION = "question"
    PRICE = "price"
    PRICE_OBJECTION = "price_objection"
    MY_APPOINTMENT = "my_appointment"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    ABANDON = "abandon"
    THANKS = "thanks"
    AUTOMATED_QUESTION = "automated_question"
    HANDOFF = "handoff"
    UNKNOWN = "unknown"


GREETING = re.compile(
    r"^\s*(hi+|hello+|hey+|hiya|yo|good (morning|afternoon|evening)|howdy|greetings)\b[\s!.,]*"
    r"(there|again|team)?[\s!.,]*$"
)
BOOKING = re.compile(
    r"\b(book|booking|appointment|appt|schedule|come in|get in|available|availability|"
    r"openings?|slots?|reserve|sign me up|i want|i'?d like|i would like|looking for|"
    r"interested in|can i get|can i do|want to get|want to do|need)\b"
)
PRICE = re.compile(r"\b(how much|price|prices|pricing|cost|costs|rates?|\$\d*|charge for)\b")
OBJECTION = re.compile(
    r"\b(too (expensive|much|pricey|steep)|that'?s (a lot|expensive|steep|pricey|crazy)|"
    r"pricey|so expensive|expensive|can'?t afford|out of my budget|over my budget|"
    r"on a budget|cheaper|less expensive)\b"
)
MY_APPOINTMENT = re.compile(
    r"\b(when('?s| is) my (appointment|appt|booking|visit)|what time is my|"
    r"do i have an? (appointment|appt|booking)|my (appointment|appt) (time|date|details)|"
    r"remind me when|when am i (booked|scheduled|coming))\b"
)
CANCEL = re.compile(
    r"\b(cancel|cancell?ing)\b.{0,30}\b(my|the|appointment|appt|booking|visit|it)\b|"
    r"^\s*cancel( please)?[.!]*$|\bneed to cancel\b"
)
RESCHEDULE = re.compile(
    r"\b(reschedule|re-schedule|move my|change (my|the) (appointment|appt|booking|time|day)|"
    r"push (it|my appointment) back|can'?t make (it|my appointment)|different (day|time) for my)\b"
)
ABANDON = re.compile(
    r"\b(never ?mind|nvm|forget it|not anymore|changed my mind|i'?ll pass|maybe later|"
    r"not right now|no longer interested|not interested)\b"
)
THANKS = re.compile(r"^\s*(thanks|thank you|thx|ty|cheers|great thanks|perfect thanks|ok thanks)\b")


def is_greeting(text: str) -> bool:
    return bool(GREETING.match(normalize(text)))


def wants_booking(text: str) -> bool:
    return bool(BOOKING.search(normalize(text)))


def asks_price(text: str) -> bool:
    return bool(PRICE.search(normalize(text)))


def objects_to_price(text: str) -> bool:
    return bool(OBJECTION.search(normalize(text)))


def asks_my_appointment(text: str) -> bool:
    return bool(MY_APPOINTMENT.search(normalize(text)))


def wants_cancel(text: str) -> bool:
    return bool(CANCEL.search(normalize(text)))


def wants_reschedule(text: str) -> bool:
    return bool(RESCHEDULE.search(normalize(text)))


def abandons(text: str) -> bool:
    return bool(ABANDON.search(normalize(text)))


def thanks(text: str) -> bool:
    return bool(THANKS.match(normalize(text)))
