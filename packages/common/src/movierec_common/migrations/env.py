"""The one Alembic environment of every service database (see movierec_common.migrate)."""

from movierec_common.migrate import run_env

run_env()
