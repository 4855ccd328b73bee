from __future__ import annotations

from movierec_common.errors import NotFoundError, ProblemError


class MovieNotFoundError(NotFoundError):
    def __init__(self, movie_id: int) -> None:
        super().__init__(f"Movie {movie_id} not found.")


class ImportJobNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Import job not found.")


class ImportSourceError(ProblemError):
    status_code = 422
