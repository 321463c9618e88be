"""The numbers a developer texts with: a demo patient, and the configured (or demo) spa."""

from __future__ import annotations

import logging

# In the 555-01xx range kept for fiction, and a valid number: telephony refuses texts from
# numbers that cannot exist (area code 555 is one), so +1 555 123 0001 would get a 400.
DEMO_PATIENT = "+14155550123"
FALLBACK_SPA_NUMBER = "+14155550100"

log = logging.getLogger(__name__)


def spa_number(spa_config: str | None) -> str:
    """The first number of the first spa in SPA_CONFIG (the embedded demo spa when unset)."""
    try:
        # Imported here: only the phone and the banner need the spa configuration.
        from spa_config import SpaConfigError, load_spas
    except ImportError:
        return FALLBACK_SPA_NUMBER
    try:
        spas = load_spas(spa_config or None).all()
    except SpaConfigError:
        # The services refuse to start on it and list every problem; here a number is enough.
        log.warning("SPA_CONFIG could not be read; texting the demo spa")
        return FALLBACK_SPA_NUMBER
    if not spas or not spas[0].phone_numbers:
        return FALLBACK_SPA_NUMBER
    return str(spas[0].phone_numbers[0])
