"""Tables of the auth service."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, LargeBinary, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from movierec_common.db import NAMING_CONVENTION

SQLModel.metadata.naming_convention = NAMING_CONVENTION


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (Index("uq_user_account_email_lower", text("lower(email)"), unique=True),)

    id: uuid.UUID = Field(primary_key=True)
    email: str = Field(sa_column=Column(Text, nullable=False))
    first_name: str = Field(sa_column=Column(Text, nullable=False))
    last_name: str = Field(sa_column=Column(Text, nullable=False))
    favorite_genres: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Text), nullable=False, server_default="{}"),
    )
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    role: str = Field(default="user", sa_column=Column(Text, nullable=False, server_default="user"))
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    updated_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class RefreshToken(SQLModel, table=True):
    """One refresh token; a login starts a family, each refresh adds a token to it."""

    __tablename__ = "refresh_token"
    __table_args__ = (
        Index("ix_refresh_token_family_id", "family_id"),
        Index("ix_refresh_token_user_id", "user_id"),
        Index("ix_refresh_token_expires_at", "expires_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    token_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    family_id: uuid.UUID = Field(nullable=False)
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    #: Absolute end of the family: refreshing never extends it.
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
