from devstack.prefix import RESET, LinePrefixer


def test_names_are_padded_to_the_longest_so_the_bars_line_up() -> None:
    prefix = LinePrefixer(("devstack", "agent", "scheduler"))

    assert prefix("agent", "ready") == "agent     | ready"
    assert prefix("scheduler", "ready") == "scheduler | ready"
    assert prefix("devstack", "up") == "devstack  | up"


def test_trailing_whitespace_and_line_ends_are_dropped() -> None:
    assert LinePrefixer(("a",))("a", "text \r\n") == "a | text"


def test_without_colour_there_are_no_escape_codes() -> None:
    assert "\033" not in LinePrefixer(("agent",), colour=False)("agent", "x")


def test_with_colour_each_service_keeps_its_own_colour_and_the_padding() -> None:
    prefix = LinePrefixer(("agent", "telephony"), colour=True)

    agent, telephony = prefix("agent", "x"), prefix("telephony", "x")

    assert agent.startswith("\033[") and f"agent    {RESET} | x" in agent
    assert agent.split("m", 1)[0] != telephony.split("m", 1)[0]
    assert prefix("agent", "y").split("m", 1)[0] == agent.split("m", 1)[0]


def test_a_name_outside_the_table_is_still_prefixed() -> None:
    assert LinePrefixer(("agent",))("migrate", "applied") == "migrate | applied"
