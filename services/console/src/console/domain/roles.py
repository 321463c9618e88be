"""Who may do what: each role gets the least its work needs.

The auditor reads the audit log and nothing with patient data in it; providers
read the calendar, handoffs and conversations (clinical questions land with them)
but change no spa settings; the front desk works the inbox; managers do it all.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    PROVIDER = "provider"
    MANAGER = "manager"
    AUDITOR = "auditor"


class Permission(StrEnum):
    INBOX_READ = "inbox.read"
    INBOX_ACT = "inbox.act"
    CONVERSATION_READ = "conversation.read"
    CONVERSATION_PAUSE = "conversation.pause"
    DRAFTS_REVIEW = "drafts.review"
    CALLBACKS = "callbacks"
    CALENDAR_READ = "calendar.read"
    PATIENT_HISTORY = "patient.history"
    REPORT_READ = "report.read"
    REVIEW_MARK = "review.mark"
    AUTONOMY_MANAGE = "autonomy.manage"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_READ = "audit.read"
    ALERTS = "alerts"


_FRONT_DESK = frozenset(
    {
        Permission.INBOX_READ,
        Permission.INBOX_ACT,
        Permission.CONVERSATION_READ,
        Permission.CONVERSATION_PAUSE,
        Permission.DRAFTS_REVIEW,
        Permission.CALLBACKS,
        Permission.CALENDAR_READ,
        Permission.PATIENT_HISTORY,
        Permission.ALERTS,
    }
)
_PROVIDER = frozenset(
    {
        Permission.INBOX_READ,
        Permission.INBOX_ACT,
        Permission.CONVERSATION_READ,
        Permission.CALENDAR_READ,
        Permission.PATIENT_HISTORY,
    }
)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FRONT_DESK: _FRONT_DESK,
    Role.PROVIDER: _PROVIDER,
    Role.MANAGER: frozenset(Permission),
    Role.AUDITOR: frozenset({Permission.AUDIT_READ}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
