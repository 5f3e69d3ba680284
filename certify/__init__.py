"""certify: prove claims about a running system and leave evidence an auditor can re-check."""

__version__ = "0.7.0"
