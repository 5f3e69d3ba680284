"""Operator CLI: python -m app.cli dump"""

import sys

from app.store import store


def main(argv: list[str]) -> int:
    if argv[:1] == ["dump"]:
        for twin in store.all():
            print(twin)
        return 0
    print("usage: python -m app.cli dump", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
