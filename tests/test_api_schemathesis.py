"""Schemathesis against the service's own OpenAPI schema: every endpoint, generated inputs, no 500s."""

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from suggester.api import create_app  # noqa: E402

app = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_schemathesis_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}"


# The review worklist endpoints, mounted with a SQLite review store and called with an admin's token.
def _review_app():
    import atexit
    import shutil
    import tempfile

    from suggester.review import open_store

    tmp = tempfile.mkdtemp(prefix="suggester-schemathesis-")
    store = open_store(f"sqlite:///{tmp}/review.db")
    _, token = store.add_user("ana", "admin")
    atexit.register(lambda: (store.close(), shutil.rmtree(tmp, ignore_errors=True)))
    return create_app(store=store), token


review_app, ADMIN_TOKEN = _review_app()
review_schema = schemathesis.openapi.from_asgi("/openapi.json", review_app).include(path_regex="^/v1/(review|users)")


@pytest.mark.slow
@review_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_review_api_schemathesis_no_server_errors(case):
    response = case.call(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
