"""FastAPI dependency aliases shared by every service (``SessionDep``, ``CurrentUser`` …)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.auth import AdminUser, CurrentUser, Principal
from movierec_common.db import Database


# Dependencies are async on purpose: FastAPI runs plain `def` dependencies in a thread pool,
# which costs more than the work they do.
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; commits once before the response is sent."""
    database: Database = request.app.state.db
    async with database.transaction() as session:
        yield session


# scope="function": the commit runs before the response is sent, so a failed commit is a
# 500 and never a success the database does not hold.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def current_service(request: Request) -> Any:
    """The service object of the app serving the request (built from its spec). Each
    service names it with its type once: ``CatalogDep = Annotated[CatalogService,
    Depends(current_service)]``."""
    return request.app.state.service


__all__ = ["AdminUser", "CurrentUser", "Principal", "SessionDep", "current_service"]
