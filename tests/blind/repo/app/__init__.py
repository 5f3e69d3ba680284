"""twinsvc: a registry of digital twins and their telemetry."""
