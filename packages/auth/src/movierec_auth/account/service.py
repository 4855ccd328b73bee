"""Business rules of accounts and sessions. Never commits: the caller's transaction does."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_auth.account import repository
from movierec_auth.account.exceptions import (
    AccountGoneError,
    EmailTakenError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    InvalidResetTokenError,
    RefreshTokenReusedError,
    TooManyAttemptsError,
    TooManyRequestsError,
    WeakPasswordError,
    WrongPasswordError,
)
from movierec_auth.account.repository import RefreshToken, User
from movierec_auth.account.schemas import RegisterRequest, TokenPair, UpdateMeRequest
from movierec_auth.config import Settings
from movierec_auth.security import (
    PasswordHasher,
    TokenSigner,
    context_words,
    hash_refresh_token,
    new_refresh_token,
    password_problem,
)
from movierec_auth.throttle import WindowCounter
from movierec_common.auth import Principal
from movierec_common.demo import demo_email, demo_user_id
from movierec_common.events import UserDeleted, UserRegistered, UserSessionsEnded, UserUpdated
from movierec_common.logging import get_logger
from movierec_common.outbox import record
from movierec_common.revocation import end_sessions
from movierec_common.service import Runtime

log = get_logger(__name__)

WELCOME_TASK = "send_welcome_email"
PURGE_TASK = "purge_expired_refresh_tokens"
RESET_TASK = "send_password_reset_email"


def _now() -> datetime:
    return datetime.now(UTC)


class AccountService:
    """Never commits: the caller's transaction does."""

    def __init__(self, runtime: Runtime[Settings, AccountService]) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.settings = settings
        self.database = runtime.database
        self.hasher = PasswordHasher(settings)
        self.signer = TokenSigner(settings)
        self.events = runtime.events
        self.failures = WindowCounter(
            self.database, kind="login-failures", window_seconds=settings.login_window_seconds
        )
        self.per_address = WindowCounter(self.database, kind="per-address", window_seconds=60)
        self.exempt = [ipaddress.ip_network(n) for n in settings.rate_limit_exempt]
        self.reset_requests = WindowCounter(
            self.database, kind="password-resets", window_seconds=3600
        )

    # -- registration and profile ------------------------------------------------------

    async def register(self, session: AsyncSession, *, data: RegisterRequest) -> User:
        email = str(data.email)
        # Hashed first, whether or not the email is taken: both answers then cost the same
        # argon2 work (a 409 in 24 ms against a 201 in 250 ms told which emails exist).
        password_hash = await self.hasher.hash(data.password)
        if await repository.get_user_by_email(session, email) is not None:
            raise EmailTakenError
        user = User(
            id=uuid.uuid4(),
            email=email,
            first_name=data.first_name,
            last_name=data.last_name,
            favorite_genres=data.favorite_genres,
            password_hash=password_hash,
            role="user",
            created_at=_now(),
            updated_at=_now(),
        )
        try:
            await repository.insert_user(session, user)
        except IntegrityError as exc:  # a concurrent registration won the race
            raise EmailTakenError from exc
        await self.events.emit(
            session,
            "user.registered",
            UserRegistered(user_id=user.id, favorite_genres=user.favorite_genres),
        )
        await record(session, self.runtime.task(WELCOME_TASK, str(user.id)))
        log.info("user_registered", user_id=str(user.id))
        return user

    async def me(self, session: AsyncSession, *, principal: Principal, lock: bool = False) -> User:
        user = await repository.get_user(session, principal.user_id, lock=lock)
        if user is None:
            raise AccountGoneError
        return user

    async def update_me(
        self, session: AsyncSession, *, principal: Principal, data: UpdateMeRequest
    ) -> User:
        user = await self.me(session, principal=principal, lock=True)
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        changed = {k: v for k, v in changes.items() if getattr(user, k) != v}
        if not changed:
            return user
        user = await repository.update_user(session, user.id, **changed, updated_at=_now())
        await self.events.emit(
            session,
            "user.updated",
            UserUpdated(user_id=user.id, favorite_genres=user.favorite_genres),
        )
        return user

    async def delete_me(
        self, session: AsyncSession, *, principal: Principal, password: str
    ) -> None:
        """Delete the account, after its password was given again (a stolen access token
        alone cannot delete it)."""
        user = await self.me(session, principal=principal, lock=True)
        await self._confirm_password(session, user, password)
        await repository.delete_user(session, user.id)  # refresh tokens go with it (cascade)
        await self._end_sessions(session, user.id, announce=False)  # user.deleted says it
        await self.events.emit(session, "user.deleted", UserDeleted(user_id=user.id))
        log.info("user_deleted", user_id=str(user.id))

    async def limit_address(self, address: str | None) -> None:
        """Count a credential request of the client ``address``; 429 past the limit."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            ip = None
        if ip is not None and any(ip in network for network in self.exempt):
            return
        subject = str(ip) if ip is not None else "unknown"
        counted = await self.per_address.increment(subject)
        if counted.count > self.settings.requests_per_address_per_minute:
            raise TooManyRequestsError(counted.retry_after)

    # -- passwords ---------------------------------------------------------------------

    async def _password_attempt(self, subject: str) -> None:
        """Count one password attempt on the account before checking it (committed at once:
        parallel guesses cannot all read "not too many yet"); 429 past the limit."""
        counted = await self.failures.increment(subject)
        if counted.count > self.settings.login_max_failures:
            raise TooManyAttemptsError(counted.retry_after)

    async def _confirm_password(self, session: AsyncSession, user: User, password: str) -> None:
        """The signed-in user's password, asked again; wrong guesses count like failed
        logins (the same throttle: a stolen token cannot be used to guess it)."""
        subject = self._subject(user.email)
        await self._password_attempt(subject)
        if not await self.hasher.verify(password, user.password_hash):
            raise WrongPasswordError
        await self.failures.reset(session, subject)

    async def _set_password(self, session: AsyncSession, user: User, password: str) -> None:
        """A new password (checked like at registration); every session of the user ends."""
        problem = password_problem(
            password, context=context_words(user.email, user.first_name, user.last_name)
        )
        if problem:
            raise WeakPasswordError(problem)
        password_hash = await self.hasher.hash(password)
        await repository.update_user(
            session, user.id, password_hash=password_hash, updated_at=_now()
        )
        await repository.revoke_user_tokens(session, user.id, _now())
        await self._end_sessions(session, user.id)

    async def change_password(
        self, session: AsyncSession, *, principal: Principal, current: str, new: str
    ) -> TokenPair:
        """Change the password; every session ends, this one gets a new token pair."""
        user = await self.me(session, principal=principal, lock=True)
        await self._confirm_password(session, user, current)
        await self._set_password(session, user, new)
        log.info("password_changed", user_id=str(user.id))
        expires_at = _now() + timedelta(days=self.settings.refresh_token_ttl_days)
        return await self._issue(session, user, family_id=uuid.uuid4(), expires_at=expires_at)

    async def request_password_reset(self, session: AsyncSession, *, email: str) -> None:
        """Mail a reset link if the account exists (through the outbox and the worker). The
        answer is the same either way, and so is its cost: the count per address is kept
        for unknown addresses too; past the hourly limit nothing is sent."""
        subject = self._subject(email)
        if (await self.reset_requests.increment(subject)).count > (
            self.settings.password_reset_max_per_hour
        ):
            log.info("password_reset_throttled")
            return
        user = await repository.get_user_by_email(session, email)
        if user is None:
            log.info("password_reset_unknown_email")
            return
        await record(session, self.runtime.task(RESET_TASK, str(user.id)))

    async def issue_password_reset(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> tuple[User, str] | None:
        """A single-use reset token for the user (only its hash is stored), or None if the
        user is gone. The worker calls this and mails the token."""
        user = await repository.get_user(session, user_id)
        if user is None:
            return None
        token = secrets.token_urlsafe(32)
        expires_at = _now() + timedelta(minutes=self.settings.password_reset_ttl_minutes)
        await repository.insert_password_reset(
            session, user.id, hash_refresh_token(token), expires_at
        )
        return user, token

    async def reset_password(self, session: AsyncSession, *, token: str, new: str) -> None:
        user_id = await repository.use_password_reset(session, hash_refresh_token(token), _now())
        user = await repository.get_user(session, user_id, lock=True) if user_id else None
        if user is None:
            raise InvalidResetTokenError
        await self._set_password(session, user, new)
        await self.failures.reset(session, self._subject(user.email))
        log.info("password_reset", user_id=str(user.id))

    # -- sessions ----------------------------------------------------------------------

    def _subject(self, email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]

    async def login(self, session: AsyncSession, *, email: str, password: str) -> TokenPair:
        subject = self._subject(email)
        await self._password_attempt(subject)
        user = await repository.get_user_by_email(session, email)
        ok = await self.hasher.verify(password, user.password_hash if user else None)
        if not ok or user is None:
            log.info("login_failed", reason="bad_credentials")
            raise InvalidCredentialsError
        await self.failures.reset(session, subject)
        family_id = uuid.uuid4()
        expires_at = _now() + timedelta(days=self.settings.refresh_token_ttl_days)
        log.info("login_succeeded", user_id=str(user.id))
        return await self._issue(session, user, family_id=family_id, expires_at=expires_at)

    async def _issue(
        self, session: AsyncSession, user: User, *, family_id: uuid.UUID, expires_at: datetime
    ) -> TokenPair:
        refresh = new_refresh_token()
        await repository.insert_refresh_token(
            session,
            RefreshToken(
                id=uuid.uuid4(),
                token_hash=refresh.token_hash,
                user_id=user.id,
                family_id=family_id,
                created_at=_now(),
                expires_at=expires_at,
            ),
        )
        return TokenPair(
            access_token=self.signer.access_token(user.id, user.role),
            refresh_token=refresh.token,
            expires_in=self.settings.access_token_ttl_seconds,
        )

    async def refresh(self, session: AsyncSession, *, token: str) -> TokenPair:
        """A new pair for a valid refresh token. A spent one revokes its family and raises
        :class:`RefreshTokenReusedError`, whose revocation the caller must still commit."""
        stored = await repository.get_refresh_token(session, hash_refresh_token(token))
        if stored is None:
            raise InvalidRefreshTokenError
        now = _now()
        if stored.used_at is not None or stored.revoked_at is not None:
            # A spent token came back: someone holds a copy. End the whole session family.
            await repository.revoke_family(session, stored.family_id, now)
            await self._end_sessions(session, stored.user_id)
            log.warning(
                "refresh_token_reuse", user_id=str(stored.user_id), family_id=str(stored.family_id)
            )
            raise RefreshTokenReusedError
        idle_until = stored.created_at + timedelta(days=self.settings.refresh_idle_timeout_days)
        if stored.expires_at <= now or idle_until <= now:
            raise InvalidRefreshTokenError
        user = await repository.get_user(session, stored.user_id)
        if user is None:
            raise InvalidRefreshTokenError
        await repository.mark_used(session, stored.id, now)
        return await self._issue(
            session, user, family_id=stored.family_id, expires_at=stored.expires_at
        )

    async def logout(self, session: AsyncSession, *, token: str) -> None:
        """End the refresh token's session; the user's access tokens issued until now stop
        working on every service (other devices get new ones with their refresh tokens)."""
        stored = await repository.get_refresh_token(session, hash_refresh_token(token))
        if stored is not None:
            await repository.revoke_family(session, stored.family_id, _now())
            await self._end_sessions(session, stored.user_id)

    async def _end_sessions(
        self, session: AsyncSession, user_id: uuid.UUID, *, announce: bool = True
    ) -> None:
        """Access tokens of ``user_id`` issued before now are refused: here from this
        transaction's commit, on the other services once ``user.sessions_ended`` reached
        them (see movierec_common.revocation)."""
        ended_at = _now()
        retention = self.settings.revocation_retention_seconds
        await end_sessions(session, user_id, ended_at, retention_seconds=retention)
        if announce:
            await self.events.emit(
                session,
                "user.sessions_ended",
                UserSessionsEnded(user_id=user_id, ended_at=ended_at),
            )

    # -- operators ---------------------------------------------------------------------

    async def create_admin(
        self, session: AsyncSession, *, email: str, password: str, first_name: str, last_name: str
    ) -> tuple[User, bool]:
        """Create an admin, or promote and re-password an existing account. (user, created)."""
        existing = await repository.get_user_by_email(session, email)
        password_hash = await self.hasher.hash(password)
        if existing is not None:
            promoted = await repository.update_user(
                session, existing.id, role="admin", password_hash=password_hash, updated_at=_now()
            )
            return promoted, False
        user = User(
            id=uuid.uuid4(),
            email=email,
            first_name=first_name,
            last_name=last_name,
            favorite_genres=[],
            password_hash=password_hash,
            role="admin",
            created_at=_now(),
            updated_at=_now(),
        )
        await repository.insert_user(session, user)
        await self.events.emit(
            session, "user.registered", UserRegistered(user_id=user.id, favorite_genres=[])
        )
        return user, True

    async def import_demo_users(
        self, session: AsyncSession, *, movielens_ids: list[int], password_hash: str
    ) -> int:
        """Insert the demo users that do not exist yet, with user.registered for each; the
        existing ones get ``password_hash`` too (each import issues the demo password)."""
        now = _now()
        inserted = await repository.insert_users_ignoring_existing(
            session,
            [
                User(
                    id=demo_user_id(uid),
                    email=demo_email(uid),
                    first_name="Demo",
                    last_name=f"User {uid}",
                    favorite_genres=[],
                    password_hash=password_hash,
                    role="user",
                    created_at=now,
                    updated_at=now,
                )
                for uid in movielens_ids
            ],
        )
        await self.events.emit_many(
            session,
            [
                ("user.registered", UserRegistered(user_id=uid, favorite_genres=[]))
                for uid in inserted
            ],
        )
        existing = [demo_user_id(uid) for uid in movielens_ids]
        new = set(inserted)
        await repository.set_password_hash(
            session, [uid for uid in existing if uid not in new], password_hash
        )
        return len(inserted)
