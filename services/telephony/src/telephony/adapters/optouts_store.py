"""Who asked the spa to stop texting, found by a keyed blind index of the number."""

from __future__ import annotations

import asyncpg

from medspa_kit.crypto import FieldCipher, Purpose


class OptOuts:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    async def is_opted_out(self, conn: asyncpg.Connection, spa_id: str, phone: str) -> bool:
        return bool(
            await conn.fetchval(
                "SELECT opted_out FROM optouts WHERE spa_id = $1 AND phone_index = $2",
                spa_id,
                self._cipher.blind_index(phone, Purpose.PHONE),
            )
        )

    async def record(
        self, conn: asyncpg.Connection, spa_id: str, phone: str, *, opted_out: bool, keyword: str
    ) -> None:
        await conn.execute(
            "INSERT INTO optouts (spa_id, phone_index, phone, opted_out, keyword)"
            " VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (spa_id, phone_index) DO UPDATE SET opted_out = EXCLUDED.opted_out,"
            " keyword = EXCLUDED.keyword, phone = EXCLUDED.phone, changed_at = now()",
            spa_id,
            self._cipher.blind_index(phone, Purpose.PHONE),
            self._cipher.encrypt(phone, Purpose.PHONE),
            opted_out,
            keyword,
        )
