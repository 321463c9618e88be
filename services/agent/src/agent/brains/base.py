"""What a brain gets for one patient turn and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from agent.domain.guards import Verdict
from agent.domain.intents import Intent
from agent.domain.outreach import Answered
from agent.domain.policy import Said
from agent.domain.speech import Channel
from agent.domain.state import State
from agent.settings import ConversationPolicy
from agent.tools import ConsentNote, Toolbox, TurnContext
from agent.words import Words


@dataclass
class Turn:
    text: str
    ctx: TurnContext
    state: State
    tools: Toolbox
    words: Words
    policy: ConversationPolicy
    # The name the patient gave in an earlier conversation, when they are known.
    known_name: str | None = None

    @property
    def channel(self) -> Channel:
        return self.ctx.channel

    def say(self, key: str, **values: object) -> str:
        return self.words.say(key, self.channel, **values)

    def render(self, said: Said) -> str:
        return self.words.render(said, self.channel)


@dataclass
class Reply:
    parts: list[str] = field(default_factory=list)
    intent: Intent = Intent.UNKNOWN
    service_id: str | None = None
    # Set when the conversation must go to staff; the engine words the handoff.
    handoff: Verdict | None = None
    # The cancellation policy as told this turn, word for word.
    policy_text: str | None = None
    # Intake finished this turn (its flags are reported with the hold).
    intake_done: bool = False
    # Voice: the call can end after this reply.
    hangup: bool = False
    # A new booking was confirmed this turn (not a move of an existing one).
    booked: bool = False
    # The patient answered something outreach sent, or the marketing question.
    outreach: Answered | None = None
    consent: ConsentNote | None = None
    # Which brain answered: "rules", or "llm" when the model's answer stood.
    brain: str = "rules"

    def add(self, *texts: str) -> Reply:
        self.parts.extend(t for t in texts if t)
        return self

    @property
    def text(self) -> str:
        return " ".join(self.parts) if self.parts else ""


class Brain(Protocol):
    async def respond(self, turn: Turn) -> Reply: ...
