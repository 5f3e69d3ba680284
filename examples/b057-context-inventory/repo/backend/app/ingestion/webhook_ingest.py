from sqlalchemy import text

from app.core.tenant_context import tenant_session


async def ingest_event(tenant, source: str, event_type: str, payload: dict) -> dict:
    async for conn in tenant_session(tenant.tenant_id):
        await conn.execute(
            text("INSERT INTO webhook_events (tenant_id, source, event_type, payload) "
                 "VALUES (:t, :s, :e, CAST(:p AS jsonb))"),
            {"t": tenant.tenant_id, "s": source, "e": event_type, "p": payload})
    return {"status": "accepted"}
