from fastapi import FastAPI

from backend.routers import chat, conversations, ingestion, sources, twins

app = FastAPI(title="twinly API", version="0.5.0")

app.include_router(twins.router)
app.include_router(sources.router)
app.include_router(ingestion.router)
app.include_router(conversations.router)
app.include_router(chat.router)


@app.get("/health")
async def health():
    return {"status": "healthy"}
