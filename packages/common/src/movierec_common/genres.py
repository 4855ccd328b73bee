"""The genre vocabulary: MovieLens' genres, used to validate favorite genres and filters."""

from __future__ import annotations

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
