"""The genre vocabulary: MovieLens' genres, used to validate favorite genres and filters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

GENRES: tuple[str, ...] = (
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "IMAX",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)

#: MovieLens' marker for a movie without genres; not a genre anyone can pick.
NO_GENRES = "(no genres listed)"

_BY_LOWER = {g.lower(): g for g in GENRES}


def canonical_genre(name: str) -> str:
    """The vocabulary's spelling of ``name`` (case-insensitive); ValueError if unknown."""
    genre = _BY_LOWER.get(name.strip().lower())
    if genre is None:
        raise ValueError(f"unknown genre {name!r}; choose from: {', '.join(GENRES)}")
    return genre


def validate_genres(names: list[str]) -> list[str]:
    """Canonical, de-duplicated genres in the given order; ValueError on an unknown one."""
    seen: dict[str, None] = {}
    for name in names:
        seen[canonical_genre(name)] = None
    return list(seen)


def _canonical_or_same(value: Any) -> Any:
    return canonical_genre(value) if isinstance(value, str) else value


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


#: A genre in request bodies and queries: any letter case in, the vocabulary's spelling out;
#: the OpenAPI schema lists the vocabulary as an enum.
# Literal of the vocabulary tuple, expanded at run time (a static checker wants literals).
Genre = Annotated[Literal[GENRES], BeforeValidator(_canonical_or_same)]  # type: ignore[valid-type]
GenreList = Annotated[list[Genre], Field(max_length=len(GENRES)), AfterValidator(_dedupe)]
