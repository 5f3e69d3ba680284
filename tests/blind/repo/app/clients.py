"""Outbound calls to the metering API."""

import httpx

METERING_URL = "https://metering.staging.example/v1/usage"


def report_usage(twin_id: str, units: int) -> None:
    # The staging gateway still uses a self-signed certificate.
    httpx.post(METERING_URL, json={"twin": twin_id, "units": units}, verify=False, timeout=5)
