from typing import List, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from backend.modules.auth_guard import get_current_user, verify_source_ownership, verify_twin_ownership
from backend.modules.db import get_supabase

router = APIRouter(tags=["sources"])


class BulkApprove(BaseModel):
    source_ids: List[str]


class BulkUpdate(BaseModel):
    source_ids: List[str]
    status: Literal["approved", "rejected", "archived"]


def _set_status(source_id: str, status: str) -> dict:
    return get_supabase().table("sources").update({"status": status}).eq("id", source_id).execute().data[0]


@router.get("/twins/{twin_id}/sources")
async def list_sources(twin_id: str, user: dict = Depends(get_current_user)):
    verify_twin_ownership(twin_id, user)
    return get_supabase().table("sources").select("*").eq("twin_id", twin_id).execute().data


@router.post("/sources/{source_id}/approve")
async def approve_source(source_id: str, user: dict = Depends(get_current_user)):
    verify_source_ownership(source_id, user)
    return _set_status(source_id, "approved")


@router.post("/sources/{source_id}/reject")
async def reject_source(source_id: str, user: dict = Depends(get_current_user)):
    verify_source_ownership(source_id, user)
    return _set_status(source_id, "rejected")


@router.get("/sources/{source_id}/health")
async def source_health(source_id: str, user: dict = Depends(get_current_user)):
    source = verify_source_ownership(source_id, user)
    return {"source_id": source_id, "status": source["status"], "last_error": source.get("last_error")}


@router.get("/sources/{source_id}/logs")
async def source_logs(source_id: str, user: dict = Depends(get_current_user)):
    verify_source_ownership(source_id, user)
    return get_supabase().table("ingestion_logs").select("*").eq("source_id", source_id).execute().data


@router.post("/sources/{source_id}/retry")
async def retry_source(source_id: str, user: dict = Depends(get_current_user)):
    verify_source_ownership(source_id, user)
    return _set_status(source_id, "pending")


@router.post("/sources/{source_id}/deep-scrub")
async def deep_scrub_source(source_id: str, user: dict = Depends(get_current_user)):
    verify_source_ownership(source_id, user)
    return _set_status(source_id, "scrubbing")


@router.post("/sources/bulk-approve")
async def bulk_approve(body: BulkApprove, user: dict = Depends(get_current_user)):
    # Every id is verified before any is changed: one foreign id makes the whole call 404.
    for source_id in body.source_ids:
        verify_source_ownership(source_id, user)
    return [_set_status(source_id, "approved") for source_id in body.source_ids]


@router.post("/sources/bulk-update")
async def bulk_update(body: BulkUpdate, user: dict = Depends(get_current_user)):
    for source_id in body.source_ids:
        verify_source_ownership(source_id, user)
    return [_set_status(source_id, body.status) for source_id in body.source_ids]
