"""The sieve: where, in a block of raw export bytes, an entry that could match may be.

Every entry a filter matches contains each of the filter's required literals
(`logquery.required_literals`) in its raw JSON text, unless JSON spells them otherwise (`\\uXXXX`,
`\\/`) or, for a literal compared without case, unless the text is not ASCII (`logquery.could_match`
gives up on those). One literal per filter is enough to find candidates: its anchor. A reader
searches a whole block for the anchors and for those escapes, cuts out only the entries around
what it finds, and passes over the rest uncut. Each entry it cuts out is then tested with
`could_match` and parsed as before, so a sieve only ever saves work: it never decides a match.
"""

from __future__ import annotations

_ESCAPE = 0x5C  # "\\"
_SPELLS = b"u/"  # after a backslash: an escape that may spell a literal


class Sieve:
    """The anchors of the filters a scan evaluates: an entry that contains none of them and no
    escape matches none of the filters. `active` is False while the scan needs to see every entry
    (until an entry of its window was read, or while a field it checks is not seen yet)."""

    def __init__(self, anchors: list[tuple[str, bool]]) -> None:
        """`anchors`: one (literal, folded) per filter, as `logquery.required_literals` gives them;
        folded literals are lower case and are looked for in the lower-cased text."""
        self.needles = sorted({(text.encode("ascii"), folded) for text, folded in anchors})
        self.folded = any(folded for _, folded in self.needles)
        self.active = True

    def hits(self, buf: bytes | bytearray, start: int, stop: int) -> Hits | None:
        """The hits in buf[start:stop], or None when the block cannot be judged (a folded anchor
        in text that is not ASCII: every entry there must be cut out)."""
        low = None
        if self.folded:
            block = bytes(buf[start:stop])
            if not block.isascii():
                return None
            low = block.lower()
        return Hits(self, buf, low, start, stop)


class Hits:
    """The positions, in order, where an anchor or an escape is (`next`); `stop` when none is left."""

    def __init__(self, sieve: Sieve, buf: bytes | bytearray, low: bytes | None, start: int,
                 stop: int) -> None:
        self.buf, self.low, self.start, self.stop = buf, low, start, stop
        self.needles = sieve.needles
        self.found = [-1] * (len(self.needles) + 1)  # the next hit of each needle (last: escapes)

    def next(self, at: int) -> int:
        """The first hit at or after `at` (each needle is searched once over the block)."""
        found, stop = self.found, self.stop
        for i, (needle, folded) in enumerate(self.needles):
            if found[i] < at:
                if folded:
                    assert self.low is not None
                    hit = self.low.find(needle, at - self.start, stop - self.start)
                    found[i] = stop if hit < 0 else hit + self.start
                else:
                    hit = self.buf.find(needle, at, stop)
                    found[i] = stop if hit < 0 else hit
        if found[-1] < at:
            found[-1] = self._escape(at)
        return min(found)

    def _escape(self, at: int) -> int:
        buf, stop = self.buf, self.stop
        hit = buf.find(_ESCAPE, at, stop)
        while 0 <= hit < stop - 1 and buf[hit + 1] not in _SPELLS:
            hit = buf.find(_ESCAPE, hit + 1, stop)
        return stop if hit < 0 else hit
