"""Who is asking: a signed-in staff member (a session) or a script (a bearer token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from console.domain.roles import Permission, Role, allowed


@dataclass(frozen=True)
class Principal:
    kind: Literal["staff", "token"]
    id: str
    spa_id: str
    role: Role
    name: str
    # Sessions only: the token every state-changing form and request must echo.
    csrf_token: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names them: never a name, always an id."""
        return f"{self.kind}:{self.id}"

    @property
    def staff_id(self) -> str:
        return self.id

    def can(self, permission: Permission) -> bool:
        return allowed(self.role, permission)
