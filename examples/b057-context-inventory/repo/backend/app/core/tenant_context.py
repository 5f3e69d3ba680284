"""Tenant resolution for webhooks: X-Skeldir-Tenant-Key -> sha256 -> tenants.api_key_hash.

The lookup runs on the API's runtime connection (DATABASE_URL, role app_user) before any
tenant is known, so it reads public.tenants directly, outside any tenant GUC.
"""

import hashlib
from dataclasses import dataclass

from fastapi import Header, HTTPException
from sqlalchemy import text

from app.core.db import engine

TENANT_KEY_HEADER = "X-Skeldir-Tenant-Key"


@dataclass
class TenantWebhookContext:
    tenant_id: str
    webhook_secrets: dict


async def get_tenant_with_webhook_secrets(
    x_skeldir_tenant_key: str = Header(..., alias=TENANT_KEY_HEADER),
) -> TenantWebhookContext:
    key_hash = hashlib.sha256(x_skeldir_tenant_key.encode()).hexdigest()
    async with engine.connect() as conn:
        row = (await conn.execute(
            text("SELECT id, webhook_secrets FROM tenants WHERE api_key_hash = :h AND status = 'active'"),
            {"h": key_hash},
        )).first()
    if row is None:
        raise HTTPException(status_code=401, detail="unknown tenant key")
    return TenantWebhookContext(tenant_id=str(row.id), webhook_secrets=row.webhook_secrets)


async def tenant_session(tenant_id: str):
    async with engine.begin() as conn:
        await conn.execute(text("SELECT set_config('app.current_tenant_id', :t, true)"), {"t": tenant_id})
        yield conn
