"""HTTP endpoints of the history service: /history/*."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from movierec_common.deps import CurrentUser, Principal, SessionDep, current_service
from movierec_common.direct import DirectRoute
from movierec_common.pagination import DEFAULT_LIMIT, Limit, Offset, Page, PageParams
from movierec_history.watch.schemas import WatchIn, WatchOut
from movierec_history.watch.service import HistoryService
from movierec_userdata.known_movies import OfMovie

router = APIRouter(prefix="/history", tags=["history"])

HistoryDep = Annotated[HistoryService, Depends(current_service)]
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in, or the account was deleted"}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record that you watched a movie",
    response_model=WatchOut,
    responses={
        **AUTH,
        404: {"description": "Unknown movie"},
        422: {"description": "Invalid body, or an Idempotency-Key reused for another watch"},
    },
)
async def add_watch(
    body: WatchIn,
    user: CurrentUser,
    history: HistoryDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Any unique string (a UUID, say) that makes retries of this request"
            " safe: a retry with the same key records nothing new and answers with the entry"
            " the first one recorded (with `Idempotent-Replayed: true`).",
        ),
    ] = None,
) -> Response:
    return await _add(history, user, body, idempotency_key)


async def _add(
    history: HistoryService, user: Principal, body: WatchIn, idempotency_key: str | None
) -> Response:
    entry, replayed = await history.add(
        user_id=user.user_id,
        movie_id=body.movie_id,
        watched_at=body.watched_at,
        idempotency_key=idempotency_key,
    )
    # Serialised here, once: the volume path skips FastAPI's re-validation of the answer.
    return Response(
        entry.model_dump_json(),
        status_code=status.HTTP_201_CREATED,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"} if replayed else None,
    )


_KEY = re.compile(rb"[\x21-\x7e]{1,255}")


async def _add_direct(
    history: HistoryService,
    user: Principal,
    ids: dict[str, int],
    body: WatchIn,
    headers: list[tuple[bytes, bytes]],
) -> Response | None:
    keys = [value for name, value in headers if name == b"idempotency-key"]
    if len(keys) > 1 or (keys and not _KEY.fullmatch(keys[0])):
        return None  # FastAPI answers (a 422 for a malformed key)
    return await _add(history, user, body, keys[0].decode("ascii") if keys else None)


#: The volume route's happy path, served without FastAPI's machinery.
DIRECT = [DirectRoute("POST", "/history", WatchIn, _add_direct)]


@router.get("", summary="Your history, newest first", response_model=Page[WatchOut], responses=AUTH)
async def list_history(
    user: CurrentUser,
    history: HistoryDep,
    movie_id: OfMovie = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    body = await history.list_mine(
        user_id=user.user_id, page=PageParams(limit=limit, offset=offset), movie_id=movie_id
    )
    return Response(body, media_type="application/json")


@router.delete(
    "/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one entry of your history",
    responses={**AUTH, 404: {"description": "No such entry of yours"}},
)
async def delete_entry(
    entry_id: uuid.UUID, user: CurrentUser, session: SessionDep, history: HistoryDep
) -> Response:
    await history.remove_entry(session, user_id=user.user_id, entry_id=entry_id)
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
    history: HistoryDep,
) -> Response:
    await history.remove_movie(session, user_id=user.user_id, movie_id=movie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
