"""The auth service, declared once (see movierec_common.service)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from movierec_auth.account.endpoints import router
from movierec_auth.account.service import AccountService
from movierec_auth.cli import create_admin, import_demo_users
from movierec_auth.config import Settings
from movierec_auth.tables import metadata
from movierec_auth.tasks import beat, register_tasks
from movierec_common.service import ServiceSpec


@asynccontextmanager
async def lifespan(accounts: AccountService) -> AsyncIterator[None]:
    # Fail at start, not at the first login, when the signing key is missing.
    _ = accounts.signer.kid
    yield


spec: ServiceSpec[Settings, AccountService] = ServiceSpec(
    name="auth", prefix="auth", port=8001, settings=Settings, service=AccountService,
    title="movierec auth",
    description="Registration, login and tokens. Access tokens are EdDSA/RS256 JWTs.",
    routers=[router], tasks=[register_tasks], beat=beat, lifespan=lifespan,
    commands=[create_admin, import_demo_users],
    tables=[metadata], migrations=Path(__file__).parent / "migrations",
)  # fmt: skip
