"""On-call tools built on the targets: `certify diagnose ...`."""
