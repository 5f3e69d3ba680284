from fastapi import APIRouter, Depends, File, UploadFile

from backend.modules.auth_guard import get_current_user, verify_twin_ownership
from backend.modules.db import get_supabase

router = APIRouter(tags=["ingestion"])


@router.post("/ingest/{twin_id}/file")
async def ingest_file(twin_id: str, file: UploadFile = File(...), user: dict = Depends(get_current_user)):
    verify_twin_ownership(twin_id, user)
    row = {"twin_id": twin_id, "filename": file.filename, "status": "pending"}
    source = get_supabase().table("sources").insert(row).execute().data[0]
    return {"source_id": source["id"], "status": "pending"}


@router.get("/sources/{source_id}/chunks")
async def list_chunks(source_id: str, user: dict = Depends(get_current_user)):
    # Chunk preview for the ingestion screen.
    chunks = (get_supabase().table("chunks").select("id, position, content")
              .eq("source_id", source_id).order("position").execute().data)
    return {"source_id": source_id, "chunks": chunks}
