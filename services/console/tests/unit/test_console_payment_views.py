"""Payment issues without servers: how a task is shown, when it offers a retry, and what the
report exports for no-show fees."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from console.adapters.money import MoneyIssueView
from console.domain.report import Figures, PeriodKind, period_of
from console.web.views import payment_issue

AT = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
SPA = SimpleNamespace(
    services=[SimpleNamespace(id="botox", name="Botox")],
    providers=[SimpleNamespace(id="sofia", name="Sofia R.")],
)


def issue(kind: str = "refund_failed", status: str = "open", **over: object) -> MoneyIssueView:
    fields: dict[str, object] = dict(
        id="refund-d1-1", kind=kind, deposit_id="d1", appointment_id="a1", conversation_id="c1",
        amount_minor=5000, currency="USD", reason="expired_or_canceled_card", attempt=1,
        raised_at=AT, status=status, resolved_at=None, resolution=None, appointment_start=AT,
        service_id="botox", provider_id="sofia", patient_id="p1", phone="+14155550100",
    )  # fmt: skip
    fields.update(over)
    return MoneyIssueView(**fields)  # type: ignore[arg-type]


def test_only_an_open_refund_failure_offers_a_retry() -> None:
    shown = payment_issue(issue(), SPA)  # type: ignore[arg-type]
    assert shown.can_retry and shown.amount == "$50.00"
    assert (shown.service_name, shown.provider_name) == ("Botox", "Sofia R.")
    assert not payment_issue(issue(status="resolved"), SPA).can_retry  # type: ignore[arg-type]
    assert not payment_issue(issue(kind="fee_owed"), SPA).can_retry  # type: ignore[arg-type]


def test_an_unknown_service_or_provider_is_shown_by_its_id_and_none_stays_none() -> None:
    shown = payment_issue(issue(service_id="peel", provider_id="ana"), SPA)  # type: ignore[arg-type]
    assert (shown.service_name, shown.provider_name) == ("peel", "ana")
    bare = payment_issue(issue(service_id=None, provider_id=None, appointment_start=None,
                               phone=None), SPA)  # type: ignore[arg-type]  # fmt: skip
    assert bare.service_name is None and bare.provider_name is None and bare.phone is None


def test_the_report_exports_no_show_fees_charged_and_owed() -> None:
    period = period_of(PeriodKind.MONTH, date(2026, 11, 23), ZoneInfo("America/Los_Angeles"))
    rows = dict(Figures(period, "USD", no_show_fees_charged=3000, no_show_fees_owed=7500).rows())
    assert rows["no_show_fees_charged_minor"] == 3000
    assert rows["no_show_fees_owed_minor"] == 7500
    keys = [k for k, _ in Figures(period, "USD").rows()]
    assert keys.index("no_show_fees_charged_minor") == keys.index("deposits_refunded_minor") + 1
