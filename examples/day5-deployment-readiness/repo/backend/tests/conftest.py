import os

import jwt
import pytest
from fastapi.testclient import TestClient

os.environ.setdefault("SUPABASE_JWT_SECRET", "test-secret")


def make_token(sub: str, exp: int) -> str:
    return jwt.encode({"sub": sub, "aud": "authenticated", "exp": exp}, os.environ["SUPABASE_JWT_SECRET"])


@pytest.fixture
def client(monkeypatch):
    from backend.main import app
    return TestClient(app)
