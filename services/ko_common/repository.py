"""A small generic repository: every SQL statement of a service lives in its repositories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

M = TypeVar("M")
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items matching the query, over all pages.")
    limit: int
    offset: int


class Repository(Generic[M]):
    model: type[M]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id_: Any) -> M | None:
        return cast(M | None, await self.session.get(self.model, id_))

    async def add(self, obj: M) -> M:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def delete(self, obj: M) -> None:
        await self.session.delete(obj)
        await self.session.flush()

    async def one_or_none(self, stmt: Select[Any]) -> M | None:
        return cast(M | None, (await self.session.execute(stmt)).scalars().first())

    async def all(self, stmt: Select[Any]) -> Sequence[M]:
        return cast(Sequence[M], (await self.session.execute(stmt)).scalars().all())

    async def paginate(self, stmt: Select[Any], limit: int, offset: int) -> tuple[Sequence[M], int]:
        total = (
            await self.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
        items = (await self.session.execute(stmt.limit(limit).offset(offset))).scalars().all()
        return items, int(total)
