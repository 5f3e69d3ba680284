"""Ownership checks shared by every twin-scoped route."""

from fastapi import HTTPException

from app.db import fetch_owner


def verify_twin_ownership(twin_id: str, user_id: str) -> None:
    """Raise 404 (not 403) so that other users' twin ids are not disclosed."""
    owner = fetch_owner(twin_id)
    if owner is None or owner != user_id:
        raise HTTPException(status_code=404, detail="twin not found")
