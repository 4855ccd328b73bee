from __future__ import annotations

from movierec_common.errors import ConflictError, ForbiddenError, ProblemError, UnauthorizedError


class EmailTakenError(ConflictError):
    def __init__(self) -> None:
        super().__init__("An account with this email already exists.")


class InvalidCredentialsError(UnauthorizedError):
    def __init__(self) -> None:
        super().__init__("Incorrect email or password.")


class TooManyAttemptsError(ProblemError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed logins for this account; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class InvalidRefreshTokenError(UnauthorizedError):
    def __init__(self, detail: str = "Invalid or expired refresh token.") -> None:
        super().__init__(detail)


class RefreshTokenReusedError(InvalidRefreshTokenError):
    """A spent token came back: its whole family was revoked (a change that must commit)."""

    def __init__(self) -> None:
        super().__init__("Refresh token already used; this session has been revoked.")


class AccountGoneError(UnauthorizedError):
    def __init__(self) -> None:
        super().__init__("This account no longer exists.")


class WrongPasswordError(ForbiddenError):
    """The signed-in user's password, asked again before a sensitive change, was wrong."""

    def __init__(self) -> None:
        super().__init__("The password is incorrect.")


class WeakPasswordError(ProblemError):
    status_code = 422
    title = "Validation failed"

    def __init__(self, problem: str) -> None:
        super().__init__(f"new_password: {problem}")


class InvalidResetTokenError(ProblemError):
    status_code = 400

    def __init__(self) -> None:
        super().__init__("This password reset link is invalid, used or expired; ask for a new one.")


class TooManyRequestsError(ProblemError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many requests from this address; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
