"""CRUD for digital twins. Every handler checks ownership before touching data."""

from fastapi import APIRouter, Depends

from app.auth import verify_twin_ownership
from app.deps import current_user
from app.store import store

router = APIRouter()


@router.get("/twins")
def list_twins(user: str = Depends(current_user)) -> list[dict[str, str]]:
    return store.list_for(user)


@router.get("/twins/{twin_id}")
def get_twin(twin_id: str, user: str = Depends(current_user)) -> dict[str, str]:
    verify_twin_ownership(twin_id, user)
    return store.get(twin_id)


@router.put("/twins/{twin_id}")
def update_twin(twin_id: str, body: dict[str, str], user: str = Depends(current_user)) -> dict:
    """Replace a twin's attributes (the owner cannot be changed)."""
    verify_twin_ownership(twin_id, user)
    return store.replace(twin_id, body)


@router.delete("/twins/{twin_id}")
def delete_twin(twin_id: str, user: str = Depends(current_user)) -> None:
    verify_twin_ownership(twin_id, user)
    store.delete(twin_id)
