"""TwiML for each moment of a call, in the spa's words from the catalog.

Every listening moment is a `<Gather input="speech dtmf">` with `actionOnEmptyResult`, so
silence comes back to us as a turn like any other and the call never falls off the end of a
document. Spoken lines sit inside the Gather, so a caller may talk over them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from twilio.twiml.voice_response import VoiceResponse

from medspa_kit.catalog import Catalog
from spa_config import SpaConfig
from telephony import paths
from telephony.context import VoicePolicy
from telephony.domain.callback import Promise
from telephony.domain.hearing import Heard
from telephony.voice.phrases import spoken_phone, spoken_when

# Twilio takes phrases of up to 100 characters; more than this many only slows recognition.
_MAX_HINTS = 100
_FILLERS = 5


def menu_hints(spa: SpaConfig) -> list[str]:
    """Service names and the words patients use for them, to bias speech recognition."""
    words = [s.name for s in spa.services] + [a for s in spa.services for a in s.aliases]
    words += [p.name for p in spa.providers]
    return words


class Script:
    def __init__(self, catalog: Catalog, policy: VoicePolicy) -> None:
        self._catalog = catalog
        self._policy = policy
        # Each spa's menu as speech hints, by spa id (a spa's configuration never changes
        # while the service runs); every listening moment carries them.
        self._menu_hints: dict[str, str] = {}

    def greeting(self, spa: SpaConfig, *, turn: int = 1) -> str:
        lines = [spa.greeting]
        if spa.policies.recording_enabled:
            lines.append(self._catalog.say("voice.recording_notice"))
        return self.listen(spa, lines, turn, record=spa.policies.recording_enabled)

    def listen(
        self,
        spa: SpaConfig,
        lines: Sequence[str],
        turn: int,
        hints: Iterable[str] = (),
        *,
        record: bool = False,
    ) -> str:
        answer = self._start(record)
        gather = answer.gather(
            input="speech dtmf",
            action=paths.with_query(paths.TURN, turn=turn),
            method="POST",
            action_on_empty_result=True,
            speech_timeout="auto",
            timeout=self._policy.gather_timeout_s,
            language=spa.locale,
            hints=self._hints(spa, hints),
        )
        for line in lines:
            if line:
                gather.say(line, language=spa.locale)
        return str(answer)

    def reprompt(self, spa: SpaConfig, heard: Heard, turn: int) -> str:
        key = "voice.reprompt_silence" if heard is Heard.SILENCE else "voice.reprompt_unclear"
        return self.listen(spa, [self._catalog.say(key)], turn)

    def give_up(self, spa: SpaConfig) -> str:
        return self.say_and_hang_up(spa, [self._catalog.say("voice.give_up")])

    def goodbye(self, spa: SpaConfig) -> str:
        return self.say_and_hang_up(spa, [self._catalog.say("voice.goodbye", spa_name=spa.name)])

    def say_and_hang_up(self, spa: SpaConfig, lines: Sequence[str]) -> str:
        answer = VoiceResponse()
        for line in lines:
            if line:
                answer.say(line, language=spa.locale)
        answer.hangup()
        return str(answer)

    def filler(self, spa: SpaConfig, turn: int, attempt: int) -> str:
        """A short line while the agent works, then back for its answer (`attempt` from 1)."""
        answer = VoiceResponse()
        line = self._catalog.say(f"voice.filler_{min(attempt, _FILLERS)}")
        answer.say(line, language=spa.locale)
        answer.redirect(paths.with_query(paths.WAIT, turn=turn, attempt=attempt), method="POST")
        return str(answer)

    def ring_staff_first(self, spa: SpaConfig, seconds: int) -> str:
        record = spa.policies.recording_enabled
        answer = self._start(record)
        if record:
            answer.say(self._catalog.say("voice.recording_notice"), language=spa.locale)
        dial = answer.dial(
            action=paths.STAFF_FIRST, method="POST", timeout=seconds, answer_on_bridge=True
        )
        dial.number(spa.front_desk_phone)
        return str(answer)

    def transfer(self, spa: SpaConfig, lines: Sequence[str], numbers: Sequence[str]) -> str:
        answer = VoiceResponse()
        for line in lines:
            if line:
                answer.say(line, language=spa.locale)
        # The caller keeps hearing ringing until someone accepts in the whisper.
        dial = answer.dial(
            action=paths.TRANSFER,
            method="POST",
            timeout=self._policy.transfer_ring_seconds,
            answer_on_bridge=True,
        )
        for number in numbers:
            dial.number(number, url=paths.WHISPER, method="POST")
        return str(answer)

    def whisper(self, spa: SpaConfig, summary: str) -> str:
        """What the staff member hears; only a key press connects them (not their voicemail)."""
        if summary:
            line = self._catalog.say("voice.whisper", spa_name=spa.name, summary=summary)
        else:
            line = self._catalog.say("voice.whisper_no_summary", spa_name=spa.name)
        answer = VoiceResponse()
        gather = answer.gather(
            input="dtmf",
            num_digits=1,
            action=paths.WHISPER_ACCEPT,
            method="POST",
            timeout=self._policy.whisper_accept_seconds,
        )
        gather.say(line, language=spa.locale)
        answer.say(self._catalog.say("voice.whisper_declined"), language=spa.locale)
        answer.hangup()
        return str(answer)

    def callback(self, spa: SpaConfig, promise: Promise | None, now: datetime) -> str:
        """The sentence that tells the caller when they will hear from the spa."""
        if promise is None:
            return self._catalog.say(
                "voice.callback_no_number", spa_phone=spoken_phone(spa.phone_numbers[0])
            )
        if promise.opens_at is None:
            return self._catalog.say(
                "voice.callback_soon",
                spa_name=spa.name,
                minutes=spa.policies.handoff_response_minutes,
            )
        return self._catalog.say(
            "voice.callback_later",
            spa_name=spa.name,
            when=spoken_when(self._catalog, promise.opens_at, now),
        )

    def voicemail(self, spa: SpaConfig) -> str:
        line = self._catalog.say(
            "voice.voicemail", spa_name=spa.name, spa_phone=spoken_phone(spa.phone_numbers[0])
        )
        return self.say_and_hang_up(spa, [line])

    def outbound_greeting(self, spa: SpaConfig, script: str) -> str:
        line = script or self._catalog.say("voice.outbound_greeting", spa_name=spa.name)
        return self.listen(spa, [line], turn=1, record=spa.policies.recording_enabled)

    def line(self, key: str, **values: object) -> str:
        return self._catalog.say(key, **values)

    @staticmethod
    def connect() -> str:
        return str(VoiceResponse())

    @staticmethod
    def hang_up() -> str:
        answer = VoiceResponse()
        answer.hangup()
        return str(answer)

    def _hints(self, spa: SpaConfig, extra: Iterable[str]) -> str:
        """The agent's hints for this moment first, then the spa's menu."""
        menu = self._menu_hints.get(spa.id)
        if menu is None:
            menu = self._menu_hints[spa.id] = _hints(menu_hints(spa))
        extra = list(extra)
        if not extra:
            return menu
        return _hints([*extra, *menu_hints(spa)])

    @staticmethod
    def _start(record: bool) -> VoiceResponse:
        answer = VoiceResponse()
        if record:
            answer.start().recording(channels="dual")
        return answer


def _hints(words: Iterable[str]) -> str:
    """Comma-separated, each phrase once (whatever its case), at most 100 characters each."""
    seen: dict[str, str] = {}
    for word in words:
        cleaned = " ".join(word.replace(",", " ").split())[:100]
        if cleaned:
            seen.setdefault(cleaned.lower(), cleaned)
    return ", ".join(list(seen.values())[:_MAX_HINTS])
