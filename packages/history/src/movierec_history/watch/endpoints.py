"""HTTP endpoints of the history service: /history/*."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from movierec_common.deps import CurrentUser, SessionDep
from movierec_common.pagination import MAX_LIMIT, Page, PageParams
from movierec_history.watch.schemas import WatchIn, WatchOut
from movierec_history.watch.service import HistoryService

router = APIRouter(prefix="/history", tags=["history"])

AUTH = {401: {"description": "Not logged in, or the account was deleted"}}


def _service(request: Request) -> HistoryService:
    return request.app.state.history


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record that you watched a movie",
    responses={**AUTH, 404: {"description": "Unknown movie"}},
)
async def add_watch(
    body: WatchIn, user: CurrentUser, session: SessionDep, request: Request
) -> WatchOut:
    return await _service(request).add(session, user.user_id, body.movie_id, body.watched_at)


@router.get("", summary="Your history, newest first", response_model=Page[WatchOut], responses=AUTH)
async def list_history(
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    body = await _service(request).list_mine(
        request.app.state.db, user.user_id, PageParams(limit=limit, offset=offset)
    )
    return Response(body, media_type="application/json")


@router.delete(
    "/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one entry of your history",
    responses={**AUTH, 404: {"description": "No such entry of yours"}},
)
async def delete_entry(
    entry_id: uuid.UUID, user: CurrentUser, session: SessionDep, request: Request
) -> Response:
    await _service(request).remove_entry(session, user.user_id, entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove every entry of one movie from your history",
    responses=AUTH,
)
async def delete_movie_entries(
    movie_id: Annotated[int, Query(ge=1, le=2_147_483_647)],
    user: CurrentUser,
    session: SessionDep,
    request: Request,
) -> Response:
    await _service(request).remove_movie(session, user.user_id, movie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
