import pytest

from devstack.infra.urls import NatsUrl, PgUrl


def test_a_postgres_url_round_trips_and_changes_database() -> None:
    url = PgUrl.parse("postgresql://postgres@127.0.0.1:5432/medspa")

    assert (url.user, url.host, url.port, url.database) == ("postgres", "127.0.0.1", 5432, "medspa")
    assert str(url) == "postgresql://postgres@127.0.0.1:5432/medspa"
    assert str(url.with_database("postgres")) == "postgresql://postgres@127.0.0.1:5432/postgres"


def test_missing_parts_take_postgres_defaults() -> None:
    url = PgUrl.parse("postgresql://dev@localhost")

    assert (url.port, url.database) == (5432, "dev")


def test_the_password_survives_but_never_shows() -> None:
    url = PgUrl.parse("postgres://app:s%40cret@db:6543/front?sslmode=disable")

    assert url.password == "s@cret"
    assert str(url) == "postgresql://app:s%40cret@db:6543/front?sslmode=disable"
    assert "cret" not in url.masked()
    assert str(url.with_user("postgres")) == "postgresql://postgres@db:6543/front?sslmode=disable"


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        PgUrl.parse("mysql://root@localhost/db")


def test_a_nats_url_gives_its_address() -> None:
    assert NatsUrl.parse("nats://127.0.0.1:4223").address == "127.0.0.1:4223"
    assert NatsUrl.parse("nats://localhost").address == "localhost:4222"
