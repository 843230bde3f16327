"""The wheel (`pip install .`, the Docker image) carries every module and data file the bot reads at run time.

Built from a copy of the checkout's files (tracked, or new and not ignored), so a stale build/ directory or
__pycache__ can't make it look complete. Running the installed console script is .ci/wheel-check.sh's job.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PRODUCT_PACKAGES = ("catalog", "coach", "cogs", "db", "emulator", "runtime")
# Files read from beside the modules at run time (not imported): the YAML data and Alembic's template.
RUNTIME_DATA = (
    "catalog/exercises.yaml",
    "catalog/days.yaml",
    "catalog/studies.yaml",
    "db/migrations/env.py",
    "db/migrations/script.py.mako",
)


def _source_files() -> list[str]:
    """The checkout's files as git sees them (tracked, or new and not ignored), relative paths."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(p for p in listed.split("\0") if p and (REPO / p).is_file())


@pytest.fixture(scope="module")
def source_files() -> list[str]:
    """What a fresh clone has; skips when this isn't a git checkout (an sdist, say)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    return _source_files()


@pytest.fixture(scope="module")
def wheel(source_files: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a clean copy of the checkout."""
    root = tmp_path_factory.mktemp("wheel")
    src, out = root / "src", root / "dist"
    for rel in source_files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (built,) = out.glob("pre_exhaust_coach-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    """File names inside the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_every_product_module_and_data_file_ships(source_files: list[str], wheel_names: set[str]) -> None:
    expected = {
        rel
        for rel in source_files
        if rel.split("/", 1)[0] in PRODUCT_PACKAGES and rel.endswith((".py", ".yaml", ".mako"))
    }
    assert {"coach/evidence/base.py", "db/migrations/versions/0001_initial.py", *RUNTIME_DATA} <= expected
    missing = sorted(expected - wheel_names)
    assert not missing, f"left out of the wheel: {missing}"


def test_tests_bench_and_caches_stay_out(wheel_names: set[str]) -> None:
    leaked = sorted(
        n for n in wheel_names if n.startswith(("tests/", "bench/")) or "__pycache__" in n or n.endswith(".pyc")
    )
    assert not leaked, leaked
    top_level = {n.split("/", 1)[0] for n in wheel_names if not n.startswith("pre_exhaust_coach-")}
    assert top_level == set(PRODUCT_PACKAGES)


def test_console_script_is_declared(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = archive.read(name).decode()
    assert "[console_scripts]\npre-exhaust-coach = runtime.cli:main" in entry_points


# --- the Docker image and compose file: not built in CI, so at least kept in step with what is -------------


def test_dockerfile_installs_what_the_wheel_check_proves() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    wheel_check = (REPO / ".ci" / "wheel-check.sh").read_text(encoding="utf-8")
    assert "NOT BUILT IN CI" in dockerfile
    # The same build and install commands as .ci/wheel-check.sh runs on every CI run.
    assert "pip wheel --no-cache-dir --no-deps --wheel-dir /wheels ." in dockerfile
    assert 'bin/pip" wheel --quiet --no-deps' in wheel_check
    assert 'pip install --no-cache-dir "${wheel}[postgres]"' in dockerfile
    assert 'bin/pip" install --quiet "${wheel}[postgres]"' in wheel_check
    assert 'CMD ["pre-exhaust-coach"]' in dockerfile
    assert "USER coach" in dockerfile
    assert "COACH_DATA_DIR=/data" in dockerfile
    requires = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    (version,) = re.findall(r"^ARG PYTHON_VERSION=(3\.\d+)$", dockerfile, flags=re.MULTILINE)
    assert requires == ">=3.11"
    assert int(version.split(".")[1]) >= 11
    assert re.search(r"^FROM python:\$\{PYTHON_VERSION\}-slim$", dockerfile, flags=re.MULTILINE)
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored
    assert ".git/" in ignored
    assert "data/" in ignored


def test_compose_runs_the_bot_on_a_healthy_postgres() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["env_file"] == ".env"
    assert bot["build"] == "."
    url = bot["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://coach:${POSTGRES_PASSWORD")
    assert url.endswith("@db:5432/coach")
    assert bot["environment"]["COACH_DATA_DIR"] == "/data"
    mounted = {v.split(":")[0] for s in compose["services"].values() for v in s.get("volumes", [])}
    assert mounted == set(compose["volumes"]) == {"pgdata", "coach-data"}
