from fastapi import APIRouter, Depends

from backend.modules.auth_guard import get_current_user, verify_conversation_ownership, verify_twin_ownership
from backend.modules.db import get_supabase

router = APIRouter(tags=["conversations"])


@router.get("/twins/{twin_id}/conversations")
async def list_conversations(twin_id: str, user: dict = Depends(get_current_user)):
    verify_twin_ownership(twin_id, user)
    return get_supabase().table("conversations").select("*").eq("twin_id", twin_id).execute().data


@router.get("/conversations/{conversation_id}/messages")
async def list_messages(conversation_id: str, user: dict = Depends(get_current_user)):
    verify_conversation_ownership(conversation_id, user)
    return (get_supabase().table("messages").select("*").eq("conversation_id", conversation_id)
            .order("created_at").execute().data)


@router.delete("/conversations/{conversation_id}")
async def delete_conversation(conversation_id: str, user: dict = Depends(get_current_user)):
    verify_conversation_ownership(conversation_id, user)
    get_supabase().table("conversations").delete().eq("id", conversation_id).execute()
    return {"deleted": conversation_id}
