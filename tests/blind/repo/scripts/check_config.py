"""Sanity-check config/settings.toml before a deploy."""

import sys
import tomllib
from pathlib import Path

SETTINGS = Path(__file__).resolve().parent.parent / "config" / "settings.toml"


def main() -> int:
    cfg = tomllib.loads(SETTINGS.read_text())
    if cfg["app"].get("debug"):
        print("ERROR: debug is enabled")
        return 1
    if "timeout" in cfg["app"]:
        print("WARNING: [app].timeout is deprecated, use [http].timeout_s")
    print("config ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
