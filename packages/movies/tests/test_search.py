"""Searching, filtering, sorting and paging the real MovieLens catalog."""

from __future__ import annotations

import pytest


async def _titles(client, **params) -> list[str]:
    response = await client.get("/movies", params=params)
    assert response.status_code == 200, response.text
    return [m["title"] for m in response.json()["items"]]


async def test_godfather_is_found(client):
    assert (await _titles(client, q="godfather"))[0] == "The Godfather"


async def test_typo_still_finds_the_godfather(client):
    assert "The Godfather" in (await _titles(client, q="godfater"))[:3]


async def test_search_covers_people_and_descriptions(client):
    assert "The Godfather" in await _titles(client, q="Marlon Brando")
    assert "The Godfather" in await _titles(client, q="crime dynasty patriarch")


async def test_genre_and_year_filters_with_rating_sort(client):
    response = await client.get(
        "/movies",
        params={
            "genre": "Comedy",
            "year_from": 1995,
            "year_to": 1999,
            "sort": "rating",
            "limit": 50,
        },
    )
    body = response.json()
    assert body["total"] > 100
    for movie in body["items"]:
        assert "Comedy" in movie["genres"]
        assert 1995 <= movie["year"] <= 1999


async def test_every_requested_genre_must_match(client):
    response = await client.get("/movies", params=[("genre", "Animation"), ("genre", "sci-fi")])
    items = response.json()["items"]
    assert items
    assert all({"Animation", "Sci-Fi"} <= set(m["genres"]) for m in items)


async def test_actor_and_director_filters(client):
    pacino = await client.get(
        "/movies", params={"actor": "al pacino", "sort": "year", "limit": 100}
    )
    assert "Heat" in [m["title"] for m in pacino.json()["items"]]
    coppola = await client.get("/movies", params={"director": "Coppola", "limit": 100})
    assert {"The Godfather", "Apocalypse Now"} <= {m["title"] for m in coppola.json()["items"]}


@pytest.mark.parametrize("sort", ["popularity", "rating", "year", "title"])
async def test_sorts_order_the_results(client, sort):
    body = (
        await client.get("/movies", params={"sort": sort, "limit": 30, "year_from": 1990})
    ).json()
    items = body["items"]
    assert len(items) == 30
    if sort == "year":
        years = [m["year"] for m in items]
        assert years == sorted(years, reverse=True)
    if sort == "title":
        titles = [m["title"].lower() for m in items]
        assert titles == sorted(titles)


async def test_pages_do_not_overlap_and_share_the_total(client):
    first = (
        await client.get("/movies", params={"genre": "Western", "sort": "title", "limit": 10})
    ).json()
    second = (
        await client.get(
            "/movies", params={"genre": "Western", "sort": "title", "limit": 10, "offset": 10}
        )
    ).json()
    assert first["total"] == second["total"]
    assert not {m["id"] for m in first["items"]} & {m["id"] for m in second["items"]}
    beyond = (
        await client.get("/movies", params={"genre": "Western", "limit": 10, "offset": 100000})
    ).json()
    assert beyond["items"] == [] and beyond["total"] == first["total"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "greater than or equal to 1"),
        ({"limit": 1000}, "less than or equal to 100"),
        ({"year_from": 2000, "year_to": 1990}, "must not be after"),
        ({"sort": "best"}, "Input should be"),
        ({"genre": "Cartoon"}, "unknown genre"),
        ({"offset": -1}, "greater than or equal to 0"),
        ({"sort": "relevance"}, "needs a search query"),
    ],
)
async def test_bad_queries_are_422_with_a_message(client, params, message):
    response = await client.get("/movies", params=params)
    assert response.status_code == 422
    assert message in response.text


async def test_sql_in_the_query_is_just_text(client, app):
    response = await client.get("/movies", params={"q": "'; DROP TABLE movie;--"})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert (await client.get("/movies/858")).status_code == 200


async def test_movie_detail_is_complete(client):
    movie = (await client.get("/movies/858")).json()
    assert movie["title"] == "The Godfather"
    assert movie["year"] == 1972
    assert movie["directors"] == ["Francis Ford Coppola"]
    assert "Al Pacino" in movie["actors"]
    assert movie["imdb_id"] == "tt0068646"
    assert movie["imdb_rating"] == 9.2
    assert movie["runtime_minutes"] == 175
    assert movie["description"]


async def test_unknown_movie_is_404(client):
    response = await client.get("/movies/999999999")
    assert response.status_code == 404
    assert response.json()["detail"] == "Movie 999999999 not found."


async def test_genres_list_the_vocabulary_with_counts(client):
    genres = (await client.get("/movies/genres")).json()
    assert len(genres) == 19
    assert next(g for g in genres if g["name"] == "Drama")["movies"] > 4000


async def test_people_search(client):
    body = (await client.get("/movies/people", params={"q": "pacino"})).json()
    assert body["items"][0]["name"] == "Al Pacino"
    assert "actor" in body["items"][0]["roles"]


async def test_out_of_range_movie_id_is_422_not_500(client):
    response = await client.get("/movies/21417867077572")
    assert response.status_code == 422


async def test_people_page_past_the_end_keeps_the_total(client):
    first = (await client.get("/movies/people", params={"q": "pacino"})).json()
    beyond = (await client.get("/movies/people", params={"q": "pacino", "offset": 500})).json()
    assert beyond["items"] == [] and beyond["total"] == first["total"] > 0


async def test_a_nul_character_is_a_client_error_not_a_crash(client, token):
    """PostgreSQL cannot store or compare text holding NUL (\\u0000): a 422, never a 500."""
    searched = await client.get("/movies", params={"q": "a\x00b"})
    assert searched.status_code == 422, searched.text
    assert "NUL" in searched.json()["detail"]
    created = await client.post(
        "/movies", json={"title": "Nul\x00 Movie", "genres": ["Drama"]}, headers=token("admin")
    )
    assert created.status_code == 422, created.text
