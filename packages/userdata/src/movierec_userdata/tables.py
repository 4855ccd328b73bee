"""The movies a user-data service accepts writes for (learned from the catalog's events)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, Table, Text

from movierec_common.db import new_metadata, required

metadata = new_metadata()

known_movie = Table(
    "known_movie",
    metadata,
    Column("movie_id", Integer, primary_key=True, autoincrement=False),
    required("title", Text),
)
