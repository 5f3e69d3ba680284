"""In-memory twin store used by the route handlers."""

from collections import defaultdict


class Store:
    def __init__(self) -> None:
        self._twins: dict[str, dict[str, str]] = {}
        self._samples: dict[str, list[dict[str, float]]] = defaultdict(list)

    def all(self) -> list[dict[str, str]]:
        return list(self._twins.values())

    def list_for(self, user: str) -> list[dict[str, str]]:
        return [t for t in self._twins.values() if t.get("owner") == user]

    def get(self, twin_id: str) -> dict[str, str]:
        return self._twins[twin_id]

    def replace(self, twin_id: str, body: dict[str, str]) -> dict[str, str]:
        self._twins[twin_id] = {**body, "owner": self._twins[twin_id]["owner"]}
        return self._twins[twin_id]

    def delete(self, twin_id: str) -> None:
        self._twins.pop(twin_id, None)

    def append_sample(self, twin_id: str, sample: dict[str, float]) -> None:
        self._samples[twin_id].append(sample)

    def latest_sample(self, twin_id: str) -> dict[str, float] | None:
        samples = self._samples.get(twin_id)
        return samples[-1] if samples else None


store = Store()
