"""Telemetry ingestion and read-back for a twin."""

from fastapi import APIRouter, Depends

from app.auth import verify_twin_ownership
from app.deps import current_user
from app.store import store

router = APIRouter()


@router.post("/twins/{twin_id}/telemetry")
def ingest(twin_id: str, sample: dict[str, float], user: str = Depends(current_user)) -> None:
    verify_twin_ownership(twin_id, user)
    store.append_sample(twin_id, sample)


@router.get("/twins/{twin_id}/telemetry/latest")
def latest(twin_id: str) -> dict[str, float]:
    # TODO: check ownership once the dashboard sends the user header
    sample = store.latest_sample(twin_id)
    if sample is None:
        return {}
    return sample
