"""The user journey over HTTP, against any running platform: one base URL (an edge proxy)
or the five service URLs.

register with favorite genres → log in → cold-start recommendations in those genres →
search the catalog → watch and rate → recommendations change, exclude what was watched
and rated, and say why → page 2 repeats nothing of page 1 → (admin) a new movie becomes
searchable and recommendable → delete the account → the user's history, ratings and
recommendations are gone everywhere and the community averages no longer count them.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

GENRE = "Comedy"
SETTLE_SECONDS = 20.0


class JourneyError(AssertionError):
    pass


@dataclass
class Urls:
    auth: str
    movies: str
    history: str
    ratings: str
    recs: str

    @classmethod
    def single(cls, base: str) -> Urls:
        base = base.rstrip("/")
        return cls(base, base, base, base, base)


@dataclass
class Journey:
    urls: Urls
    admin: tuple[str, str] | None = None
    settle: float = SETTLE_SECONDS
    #: Called between steps with the step's name (tests cut paths mid-journey).
    between: Callable[[str], Awaitable[None]] | None = None
    steps: list[tuple[str, float]] = field(default_factory=list)
    email: str = ""
    token: str = ""
    acted: list[int] = field(default_factory=list)
    #: The cold-start page, to see the recommendations change.
    cold: list[int] = field(default_factory=list)

    async def run(self) -> list[tuple[str, float]]:
        async with httpx.AsyncClient(timeout=15) as self.http:
            for name, step in (
                ("register and log in", self.register),
                ("cold-start recommendations", self.cold_start),
                ("search the catalog", self.search),
                ("watch and rate", self.act),
                ("recommendations change", self.changed),
                ("page 2 repeats nothing of page 1", self.pages),
                ("an admin adds a movie", self.admin_movie),
                ("delete the account", self.delete_account),
            ):
                if self.between is not None:
                    await self.between(name)
                started = time.perf_counter()
                await step()
                self.steps.append((name, time.perf_counter() - started))
        return self.steps

    # -- helpers ---------------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def call(
        self, method: str, url: str, *, expect: tuple[int, ...] = (200,), **kwargs: Any
    ) -> httpx.Response:
        response = await self.http.request(method, url, **kwargs)
        if response.status_code not in expect:
            raise JourneyError(
                f"{method} {url} answered {response.status_code}, expected {expect}:"
                f" {response.text[:500]}"
            )
        return response

    async def until(self, what: str, check: Callable[[], Awaitable[bool]]) -> None:
        deadline = time.monotonic() + self.settle
        while not await check():
            if time.monotonic() > deadline:
                raise JourneyError(f"{what}: not within {self.settle:.0f} s")
            await asyncio.sleep(0.1)

    async def recommendations(self, **params: Any) -> dict[str, Any]:
        url = f"{self.urls.recs}/recommendations"
        return (await self.call("GET", url, params=params, headers=self.headers)).json()

    async def login(self, email: str, password: str) -> str:
        response = await self.call(
            "POST",
            f"{self.urls.auth}/auth/login",
            data={"username": email, "password": password},
        )
        return response.json()["access_token"]

    # -- steps -----------------------------------------------------------------------

    async def register(self) -> None:
        self.email = f"journey-{uuid.uuid4().hex[:12]}@example.com"
        password = secrets.token_urlsafe(18)
        body = {
            "email": self.email,
            "password": password,
            "first_name": "Journey",
            "last_name": "Tester",
            "favorite_genres": [GENRE],
        }
        await self.call("POST", f"{self.urls.auth}/auth/register", json=body, expect=(201,))
        self.password = password
        self.token = await self.login(self.email, password)
        me = (await self.call("GET", f"{self.urls.auth}/auth/me", headers=self.headers)).json()
        if me["favorite_genres"] != [GENRE]:
            raise JourneyError(f"favorite genres not kept: {me}")

    async def cold_start(self) -> None:
        async def in_genre() -> bool:
            items = (await self.recommendations(limit=10))["items"]
            return len(items) == 10 and sum(GENRE in i["genres"] for i in items) >= 8

        await self.until(f"cold-start recommendations in {GENRE}", in_genre)
        items = (await self.recommendations(limit=10))["items"]
        kinds = {i["reason"]["kind"] for i in items}
        if "favorite_genres" not in kinds:
            raise JourneyError(f"cold start without a favorite-genre reason: {kinds}")
        self.cold = [i["movie_id"] for i in items]

    async def search(self) -> None:
        found = await self.call("GET", f"{self.urls.movies}/movies", params={"q": "godfather"})
        titles = {i["title"]: i["id"] for i in found.json()["items"]}
        if "The Godfather" not in titles:
            raise JourneyError(f"searching 'godfather' did not find The Godfather: {titles}")
        comedies = await self.call(
            "GET",
            f"{self.urls.movies}/movies",
            params={"genre": GENRE, "sort": "popularity", "limit": 5},
        )
        self.acted = [titles["The Godfather"], *self.cold[:2]]
        self.acted += [m["id"] for m in comedies.json()["items"] if m["id"] not in self.acted][:2]

    async def act(self) -> None:
        for movie_id in self.acted:
            await self.call(
                "POST",
                f"{self.urls.history}/history",
                json={"movie_id": movie_id},
                headers=self.headers,
                expect=(201,),
            )
            await self.call(
                "PUT",
                f"{self.urls.ratings}/ratings/{movie_id}",
                json={"score": 5},
                headers=self.headers,
                expect=(201,),
            )
        history = await self.call("GET", f"{self.urls.history}/history", headers=self.headers)
        if history.json()["total"] != len(self.acted):
            raise JourneyError(f"history holds {history.json()['total']} of {len(self.acted)}")

    async def changed(self) -> None:
        acted = set(self.acted)

        async def reflected() -> bool:
            items = (await self.recommendations(limit=20))["items"]
            return not acted & {i["movie_id"] for i in items} and any(
                i["reason"].get("movie_id") in acted for i in items
            )

        await self.until("recommendations excluding and explained by what was rated", reflected)
        # Watches and ratings reach the recommender on separate paths: wait until every one
        # has arrived (the ranking stops moving) before judging it and paging through it.
        previous: list[int] = []

        async def settled() -> bool:
            nonlocal previous
            await asyncio.sleep(0.5)
            current = [i["movie_id"] for i in (await self.recommendations(limit=20))["items"]]
            stable, previous = current == previous, current
            return stable

        await self.until("recommendations settled", settled)
        items = (await self.recommendations(limit=20))["items"]
        if [i["movie_id"] for i in items[:10]] == self.cold:
            raise JourneyError("recommendations did not change")
        if not all(i["reason"]["text"] for i in items):
            raise JourneyError("a recommendation without a reason")

    async def pages(self) -> None:
        first = (await self.recommendations(limit=10, offset=0))["items"]
        second = (await self.recommendations(limit=10, offset=10))["items"]
        repeated = {i["movie_id"] for i in first} & {i["movie_id"] for i in second}
        if len(first) != 10 or not second or repeated:
            raise JourneyError(f"pages overlap or are short: repeated {repeated}")

    async def admin_movie(self) -> None:
        if self.admin is None:
            return
        admin = {"Authorization": f"Bearer {await self.login(*self.admin)}"}
        title = f"Journey Picture {uuid.uuid4().hex[:8]}"
        created = await self.call(
            "POST",
            f"{self.urls.movies}/movies",
            json={"title": title, "year": 2024, "genres": [GENRE]},
            headers=admin,
            expect=(201,),
        )
        movie_id = created.json()["id"]

        async def searchable() -> bool:
            found = await self.call("GET", f"{self.urls.movies}/movies", params={"q": title})
            return movie_id in {m["id"] for m in found.json()["items"]}

        async def recommendable() -> bool:
            url = f"{self.urls.recs}/recommendations/similar/{movie_id}"
            return (await self.http.get(url)).status_code == 200

        try:
            await self.until("the new movie searchable", searchable)
            await self.until("the new movie recommendable", recommendable)
        finally:
            await self.call(
                "DELETE", f"{self.urls.movies}/movies/{movie_id}", headers=admin, expect=(204,)
            )

    async def delete_account(self) -> None:
        def summary(movie_id: int) -> Awaitable[httpx.Response]:
            return self.call("GET", f"{self.urls.ratings}/ratings/movies/{movie_id}/summary")

        before = {m: (await summary(m)).json()["count"] for m in self.acted}
        await self.call(
            "DELETE",
            f"{self.urls.auth}/auth/me",
            headers=self.headers,
            json={"password": self.password},
            expect=(204,),
        )

        async def gone(url: str) -> bool:
            response = await self.http.get(url, headers=self.headers)
            return response.status_code == 401 or (
                response.status_code == 200 and response.json()["total"] == 0
            )

        await self.until("history gone", lambda: gone(f"{self.urls.history}/history"))
        await self.until("ratings gone", lambda: gone(f"{self.urls.ratings}/ratings"))

        async def recs_refused() -> bool:
            url = f"{self.urls.recs}/recommendations"
            return (await self.http.get(url, headers=self.headers)).status_code == 401

        await self.until("recommendations refused", recs_refused)

        async def uncounted() -> bool:
            for movie_id, count in before.items():
                if (await summary(movie_id)).json()["count"] != count - 1:
                    return False
                movie = await self.call("GET", f"{self.urls.movies}/movies/{movie_id}")
                if movie.json()["rating_count"] != count - 1:
                    return False
            return True

        await self.until("community averages without the deleted user", uncounted)
