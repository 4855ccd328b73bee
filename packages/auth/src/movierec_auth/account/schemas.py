"""Request and response bodies of the auth API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from movierec_auth.security import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    context_words,
    password_problem,
)
from movierec_common.genres import GenreList


def _stripped_nonblank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Name = Annotated[
    str, StringConstraints(min_length=1, max_length=100), AfterValidator(_stripped_nonblank)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(_Strict):
    email: EmailStr = Field(max_length=254)
    first_name: Name
    last_name: Name
    # After the email and the names: its check refuses a password built from them.
    password: str = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="8–128 characters; very common passwords, and passwords made mostly of"
        " your email, your name or the service's name, are refused.",
    )
    favorite_genres: GenreList = Field(default_factory=list)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str, info: ValidationInfo) -> str:
        context = context_words(
            info.data.get("email"), info.data.get("first_name"), info.data.get("last_name")
        )
        problem = password_problem(value, context=context)
        if problem:
            raise ValueError(problem)
        return value


def _new_password(description: str) -> Any:
    return Field(
        min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH, description=description
    )


class ChangePasswordRequest(_Strict):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = _new_password(
        "The new password (same rules as at registration). Every session ends; the answer"
        " carries a new token pair for this one."
    )


class DeleteMeRequest(_Strict):
    password: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD_LENGTH,
        description="The account's password: deleting it needs a fresh proof, not just a token.",
    )


class PasswordResetRequest(_Strict):
    email: EmailStr = Field(max_length=254)


class PasswordResetConfirm(_Strict):
    token: str = Field(min_length=16, max_length=128, description="The token from the mail.")
    new_password: str = _new_password("The new password (same rules as at registration).")


class UpdateMeRequest(_Strict):
    first_name: Name | None = None
    last_name: Name | None = None
    favorite_genres: GenreList | None = None


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    favorite_genres: list[str]
    role: str
    created_at: datetime
    updated_at: datetime


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(_Strict):
    refresh_token: str = Field(min_length=1, max_length=512)
