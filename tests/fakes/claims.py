"""In-memory dedupe claims for the mail jobs: what was claimed and released, in order; a claim
never expires (a test runs for less than any claim's lifetime)."""

from __future__ import annotations

from workers.mail import Claims


class FakeClaims:
    def __init__(self) -> None:
        self.held: set[str] = set()
        self.claimed: list[str] = []
        self.released: list[str] = []

    def claim(self, key: str, ttl_seconds: int) -> bool:
        if key in self.held:
            return False
        self.held.add(key)
        self.claimed.append(key)
        return True

    def release(self, key: str) -> None:
        self.held.discard(key)
        self.released.append(key)


_check: Claims = FakeClaims()
