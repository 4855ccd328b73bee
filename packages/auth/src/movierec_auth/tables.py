"""Tables of the auth service (besides the kernel's)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import conv

from movierec_common.db import new_metadata, required

metadata = new_metadata()

user_account = Table(
    "user_account",
    metadata,
    required("id", Uuid),
    required("email", Text),
    required("first_name", Text),
    required("last_name", Text),
    required("favorite_genres", ARRAY(Text), server_default="{}"),
    required("password_hash", Text),
    required("role", Text, server_default="user"),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    required("updated_at", DateTime(timezone=True), server_default=func.now()),
    PrimaryKeyConstraint("id", name="user_account_pkey"),
    CheckConstraint("role IN ('user', 'admin')", name=conv("role")),
)
# Emails are unique case-insensitively; lookups use lower(email).
Index("uq_user_account_email_lower", func.lower(user_account.c.email), unique=True)

#: One refresh token; a login starts a family, each refresh adds a token to it.
refresh_token = Table(
    "refresh_token",
    metadata,
    required("id", Uuid),
    required("token_hash", LargeBinary),
    required(
        "user_id",
        Uuid,
        ForeignKey("user_account.id", ondelete="CASCADE", name="refresh_token_user_id_fkey"),
    ),
    required("family_id", Uuid),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    #: Absolute end of the family: refreshing never extends it.
    required("expires_at", DateTime(timezone=True)),
    Column("used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("id", name="refresh_token_pkey"),
    UniqueConstraint("token_hash", name="refresh_token_token_hash_key"),
)
Index("ix_refresh_token_family_id", refresh_token.c.family_id)
Index("ix_refresh_token_user_id", refresh_token.c.user_id)
Index("ix_refresh_token_expires_at", refresh_token.c.expires_at)

#: A single-use password reset: the mailed token's hash, until used or expired.
password_reset = Table(
    "password_reset",
    metadata,
    required("token_hash", LargeBinary),
    required(
        "user_id",
        Uuid,
        ForeignKey("user_account.id", ondelete="CASCADE", name="password_reset_user_id_fkey"),
    ),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    required("expires_at", DateTime(timezone=True)),
    Column("used_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("token_hash", name="password_reset_pkey"),
)
Index("ix_password_reset_user_id", password_reset.c.user_id)
Index("ix_password_reset_expires_at", password_reset.c.expires_at)

#: The throttles' fixed windows (movierec_auth.throttle): a row per subject, reused.
throttle_window = Table(
    "throttle_window",
    metadata,
    required("key", Text),
    required("count", Integer),
    required("window_ends", DateTime(timezone=True)),
    PrimaryKeyConstraint("key", name="throttle_window_pkey"),
)
Index("ix_throttle_window_window_ends", throttle_window.c.window_ends)
