"""Reading and validating check specs (checks.yaml)."""
