from fastapi import APIRouter, Depends
from pydantic import BaseModel

from backend.modules._core.scribe_engine import graph_job_summary
from backend.modules.auth_guard import get_current_user, verify_twin_ownership
from backend.modules.db import get_supabase

router = APIRouter(tags=["twins"])


class TwinCreate(BaseModel):
    name: str


class TwinUpdate(BaseModel):
    name: str


@router.get("/twins")
async def list_twins(user: dict = Depends(get_current_user)):
    return get_supabase().table("twins").select("*").eq("tenant_id", user["tenant_id"]).execute().data


@router.post("/twins")
async def create_twin(body: TwinCreate, user: dict = Depends(get_current_user)):
    row = {"name": body.name, "tenant_id": user["tenant_id"], "created_by": user["id"]}
    return get_supabase().table("twins").insert(row).execute().data[0]


@router.get("/twins/{twin_id}")
async def get_twin(twin_id: str, user: dict = Depends(get_current_user)):
    return verify_twin_ownership(twin_id, user)


@router.patch("/twins/{twin_id}")
async def update_twin(twin_id: str, body: TwinUpdate, user: dict = Depends(get_current_user)):
    verify_twin_ownership(twin_id, user)
    return get_supabase().table("twins").update({"name": body.name}).eq("id", twin_id).execute().data[0]


@router.delete("/twins/{twin_id}")
async def delete_twin(twin_id: str, user: dict = Depends(get_current_user)):
    verify_twin_ownership(twin_id, user)
    get_supabase().table("twins").delete().eq("id", twin_id).execute()
    return {"deleted": twin_id}


@router.get("/twins/{twin_id}/graph-job-status")
async def graph_job_status(twin_id: str, user: dict = Depends(get_current_user)):
    """Graph extraction jobs of this twin by status (Day 5, P0-D)."""
    verify_twin_ownership(twin_id, user)
    return graph_job_summary(twin_id)
