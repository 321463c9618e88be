from __future__ import annotations

import pytest
from scheduler_spa import make_spa

from scheduler.domain.model import SpaRules


@pytest.fixture
def spa() -> SpaRules:
    return make_spa()
