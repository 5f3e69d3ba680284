from typing import Optional

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from backend.modules._core.scribe_engine import enqueue_graph_extraction_job
from backend.modules.auth_guard import get_current_user, verify_conversation_ownership, verify_twin_ownership
from backend.modules.db import get_supabase
from backend.modules.retrieval import answer_query

router = APIRouter(tags=["chat"])


class ChatRequest(BaseModel):
    query: str
    conversation_id: Optional[str] = None


@router.post("/chat/{twin_id}")
async def chat(twin_id: str, body: ChatRequest, user: dict = Depends(get_current_user)):
    verify_twin_ownership(twin_id, user)
    db = get_supabase()
    if body.conversation_id:
        verify_conversation_ownership(body.conversation_id, user)
        conversation_id = body.conversation_id
    else:
        conversation_id = db.table("conversations").insert({"twin_id": twin_id}).execute().data[0]["id"]
    answer = await answer_query(twin_id, body.query)
    db.table("messages").insert([
        {"conversation_id": conversation_id, "role": "user", "content": body.query},
        {"conversation_id": conversation_id, "role": "assistant", "content": answer["text"]},
    ]).execute()
    # Day 5 (P0-D): a queued, idempotent job instead of a fire-and-forget task.
    job = enqueue_graph_extraction_job(twin_id, conversation_id, body.query, answer["text"])
    return {"conversation_id": conversation_id, "answer": answer["text"],
            "source": answer["source"], "graph_job_id": job.id}
