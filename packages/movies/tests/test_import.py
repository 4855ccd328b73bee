"""The importer: MovieLens parsing, IMDb enrichment, malformed rows, idempotence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from movierec_movies.catalog.importer import read_catalog
from movierec_movies.catalog.text import match_key, parse_movielens_title
from movierec_testkit import run_console


@pytest.mark.parametrize(
    ("raw", "title", "year"),
    [
        ("Godfather, The (1972)", "The Godfather", 1972),
        ("Misérables, Les (1995)", "Les Misérables", 1995),
        (
            "City of Lost Children, The (Cité des enfants perdus, La) (1995)",
            "The City of Lost Children (Cité des enfants perdus, La)",
            1995,
        ),
        ("Babylon 5", "Babylon 5", None),
        ("Death Note: Desu nôto (2006–2007)", "Death Note: Desu nôto", 2006),
        ("  Heat (1995) ", "Heat", 1995),
    ],
)
def test_movielens_titles(raw, title, year):
    assert parse_movielens_title(raw) == (title, year)


def test_match_key_ignores_articles_case_and_punctuation():
    assert match_key("The Lord of the Rings: The Return of the King", 2003) == match_key(
        "Lord of the Rings - The Return of the King", 2003
    )
    assert match_key("Amélie", 2001) == match_key("Amelie", 2001)


def test_real_data_enriches_at_least_650_imdb_films(shared_data_dir):
    movies, report = read_catalog(
        shared_data_dir, shared_data_dir.parent / "imdb-top-1000" / "imdb_top_1000.csv"
    )
    assert len(movies) == 9742
    assert report.enriched >= 650
    assert report.skipped == 0


def _write(folder: Path, name: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(body)


def test_malformed_rows_are_reported_with_file_and_line(tmp_path):
    _write(
        tmp_path,
        "movies.csv",
        "movieId,title,genres\n"
        "1,Toy Story (1995),Adventure|Animation\n"
        "x,Bad Id (1999),Drama\n"
        "3,Too,Many,Fields\n"
        "4,Odd Genre (2001),Drama|Cartoon\n"
        "1,Toy Story again (1995),Comedy\n"
        "5,No Genres (2002),(no genres listed)\n",
    )
    movies, report = read_catalog(tmp_path, None)
    assert sorted(movies) == [1, 5]
    assert movies[5].genres == []
    assert report.skipped == 4
    assert report.problems == [
        "movies.csv:3: bad movieId 'x'",
        "movies.csv:4: expected 3 fields, got 4",
        "movies.csv:5: unknown genre 'Cartoon'",
        "movies.csv:6: duplicate movieId 1",
    ]


async def test_import_is_idempotent_and_emits_only_changes(fresh_catalog, tmp_path):
    catalog = await fresh_catalog("import_idem")
    _write(
        tmp_path,
        "movies.csv",
        "movieId,title,genres\n1,Toy Story (1995),Comedy\n2,Heat (1995),Crime\n",
    )
    first = await catalog.import_catalog(data_dir=tmp_path, imdb_file=None)
    second = await catalog.import_catalog(data_dir=tmp_path, imdb_file=None)
    assert (first["created"], first["events"]) == (2, 2)
    assert (second["created"], second["updated"], second["events"]) == (0, 0, 0)
    _write(
        tmp_path,
        "movies.csv",
        "movieId,title,genres\n1,Toy Story (1995),Comedy|Children\n2,Heat (1995),Crime\n",
    )
    third = await catalog.import_catalog(data_dir=tmp_path, imdb_file=None)
    assert (third["updated"], third["events"]) == (1, 1)
    async with catalog.database.transaction() as session:
        events = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    assert events == 3


async def test_import_works_with_movies_csv_only(fresh_catalog, tmp_path):
    catalog = await fresh_catalog("import_min")
    _write(tmp_path, "movies.csv", "movieId,title,genres\n10,GoldenEye (1995),Action\n")
    report = await catalog.import_catalog(data_dir=tmp_path, imdb_file=None)
    assert report["created"] == 1 and report["links"] == 0


async def test_a_failing_import_leaves_the_catalog_untouched(fresh_catalog, tmp_path):
    catalog = await fresh_catalog("import_fail")
    _write(tmp_path, "movies.csv", "movieId,title,genres\n10,GoldenEye (1995),Action\n")
    _write(tmp_path, "links.csv", "wrong,header\n1,2\n")
    with pytest.raises(ValueError, match="expected columns"):
        await catalog.import_catalog(data_dir=tmp_path, imdb_file=None)
    async with catalog.database.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM movie"))).scalar_one() == 0


async def test_import_command_reports_counts(service_env, shared_data_dir):
    code, out = await run_console(
        "movierec-movies", "import", "--data", str(shared_data_dir), env=service_env
    )
    assert code == 0, out
    # The session fixture imported already: nothing changes, and the IMDb file is found by default.
    assert "9742 read, 0 created, 0 updated, 9742 unchanged" in out
    assert "IMDb: 698 of 1000 matched" in out
