"""The demo-data contract shared by every importer of MovieLens data.

* movie id = MovieLens ``movieId``;
* user id = UUIDv5(:data:`DEMO_NAMESPACE`, ``"movielens:<userId>"``);
* email ``user<userId>@demo.movierec.example``;
* password from ``MOVIEREC_DEMO_PASSWORD`` (default ``movierec-demo``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

DEMO_NAMESPACE = uuid.UUID("6d6f7669-6572-6563-8000-64656d6f7573")
DEMO_EMAIL_DOMAIN = "demo.movierec.example"


def demo_user_id(movielens_user_id: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"movielens:{int(movielens_user_id)}")


def demo_email(movielens_user_id: int) -> str:
    return f"user{int(movielens_user_id)}@{DEMO_EMAIL_DOMAIN}"


def resolve_data_dir(
    explicit: Path | str | None = None, env_value: Path | str | None = None
) -> Path:
    """The MovieLens folder: ``--data``, else ``$MOVIEREC_DATA``, else ``data/ml-latest-small``,
    else ``../shared/data/ml-latest-small`` (ARCHITECTURE.md §6). FileNotFoundError if none."""
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
