"""Golden auth flows against the FastAPI app (needs fastapi, PyJWT and SUPABASE_URL/SUPABASE_SERVICE_KEY
of the test project)."""
import time

import pytest

from backend.tests.conftest import make_token


@pytest.mark.parametrize("path", ["/twins/twin-acme-1", "/twins/twin-acme-1/graph-job-status",
                                  "/sources/src-acme-1/health", "/conversations/conv-acme-1/messages"])
def test_expired_token_is_401(client, path):
    token = make_token("dave", int(time.time()) - 60)
    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.network
def test_wrong_tenant_is_404_against_staging():
    ...
