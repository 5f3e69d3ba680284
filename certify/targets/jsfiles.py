"""The file suffixes of JavaScript and TypeScript sources.

A module of its own, outside the routes package, so that checking a `routes` spec (`certify
validate`) does not load the route extractors.
"""

JS_SUFFIXES = (".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", ".mts", ".cts")
