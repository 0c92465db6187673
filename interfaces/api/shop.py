"""The storefront's shop: every ``/api/v1/shop/{store_code}/…`` route serves one open store."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import anyio
from fastapi import Depends

from interfaces.api.deps import OrionDep


async def shop_store(store_code: str, orion: OrionDep) -> UUID:
    """The id of the store whose shop ``store_code`` names; a suspended or unknown store's shop
    answers 404, as if it did not exist. Known in memory most of the time: then the request
    takes no trip to the thread pool for it."""
    known = orion.stores.open_shop_at_once(store_code)
    if known is not None:
        return known
    return await anyio.to_thread.run_sync(orion.stores.open_shop, store_code)


ShopDep = Annotated[UUID, Depends(shop_store)]
