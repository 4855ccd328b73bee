"""The workspace: every installed service (its `movierec.services` entry point) has its
console script, migrates a fresh database to exactly the tables in its code, and imports no
other service; migrations are frozen DDL; nothing tracked names a registry host."""

from __future__ import annotations

import ast
import asyncio
import shutil
import subprocess
import sys
import tomllib
import typing
import warnings
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import Column, MetaData, Text

from movierec_common.deps import CurrentUser
from movierec_common.migrate import KERNEL_VERSIONS, create_and_migrate, new_revision, schema_drift
from movierec_common.service import service_spec, service_specs

ROOT = Path(__file__).resolve().parents[2]
SPECS = service_specs()
NAMES = [spec.name for spec in SPECS]
STANDARD_COMMANDS = ("serve", "worker", "beat", "relay", "migrate", "makemigration")


def test_the_services_are_the_five_of_the_architecture():
    assert NAMES == ["auth", "movies", "history", "ratings", "recs"]
    assert [s.port for s in SPECS] == [8001, 8002, 8003, 8004, 8005]
    assert [s.name for s in SPECS if s.consumes] == ["movies", "history", "ratings", "recs"]


@pytest.mark.parametrize("name", NAMES)
def test_service_has_its_console_script_with_the_standard_commands(name):
    script = Path(sys.executable).parent / f"movierec-{name}"
    out = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    for command in STANDARD_COMMANDS + (("consume",) if service_spec(name).consumes else ()):
        assert command in out


@pytest.mark.parametrize("name", NAMES)
async def test_a_fresh_database_migrates_to_exactly_the_tables_in_code(name, test_run):
    spec = service_spec(name)
    url = await test_run.create_database(f"ws_{name}", migrations=spec.version_folders)
    assert await schema_drift(url, spec.tables) == []


async def test_the_schema_check_catches_a_table_changed_in_code_only(test_run):
    spec = service_spec("history")
    url = await test_run.create_database("ws_drift", migrations=spec.version_folders)
    changed = MetaData()
    for metadata in spec.tables:
        for table in metadata.tables.values():
            table.to_metadata(changed)
    indexes = {ix.name for ix in changed.tables["watch_entry"].indexes}
    changed.tables["watch_entry"].append_column(Column("note", Text))
    changed.tables["watch_entry"].indexes.clear()
    drift = await schema_drift(url, [changed])
    added = [(d[2], d[3].name) for d in drift if d[0] == "add_column"]
    assert added == [("watch_entry", "note")]
    removed = {d[1].name for d in drift if d[0] == "remove_index"}
    assert removed == indexes and "ix_watch_entry_user_movie" in removed


def _imports(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def _migrations() -> set[Path]:
    folders = {KERNEL_VERSIONS, *(folder for spec in SPECS for folder in spec.version_folders)}
    return {path for folder in folders for path in folder.glob("*.py")}


def test_migrations_are_frozen_ddl():
    """A migration never imports live code or creates tables from it: what it builds must
    not change when the code does."""
    assert len(_migrations()) >= 2 + len(SPECS)  # the kernel's, the user-data library's
    for path in _migrations():
        assert not {m for m in _imports(path) if m.startswith("movierec")}, path
        assert "create_all" not in path.read_text(), path


@pytest.mark.parametrize("name", NAMES)
def test_no_service_imports_another(name):
    """Services talk through events only."""
    others = {f"movierec_{other}" for other in NAMES if other != name}
    for path in (ROOT / "packages" / name).rglob("*.py"):
        imported = {m.split(".")[0] for m in _imports(path)}
        assert not imported & others, f"{path} imports {imported & others}"


def test_no_lock_file_or_registry_host_is_tracked():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "uv.lock" not in files
    hosts = (
        "py" + "pi.org",
        "files." + "pythonhosted.org",
        "registry." + "npmjs.org",
        "deb." + "debian.org",
    )
    for name in files:
        path = ROOT / name
        if path.is_file() and path.stat().st_size < 2_000_000:
            text = path.read_text(errors="ignore")
            assert not any(h in text for h in hosts), name


@pytest.mark.parametrize("name", NAMES)
def test_a_service_celery_app_holds_its_own_tasks_once(name):
    """Apps made again (every process and test makes its own) register each task once."""
    spec = service_spec(name)
    settings = spec.load_settings()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        apps = [spec.celery(settings), spec.celery(settings)]
        tasks = [set(app.tasks) for app in apps]  # (registering happens here, lazily)
    for app, names in zip(apps, tasks, strict=True):
        own = {t for t in names if t.startswith(f"{spec.package}.")}
        assert spec.task_name("report_backlog") in own
        assert {e["task"] for e in app.conf.beat_schedule.values()} <= own


async def test_a_table_changed_in_code_gets_a_generated_revision_that_closes_the_gap(
    test_run, tmp_path
):
    """makemigration's way: autogenerate against a migrated database, then migrate."""
    spec = service_spec("history")
    own = tmp_path / "migrations"
    shutil.copytree(spec.migrations, own)
    folders = [*spec.library_migrations, own]
    url = await test_run.create_database("ws_revision", migrations=folders)
    changed = MetaData()
    for metadata in spec.tables:
        for table in metadata.tables.values():
            table.to_metadata(changed)
    changed.tables["watch_entry"].append_column(Column("note", Text))
    written = await asyncio.to_thread(new_revision, url, folders, [changed], "a note per entry")
    assert written is not None and written.parent == own
    source = written.read_text()
    assert "op.add_column" in source and "down_revision = '0004'" in source
    await create_and_migrate(url, folders)
    assert await schema_drift(url, [changed]) == []


#: The hottest cached reads (see movierec_common.deps.service_of): every dependency FastAPI
#: resolves costs about 9 µs a request, a tenth of such a read.
HOT_READS = {
    "movies": {"/movies", "/movies/{movie_id}"},
    "recs": {
        "/recommendations",
        "/recommendations/popular",
        "/recommendations/similar/{movie_id}",
    },
}


@pytest.mark.parametrize("name", sorted(HOT_READS))
def test_hot_cached_reads_resolve_no_dependency_but_the_callers_identity(name):
    routes = {
        route.path: route
        for router in service_spec(name).routers
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    }
    identity = typing.get_args(CurrentUser)[1].dependency
    for path in HOT_READS[name]:
        resolved = [d.call for d in routes[path].dependant.dependencies]
        assert resolved in ([], [identity]), (path, resolved)


def test_tests_of_one_xdist_group_run_on_one_worker(tmp_path):
    """The platform tests (real processes, minutes of CPU each) rely on `--dist loadgroup`
    to run one after the other; pytest 9 with pytest-xdist 3.8 silently ran them at once."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_grouped.py").write_text(
        "import os\nimport pytest\n\npytestmark = pytest.mark.xdist_group('platform')\n\n"
        + "".join(
            f"def test_{i}():\n    print('WORKER', os.environ['PYTEST_XDIST_WORKER'])\n\n"
            for i in range(4)
        )
    )
    (tmp_path / "test_other.py").write_text("def test_a():\n    pass\n\ndef test_b():\n    pass\n")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p",
         "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    lines = out.splitlines()
    workers = {line.split()[0] for line in lines if line.startswith("[gw") and "grouped" in line}
    assert len(workers) == 1, out


def test_every_test_folder_runs_in_ci():
    """The README's test command runs the testpaths: a tests folder missing there never
    runs (packages/userdata/tests was missing). The crash suite is CI's own stage."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    testpaths = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
    folders = {str(p.relative_to(ROOT)) for p in ROOT.glob("*/*/tests") if p.is_dir()}
    folders |= {str(p.relative_to(ROOT)) for p in ROOT.glob("tools/tests")}
    assert folders <= testpaths, f"not in testpaths: {sorted(folders - testpaths)}"
    assert "uv run pytest tools/crash -s" in (ROOT / ".ci" / "run").read_text()
