"""The only fixtures file: the packaged engine (loaded once per session) and the review-store databases.

``review_url`` runs a test on SQLite and on a real PostgreSQL server. The server is the one `.ci/run` starts
(`.ci/postgres.sh start DIR`, its URL in $SUGGESTER_TEST_PG_URL); without that URL, the fixture starts a
throwaway cluster with the same script when PostgreSQL is installed, else the PostgreSQL cases skip, unless
SUGGESTER_REQUIRE_POSTGRES=1 (set by CI), where they fail.
"""

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The engine's on-disk index cache (suggester/_index_cache.py) goes to a directory of this run, never the
# user's ~/.cache; subprocesses started by tests inherit it.
_CACHE = tempfile.mkdtemp(prefix="suggester-test-cache-")
os.environ["SUGGESTER_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def engine():
    from suggester import Suggester

    return Suggester()


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium and the playwright package, for the browser tests (tests/browser.py). Skipped without
    them, unless SUGGESTER_REQUIRE_BROWSER=1 (set by CI), where the test fails."""
    required = os.environ.get("SUGGESTER_REQUIRE_BROWSER") == "1"
    path = os.environ.get("SUGGESTER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the Python package 'playwright' is not installed (pip install -e '.[dev]')"
    if problem is None and not Path(path).is_file():
        problem = f"no Chromium at {path} (apt-get install chromium, or set SUGGESTER_CHROMIUM)"
    if problem:
        if required:
            pytest.fail(f"SUGGESTER_REQUIRE_BROWSER=1 but {problem}.")
        pytest.skip(f"browser test skipped: {problem}.")
    return path


@pytest.fixture(scope="session")
def pg_server():
    """The base URL of a PostgreSQL server for the test run (started here when none is given)."""
    url = os.environ.get("SUGGESTER_TEST_PG_URL")
    if url:
        yield url
        return
    installed = any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not installed:
        if os.environ.get("SUGGESTER_REQUIRE_POSTGRES") == "1":
            pytest.fail("SUGGESTER_REQUIRE_POSTGRES=1 but no PostgreSQL server: run `bash .ci/postgres.sh start DIR` "
                        "and set SUGGESTER_TEST_PG_URL, or install Debian's postgresql.")
        pytest.skip("PostgreSQL cases skipped: no server (bash .ci/postgres.sh start DIR; export SUGGESTER_TEST_PG_URL).")
    work = tempfile.mkdtemp(prefix="suggester-pg-")
    os.chmod(work, 0o755)
    script = ROOT / ".ci" / "postgres.sh"
    try:
        url = subprocess.run(["bash", str(script), "start", work], check=True, capture_output=True, text=True,
                             timeout=180).stdout.strip().splitlines()[-1]
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"Could not start PostgreSQL: {exc.stderr[-2000:]}")
    try:
        yield url
    finally:
        subprocess.run(["bash", str(script), "stop", work], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)


def _pg_database(base_url: str):
    """A fresh database on the test server; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def review_url(request, tmp_path):
    """An empty review-store URL: a SQLite file, or a fresh database on the PostgreSQL test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'review.db'}"
        return
    base = request.getfixturevalue("pg_server")
    yield from _pg_database(base)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def review_url_module(request, tmp_path_factory):
    """Like ``review_url``, shared by the tests of one module (a server started once per database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('review') / 'review.db'}"
        return
    yield from _pg_database(request.getfixturevalue("pg_server"))
