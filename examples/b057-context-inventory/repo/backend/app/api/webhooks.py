"""Vendor webhooks. Every handler resolves the tenant from X-Skeldir-Tenant-Key first
(app.core.tenant_context), verifies the vendor signature with that tenant's secret, then
persists the event through the tenant-scoped session (RLS: app.current_tenant_id)."""

from fastapi import APIRouter, Depends, Request

from app.core.tenant_context import TenantWebhookContext, get_tenant_with_webhook_secrets
from app.ingestion.webhook_ingest import ingest_event

router = APIRouter()


@router.post(
    "/webhooks/shopify/order_create",
    status_code=200,
)
async def shopify_order_create(
    request: Request, tenant: TenantWebhookContext = Depends(get_tenant_with_webhook_secrets)
) -> dict:
    tenant.verify_hmac("shopify", request.headers.get("X-Shopify-Hmac-Sha256"), await request.body())
    return await ingest_event(tenant, "shopify", "order_create", await request.json())


# Legacy spelling kept for Stripe endpoints registered before the contract moved to
# "payment_intent/succeeded". Not in the contract.
@router.post(
    "/webhooks/stripe/payment_intent_succeeded",
    status_code=200,
)
async def stripe_payment_intent_succeeded_legacy(
    request: Request, tenant: TenantWebhookContext = Depends(get_tenant_with_webhook_secrets)
) -> dict:
    tenant.verify_stripe_signature(request.headers.get("Stripe-Signature"), await request.body())
    return await ingest_event(tenant, "stripe", "payment_intent.succeeded", await request.json())


@router.post(
    "/webhooks/stripe/payment_intent/succeeded",
    status_code=200,
)
async def stripe_payment_intent_succeeded(
    request: Request, tenant: TenantWebhookContext = Depends(get_tenant_with_webhook_secrets)
) -> dict:
    tenant.verify_stripe_signature(request.headers.get("Stripe-Signature"), await request.body())
    return await ingest_event(tenant, "stripe", "payment_intent.succeeded", await request.json())


@router.post(
    "/webhooks/paypal/sale_completed",
    status_code=200,
)
async def paypal_sale_completed(
    request: Request, tenant: TenantWebhookContext = Depends(get_tenant_with_webhook_secrets)
) -> dict:
    return await ingest_event(tenant, "paypal", "PAYMENT.SALE.COMPLETED", await request.json())


@router.post(
    "/webhooks/woocommerce/order_completed",
    status_code=200,
)
async def woocommerce_order_completed(
    request: Request, tenant: TenantWebhookContext = Depends(get_tenant_with_webhook_secrets)
) -> dict:
    tenant.verify_hmac("woocommerce", request.headers.get("X-WC-Webhook-Signature"), await request.body())
    return await ingest_event(tenant, "woocommerce", "order.completed", await request.json())
