"""Check kinds: one module each, listed in `registry.KINDS`."""
