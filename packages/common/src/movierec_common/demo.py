"""The demo-data contract shared by every importer of MovieLens data.

* movie id = MovieLens ``movieId``;
* user id = UUIDv5(:data:`DEMO_NAMESPACE`, ``"movielens:<userId>"``);
* email ``user<userId>@demo.movierec.example``;
* one password for all, from ``MOVIEREC_DEMO_PASSWORD`` or generated at import.
"""

from __future__ import annotations

import csv
import functools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DEMO_NAMESPACE = uuid.UUID("6d6f7669-6572-6563-8000-64656d6f7573")
DEMO_EMAIL_DOMAIN = "demo.movierec.example"


@functools.lru_cache(maxsize=4096)  # called for every row of ratings.csv (grouped by user)
def demo_user_id(movielens_user_id: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"movielens:{int(movielens_user_id)}")


def demo_email(movielens_user_id: int) -> str:
    return f"user{int(movielens_user_id)}@{DEMO_EMAIL_DOMAIN}"


def resolve_data_dir(
    explicit: Path | str | None = None, env_value: Path | str | None = None
) -> Path:
    """The MovieLens folder: ``--data``, else ``$MOVIEREC_DATA``, else ``data/ml-latest-small``,
    else ``../shared/data/ml-latest-small``. FileNotFoundError if none."""
    candidates = [
        explicit,
        env_value,
        Path("data/ml-latest-small"),
        Path("../shared/data/ml-latest-small"),
    ]
    for candidate in candidates:
        if candidate is None:
            continue
        path = Path(candidate)
        if (path / "movies.csv").is_file():
            return path
        if explicit is not None and candidate is explicit:
            raise FileNotFoundError(f"{path} has no movies.csv")
    raise FileNotFoundError(
        "no MovieLens data folder found: pass --data DIR or set MOVIEREC_DATA "
        "(a folder with movies.csv and ratings.csv)"
    )


def default_imdb_file(data_dir: Path) -> Path | None:
    """``<data>/../imdb-top-1000/imdb_top_1000.csv`` when it exists."""
    path = data_dir.parent / "imdb-top-1000" / "imdb_top_1000.csv"
    return path if path.is_file() else None


@dataclass(frozen=True)
class DemoRating:
    """One row of MovieLens ratings.csv, in the demo-data contract's terms."""

    movielens_user_id: int
    user_id: uuid.UUID
    movie_id: int
    score: float
    rated_at: datetime


def read_ratings(path: Path, problems: list[str]) -> Iterator[DemoRating]:
    """Rows of ratings.csv; malformed ones are described in ``problems`` and skipped."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        expected = ["userId", "movieId", "rating", "timestamp"]
        if header is None or header[:4] != expected:
            raise ValueError(f"{path}: expected columns {','.join(expected)}, got {header}")
        for line_no, row in enumerate(reader, start=2):
            try:
                user, movie, score, stamp = int(row[0]), int(row[1]), float(row[2]), int(row[3])
                if not (0.5 <= score <= 5.0 and score * 2 == int(score * 2)) or movie <= 0:
                    raise ValueError
            except (ValueError, IndexError):
                problems.append(f"{path.name}:{line_no}: malformed row {row!r}")
                continue
            yield DemoRating(
                movielens_user_id=user,
                user_id=demo_user_id(user),
                movie_id=movie,
                score=score,
                rated_at=datetime.fromtimestamp(stamp, UTC),
            )
