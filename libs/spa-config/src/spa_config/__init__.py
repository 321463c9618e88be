"""Spa configuration: one YAML file per spa, validated into frozen, typed models.

`load_spas(path)` reads a file or a folder of them (`None` for the embedded demo spa) into a
`SpaDirectory`; anything wrong raises one `SpaConfigError` naming each file, field and reason.
"""

from .directory import SpaDirectory
from .errors import Problem, SpaConfigError, UnknownId, UnknownSpa
from .loader import load_spas, parse_spa
from .menu import (
    Aftercare,
    AftercareChannel,
    AftercareKind,
    AftercareStep,
    Category,
    ResourceNeed,
    Service,
)
from .offers import FaqEntry, Membership, MembershipPeriod, Package, PackageItem
from .policies import AgentAutonomy, MissedCallCallback, Policies, QuietHours
from .pricing import (
    CountRange,
    Deposit,
    DepositAppliesTo,
    DepositRefund,
    FixedDeposit,
    FixedPrice,
    NoDeposit,
    PercentDeposit,
    PerSyringePrice,
    PerUnitPrice,
    Price,
)
from .schedule import (
    WEEKDAYS,
    Closure,
    DateRange,
    Shift,
    TimeOff,
    TimeRange,
    WeeklyHours,
    WeeklyShifts,
)
from .spa import Address, SpaConfig
from .staff import Credential, EscalationContact, Provider, Resource, ResourceKind

__all__ = [
    "WEEKDAYS",
    "Address",
    "Aftercare",
    "AftercareChannel",
    "AftercareKind",
    "AftercareStep",
    "AgentAutonomy",
    "Category",
    "Closure",
    "CountRange",
    "Credential",
    "DateRange",
    "Deposit",
    "DepositAppliesTo",
    "DepositRefund",
    "EscalationContact",
    "FaqEntry",
    "FixedDeposit",
    "FixedPrice",
    "Membership",
    "MembershipPeriod",
    "MissedCallCallback",
    "NoDeposit",
    "Package",
    "PackageItem",
    "PerSyringePrice",
    "PerUnitPrice",
    "PercentDeposit",
    "Policies",
    "Price",
    "Problem",
    "Provider",
    "QuietHours",
    "Resource",
    "ResourceKind",
    "ResourceNeed",
    "Service",
    "Shift",
    "SpaConfig",
    "SpaConfigError",
    "SpaDirectory",
    "TimeOff",
    "TimeRange",
    "UnknownId",
    "UnknownSpa",
    "WeeklyHours",
    "WeeklyShifts",
    "load_spas",
    "parse_spa",
]
