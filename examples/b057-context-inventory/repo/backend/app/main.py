"""Skeldir API: one FastAPI application; the routers below are the whole HTTP surface."""

from fastapi import FastAPI

from app.api import attribution, auth, health, webhooks

app = FastAPI(title="Skeldir API", version="0.5.6")

app.include_router(auth.router, prefix="/api/auth", tags=["auth"])
app.include_router(attribution.router, prefix="/api/attribution", tags=["attribution"])
app.include_router(health.router, tags=["health"])  # /health/* and /metrics
app.include_router(webhooks.router, prefix="/api", tags=["webhooks"])
