"""Opt-out, opt-in and help keywords, as the carriers and the FCC's 2025 rule read them."""

from __future__ import annotations

import pytest

from telephony.domain.optout import PLAIN_LANGUAGE, Action, Ask, Keyword, classify, decide


@pytest.mark.parametrize(
    ("body", "label"),
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        ("  Stop.  ", "STOP"),
        ("STOP!!!", "STOP"),
        ("stop 🛑", "STOP"),
        ("StopAll", "STOPALL"),
        ("stop all", "STOPALL"),
        ("UNSUBSCRIBE", "UNSUBSCRIBE"),
        ("end", "END"),
        ("Quit", "QUIT"),
        ("CANCEL", "CANCEL"),
        ("revoke", "REVOKE"),
        ("OPTOUT", "OPTOUT"),
        ("opt-out", "OPTOUT"),
        ("Opt out", "OPTOUT"),
        ("\tSTOP\n", "STOP"),
        ("alto", "ALTO"),
        ("Cancelar", "CANCELAR"),
    ],
)
def test_carrier_keywords_in_any_case_or_padding_opt_out(body: str, label: str) -> None:
    assert classify(body) == Keyword(Ask.OPT_OUT, label)


@pytest.mark.parametrize(
    "body",
    [
        "pls stop texting",
        "Please stop texting me",
        "stop texting me!!",
        "can you stop sending me these texts",
        "stop sending me appointment reminders",
        "STOP MESSAGING ME",
        "please stop",
        "stop it",
        "stop please",
        "don't text me anymore",
        "Do not text me",
        "never message me again",
        "please don't send me any more texts",
        "no more texts please",
        "no more messages",
        "how do I unsubscribe",
        "unsubscribe me",
        "I want to opt out",
        "opt me out",
        "opt out of these texts",
        "remove me from your list",
        "take me off the list",
        "leave me alone",
        "no más",
        "No mas!",
        "ya no más",
        "no más mensajes",
        "no más por favor",
        "no me envíes más mensajes",
        "no me mandes mas",
        "deja de enviarme mensajes",
        "dejen de escribirme",
    ],
)
def test_plain_words_meaning_stop_texting_me_opt_out(body: str) -> None:
    assert classify(body) == Keyword(Ask.OPT_OUT, PLAIN_LANGUAGE)


@pytest.mark.parametrize(
    "body",
    [
        "cancel my appointment",
        "I need to cancel",
        "can I stop by tomorrow?",
        "when do you end today",
        "what time does it end",
        "I'd like to opt out of the deposit",
        "help me book botox",
        "stopped by yesterday, left my card",
        "no más quiero saber el precio",
        "nonstop",
        "yes please book it",
        "start time?",
        "I quit smoking, can I get filler",
        "",
        "🙂",
        "Can I text you photos?",
    ],
)
def test_ordinary_messages_are_not_keywords(body: str) -> None:
    assert classify(body) is None


@pytest.mark.parametrize(
    ("body", "label"), [("START", "START"), ("yes", "YES"), ("Unstop", "UNSTOP"), (" Yes. ", "YES")]
)
def test_start_yes_unstop_opt_in(body: str, label: str) -> None:
    assert classify(body) == Keyword(Ask.OPT_IN, label)


@pytest.mark.parametrize(("body", "label"), [("HELP", "HELP"), ("info", "INFO"), ("Help?", "HELP")])
def test_help_and_info(body: str, label: str) -> None:
    assert classify(body) == Keyword(Ask.HELP, label)


STOP = Keyword(Ask.OPT_OUT, "STOP")
YES = Keyword(Ask.OPT_IN, "YES")
HELP = Keyword(Ask.HELP, "HELP")


@pytest.mark.parametrize(
    ("keyword", "opted_out", "action"),
    [
        (STOP, False, Action.OPT_OUT),
        # One confirmation only: a second STOP changes nothing and says nothing.
        (STOP, True, Action.NOTHING),
        (YES, True, Action.OPT_IN),
        # "yes" from someone who never opted out is an answer for the agent.
        (YES, False, Action.RELAY),
        (HELP, False, Action.HELP),
        (HELP, True, Action.HELP),
        (None, False, Action.RELAY),
        (None, True, Action.RELAY),
    ],
)
def test_what_a_keyword_does_depends_on_the_senders_state(
    keyword: Keyword | None, opted_out: bool, action: Action
) -> None:
    assert decide(keyword, opted_out) is action
