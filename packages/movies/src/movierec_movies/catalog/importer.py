"""Reading MovieLens (+ IMDb top-1000) files into catalog records. No database here.

Malformed rows are reported with file and line, skipped and counted; the caller writes the
whole catalog in one transaction, so a failed import never leaves half a catalog.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from movierec_common.genres import GENRES, NO_GENRES
from movierec_movies.catalog.text import fold, match_key, parse_movielens_title

MAX_TAGS = 20


@dataclass
class MovieRecord:
    id: int
    title: str
    year: int | None
    genres: list[str]
    description: str | None = None
    runtime_minutes: int | None = None
    imdb_id: str | None = None
    tmdb_id: int | None = None
    imdb_rating: float | None = None
    actors: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def content_hash(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()

    def search_text(self) -> str:
        return fold(" ".join([self.title, *self.directors, *self.actors]))


@dataclass
class ImportReport:
    movies: int = 0
    skipped: int = 0
    enriched: int = 0
    imdb_rows: int = 0
    links: int = 0
    tagged_movies: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, path: Path, line: int, reason: str) -> None:
        self.skipped += 1
        if len(self.problems) < 1000:
            self.problems.append(f"{path.name}:{line}: {reason}")


def _rows(path: Path, required: tuple[str, ...], report: ImportReport):
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or any(col not in header for col in required):
            raise ValueError(f"{path}: expected columns {', '.join(required)}, got {header}")
        index = {name: i for i, name in enumerate(header)}
        for line_no, row in enumerate(reader, start=2):
            if not row or row == [""]:
                continue
            if len(row) != len(header):
                report.problem(path, line_no, f"expected {len(header)} fields, got {len(row)}")
                continue
            yield line_no, {name: row[i] for name, i in index.items()}


def read_movies(path: Path, report: ImportReport) -> dict[int, MovieRecord]:
    movies: dict[int, MovieRecord] = {}
    known = set(GENRES)
    for line_no, row in _rows(path, ("movieId", "title", "genres"), report):
        try:
            movie_id = int(row["movieId"])
            if not 0 < movie_id < 10_000_000:
                raise ValueError
        except ValueError:
            report.problem(path, line_no, f"bad movieId {row['movieId']!r}")
            continue
        title, year = parse_movielens_title(row["title"])
        if not title:
            report.problem(path, line_no, "empty title")
            continue
        raw_genres = [g for g in row["genres"].split("|") if g and g != NO_GENRES]
        unknown = [g for g in raw_genres if g not in known]
        if unknown:
            report.problem(path, line_no, f"unknown genre {unknown[0]!r}")
            continue
        if movie_id in movies:
            report.problem(path, line_no, f"duplicate movieId {movie_id}")
            continue
        movies[movie_id] = MovieRecord(id=movie_id, title=title, year=year, genres=raw_genres)
    report.movies = len(movies)
    return movies


def apply_links(path: Path, movies: dict[int, MovieRecord], report: ImportReport) -> None:
    for line_no, row in _rows(path, ("movieId", "imdbId", "tmdbId"), report):
        try:
            movie = movies.get(int(row["movieId"]))
            imdb = f"tt{int(row['imdbId']):07d}" if row["imdbId"] else None
            tmdb = int(row["tmdbId"]) if row["tmdbId"] else None
        except ValueError:
            report.problem(path, line_no, "bad imdbId/tmdbId")
            continue
        if movie is not None:
            movie.imdb_id, movie.tmdb_id = imdb, tmdb
            report.links += 1


def apply_tags(path: Path, movies: dict[int, MovieRecord], report: ImportReport) -> None:
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    spelling: dict[str, str] = {}
    for line_no, row in _rows(path, ("userId", "movieId", "tag", "timestamp"), report):
        try:
            movie_id = int(row["movieId"])
        except ValueError:
            report.problem(path, line_no, f"bad movieId {row['movieId']!r}")
            continue
        tag = " ".join(row["tag"].split())[:100]
        if not tag or movie_id not in movies:
            continue
        key = tag.lower()
        spelling.setdefault(key, tag)
        counts[movie_id][key] += 1
    for movie_id, counter in counts.items():
        ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TAGS]
        movies[movie_id].tags = [spelling[k] for k, _ in ordered]
    report.tagged_movies = len(counts)


def apply_imdb(path: Path, movies: dict[int, MovieRecord], report: ImportReport) -> None:
    """Enrich matching films (normalised title + year, ±1 year as a fallback)."""
    by_key: dict[str, list[MovieRecord]] = defaultdict(list)
    for movie in movies.values():
        by_key[match_key(movie.title, movie.year)].append(movie)
    required = ("Series_Title", "Released_Year", "Runtime", "IMDB_Rating", "Overview", "Director")
    for line_no, row in _rows(path, required, report):
        report.imdb_rows += 1
        try:
            year = int(row["Released_Year"])
        except ValueError:
            year = None
        title = row["Series_Title"].strip()
        candidates = by_key.get(match_key(title, year), [])
        if not candidates and year is not None:
            candidates = by_key.get(match_key(title, year - 1), []) or by_key.get(
                match_key(title, year + 1), []
            )
        if len(candidates) != 1:
            continue
        movie = candidates[0]
        try:
            rating = float(row["IMDB_Rating"]) if row["IMDB_Rating"] else None
            runtime = int(row["Runtime"].split()[0]) if row["Runtime"] else None
        except ValueError:
            report.problem(path, line_no, "bad IMDB_Rating or Runtime")
            continue
        movie.description = row["Overview"].strip() or None
        movie.imdb_rating = rating
        movie.runtime_minutes = runtime
        movie.directors = [d.strip() for d in row["Director"].split(",") if d.strip()]
        movie.actors = [
            row[c].strip() for c in ("Star1", "Star2", "Star3", "Star4") if row.get(c, "").strip()
        ]
        report.enriched += 1


def read_catalog(
    data_dir: Path, imdb_file: Path | None
) -> tuple[dict[int, MovieRecord], ImportReport]:
    """Everything the import will write, read and validated before any database work."""
    report = ImportReport()
    movies = read_movies(data_dir / "movies.csv", report)
    if (data_dir / "links.csv").is_file():
        apply_links(data_dir / "links.csv", movies, report)
    if (data_dir / "tags.csv").is_file():
        apply_tags(data_dir / "tags.csv", movies, report)
    if imdb_file is not None:
        apply_imdb(imdb_file, movies, report)
    return movies, report
