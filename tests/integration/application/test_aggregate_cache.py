"""The aggregate cache (``ORION_AGGREGATE_CACHE_SIZE``) never hides another process's writes:
every read fetches the events recorded since the cached version."""

from __future__ import annotations

from application.context import CommandContext
from domain.stores.aggregates import Store
from interfaces.bootstrap import Orion, bootstrap
from interfaces.settings import Settings
from tests.builders import random_code

CTX = CommandContext(actor="platform_admin:test")


def test_a_cached_aggregate_shows_what_another_process_wrote(
    orion: Orion, settings: Settings
) -> None:
    assert orion.app.repository.cache is not None  # the default keeps aggregates in memory
    store_id = orion.stores.register(
        CTX, code=random_code(), name="Before", country="LU", currency="EUR", locale="en"
    ).id
    assert (cached := orion.platform.find(Store, store_id)) is not None
    assert cached.name == "Before"

    other = bootstrap(settings)  # another process on the same database
    try:
        other.stores.change_details(CTX, store_id, name="After")
    finally:
        other.close()

    assert (seen := orion.platform.find(Store, store_id)) is not None
    assert (seen.name, seen.version) == ("After", cached.version + 1)
