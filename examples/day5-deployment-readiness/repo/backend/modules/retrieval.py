"""Retrieval: a verified answer when one exists, else vector search over the twin's chunks."""
from openai import AsyncOpenAI

from backend.modules.db import get_supabase

_client = AsyncOpenAI()


async def answer_query(twin_id: str, query: str) -> dict:
    db = get_supabase()
    verified = db.rpc("match_verified_answer", {"p_twin_id": twin_id, "p_query": query}).execute().data
    if verified:
        return {"text": verified[0]["answer"], "source": "verified"}
    emb = await _client.embeddings.create(model="text-embedding-3-small", input=query)
    chunks = db.rpc("match_chunks", {"p_twin_id": twin_id,
                                     "p_embedding": emb.data[0].embedding, "p_count": 5}).execute().data
    context = "\n\n".join(c["content"] for c in chunks)
    reply = await _client.chat.completions.create(model="gpt-4o-mini", messages=[
        {"role": "system", "content": "Answer from the context only.\n\n" + context},
        {"role": "user", "content": query}])
    return {"text": reply.choices[0].message.content, "source": "vector"}
