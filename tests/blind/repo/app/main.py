"""Application entry point."""

from fastapi import FastAPI

from app.routes import health, telemetry, twins

app = FastAPI(title="twinsvc")
app.include_router(health.router)
app.include_router(twins.router)
app.include_router(telemetry.router)
