"""`python -m scheduler` runs the service; `python -m scheduler feed-url SPA PROVIDER`
prints a provider's private calendar feed URL to hand to them."""

from __future__ import annotations

import sys

from scheduler.main import run


def feed_url(spa_id: str, provider_id: str) -> str:
    from medspa_kit.crypto import cipher_from_settings
    from scheduler.api import feed_path, feed_token
    from scheduler.settings import SchedulerSettings

    settings = SchedulerSettings()
    cipher = cipher_from_settings(
        settings.field_keys,
        settings.field_key_active,
        settings.field_index_key,
        settings.field_key_file,
    )
    return settings.public_url.rstrip("/") + feed_path(feed_token(cipher, spa_id, provider_id))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "feed-url":
        print(feed_url(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) == 1:
        run()
    else:
        sys.exit("usage: python -m scheduler [feed-url SPA_ID PROVIDER_ID]")
