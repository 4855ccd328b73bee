"""Title and name normalisation shared by the importer and search."""

from __future__ import annotations

import re
import unicodedata

# MovieLens moves leading articles to the end: "Godfather, The (1972)".
_ARTICLES = (
    "the", "a", "an", "les", "la", "le", "l'", "il", "el", "los", "las", "das", "der", "die",
    "det", "den", "lo", "i", "gli", "un", "une", "o", "os",
)  # fmt: skip
_MOVED_ARTICLE = re.compile(
    r"^(?P<body>.+?), (?P<article>" + "|".join(map(re.escape, _ARTICLES)) + r")$", re.IGNORECASE
)
_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:[-–]\d{0,4})?\)\s*$")
_PARENS = re.compile(r"^(?P<main>.*?)(?P<rest>\s+\(.*\))?$")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(value: str) -> str:
    """Lower case, accents removed, punctuation to spaces, '&' to 'and', spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", value.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NON_ALNUM.sub(" ", plain).strip()


def restore_article(title: str) -> str:
    """ "Godfather, The" → "The Godfather"; also inside "City, The (Cité, La)"."""
    match = _PARENS.match(title)
    main, rest = (match.group("main"), match.group("rest") or "") if match else (title, "")
    moved = _MOVED_ARTICLE.match(main.strip())
    if moved:
        article = moved.group("article")
        sep = "" if article.endswith("'") else " "
        main = f"{article}{sep}{moved.group('body')}"
    return f"{main}{rest}".strip()


def parse_movielens_title(raw: str) -> tuple[str, int | None]:
    """Split "Godfather, The (1972)" into ("The Godfather", 1972)."""
    raw = raw.strip()
    match = _YEAR.match(raw)
    if match:
        return restore_article(match.group("title")), int(match.group("year"))
    return restore_article(raw), None


def match_key(title: str, year: int | None) -> str:
    """Key to match a MovieLens title with an IMDb one: folded main title without a leading
    article, plus the year."""
    main = _PARENS.match(title)
    base = fold(main.group("main") if main else title)
    words = base.split()
    if words and words[0] in ("the", "a", "an"):
        words = words[1:]
    return f"{' '.join(words)}|{year}"
