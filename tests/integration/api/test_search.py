"""Storefront search and the team's product list, through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import Api, random_sku, variant


class Shop:
    """One store, its team's writes, and anonymous reads of its shop that see those writes."""

    def __init__(self, api: Api, currency: str = "EUR") -> None:
        self.api = api
        self.store = api.create_store(currency=currency)
        self.sid = self.store["id"]
        self.code = self.store["code"]
        self.position = self.store["position"]
        self.products = f"/api/v1/stores/{self.sid}/products"

    def _wrote(self, answer: dict[str, Any]) -> dict[str, Any]:
        self.position = max(self.position, answer["position"])
        return answer

    def add(
        self,
        title: str,
        *,
        description: str = "",
        price: int = 1000,
        variants: list[dict[str, Any]] | None = None,
        publish: bool = True,
    ) -> str:
        created = self.api.create_product(
            self.sid,
            title=title,
            description=description,
            variants=variants or [variant(amount=price)],
        ).json()
        self._wrote(created)
        if publish:
            self._wrote(self.api.publish(self.sid, created["id"]))
        return str(created["id"])

    def command(self, product_id: str, action: str) -> None:
        answer = self.api.post(f"{self.products}/{product_id}/{action}", expect=200).json()
        self._wrote(answer)

    def edit(self, product_id: str, **fields: Any) -> None:
        answer = self.api.patch(f"{self.products}/{product_id}", fields, expect=200).json()
        self._wrote(answer)

    def page(self, **params: Any) -> dict[str, Any]:
        """The shop is public: no credentials."""
        response = self.api.client.get(
            f"/api/v1/shop/{self.code}/products",
            params={"min_position": self.position, **params},
        )
        assert response.status_code == 200, response.text
        assert response.headers["X-Orion-Consistent"] == "true"
        page: dict[str, Any] = response.json()
        return page

    def search(self, **params: Any) -> list[str]:
        return [p["id"] for p in self.page(limit=100, **params)["items"]]

    def walk(self, limit: int, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(200):
            page = self.page(limit=limit, **params, **({"cursor": cursor} if cursor else {}))
            assert len(page["items"]) <= limit
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items
            assert len(page["items"]) == limit, "only the last page may be short"
        raise AssertionError("pagination did not end")

    def team(self, **params: Any) -> dict[str, Any]:
        page: dict[str, Any] = self.api.get(
            self.products, min_position=self.position, **params
        ).json()
        return page

    def team_walk(self, limit: int, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(200):
            page = self.team(limit=limit, **params, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("pagination did not end")


@pytest.fixture
def shop(api: Api) -> Shop:
    return Shop(api)


def test_title_match_ranks_above_description_only_match(shop: Shop) -> None:
    described = shop.add("Garden chair", description="Pairs well with a lantern on summer nights")
    titled = shop.add("Storm lantern", description="Hurricane glass, brass handle")
    shop.add("Tea towel", description="Linen")
    assert shop.search(q="lantern") == [titled, described]
    assert shop.search(q="lantern", sort="relevance") == [titled, described]
    # A SKU match weighs like the title.
    by_sku = shop.add("Wick", description="lantern wick", variants=[variant("LANTERN-WICK-1")])
    assert shop.search(q="lantern")[-1] == described
    assert set(shop.search(q="lantern")[:2]) == {titled, by_sku}


def test_prefix_and_multiword_matching(shop: Shop) -> None:
    lantern = shop.add("Storm lantern")
    chair = shop.add("Garden chair")
    armchair = shop.add("Garden armchair")
    assert shop.search(q="lant") == [lantern]
    assert shop.search(q="l") == [lantern]
    assert set(shop.search(q="gard")) == {chair, armchair}
    # Every word must match (as a prefix).
    assert shop.search(q="gard cha") == [chair]
    assert shop.search(q="garden lantern") == []
    assert shop.search(q="  GARDEN   Arm ") == [armchair]


def test_accent_folding_both_ways(shop: Shop) -> None:
    accented = shop.add("Crème brûlée torch")
    plain = shop.add("Creme fraiche pot")
    for q in ("creme", "crème", "CRÈME", "CREME", "crem"):
        assert set(shop.search(q=q)) == {accented, plain}, q
    for q in ("brulee", "brûlée", "BRÛLÉE"):
        assert shop.search(q=q) == [accented], q
    assert shop.search(q="fraîche") == [plain]
    assert shop.search(q="Crème-fraîche") == [plain]


def test_sku_search(shop: Shop) -> None:
    torch = shop.add("Torch", variants=[variant("TORCH-XL-9"), variant("TORCH-S-1")])
    matches = shop.add("Matches", variants=[variant("MATCH-100")])
    for q in ("TORCH-XL-9", "torch-xl-9", "TORCH-S", "torch-xl"):
        assert shop.search(q=q) == [torch], q
    assert shop.search(q="MATCH-100") == [matches]


def test_attribute_filter(shop: Shop) -> None:
    red_small = shop.add(
        "Shirt A", variants=[variant(colour="Red", size="S"), variant(colour="Blue", size="S")]
    )
    blue_large = shop.add("Shirt B", variants=[variant(colour="Blue", size="L")])
    red_large = shop.add("Shirt C", variants=[variant(colour="red", size="L")])
    ecru = shop.add("Shirt D", variants=[variant(colour="Écru", size="M")])
    shop.add("Plain", variants=[variant()])

    assert set(shop.search(attr="colour:red")) == {red_small, red_large}
    assert set(shop.search(attr="Colour:RED")) == {red_small, red_large}
    assert set(shop.search(attr="colour:blue")) == {red_small, blue_large}
    assert shop.search(attr=["colour:red", "size:L"]) == [red_large]
    assert shop.search(attr=["colour:blue", "size:L"]) == [blue_large]
    assert shop.search(attr="colour:ecru") == [ecru]
    assert shop.search(attr="colour:écru") == [ecru]
    assert shop.search(attr="colour:green") == []
    assert shop.search(attr="material:red") == []
    # Filters combine with words.
    assert set(shop.search(q="shirt", attr="size:l")) == {blue_large, red_large}


def test_price_range(shop: Shop) -> None:
    prices = {shop.add(f"Item {amount}", price=amount): amount for amount in range(500, 3000, 500)}

    def amounts(**params: Any) -> list[int]:
        return sorted(prices[i] for i in shop.search(**params))

    assert amounts(min_price=1000, max_price=2000) == [1000, 1500, 2000]  # inclusive
    assert amounts(min_price=1001) == [1500, 2000, 2500]
    assert amounts(max_price=999) == [500]
    assert amounts(min_price=2500, max_price=2500) == [2500]
    assert amounts(min_price=0) == [500, 1000, 1500, 2000, 2500]
    assert amounts(min_price=2501) == []
    # A product is priced "from" its cheapest variant.
    ranged = shop.add("Ranged", variants=[variant(amount=700), variant(amount=2700)])
    assert ranged in shop.search(max_price=700)
    assert ranged not in shop.search(min_price=701)
    hit = shop.page(q="ranged")["items"][0]
    assert hit["price_from"] == {"amount": 700, "currency": "EUR"}
    assert hit["price_to"] == {"amount": 2700, "currency": "EUR"}


def test_sorts_order_results(shop: Shop) -> None:
    ids = [shop.add(f"Lamp {i}", price=price) for i, price in enumerate([900, 300, 700, 300, 1200])]
    items = shop.page(sort="price_asc")["items"]
    assert [p["price_from"]["amount"] for p in items] == [300, 300, 700, 900, 1200]
    items = shop.page(sort="price_desc")["items"]
    assert [p["price_from"]["amount"] for p in items] == [1200, 900, 700, 300, 300]
    newest = [p["id"] for p in shop.page(sort="newest")["items"]]
    assert newest == list(reversed(ids))
    # Without words, relevance (the default) means newest first.
    assert [p["id"] for p in shop.page()["items"]] == newest
    assert [p["id"] for p in shop.page(sort="relevance")["items"]] == newest
    published = [p["published_at"] for p in shop.page(sort="newest")["items"]]
    assert published == sorted(published, reverse=True)
    # Sorts apply to search results as well.
    items = shop.page(q="lamp", sort="price_desc")["items"]
    assert [p["price_from"]["amount"] for p in items] == [1200, 900, 700, 300, 300]


def test_republishing_makes_a_product_newest_again(shop: Shop) -> None:
    first = shop.add("First")
    second = shop.add("Second")
    assert shop.search(sort="newest") == [second, first]
    shop.command(first, "unpublish")
    shop.command(first, "publish")
    assert shop.search(sort="newest") == [first, second]
    # An edit of a published product does not move it.
    shop.edit(second, description="now with more detail")
    assert shop.search(sort="newest") == [first, second]


@pytest.fixture
def big_shop(api: Api) -> Shop:
    """30 published products with many price ties and rank ties, plus drafts and archives."""
    shop = Shop(api)
    words = ["oak", "oak table", "oak table lamp", "lamp", "table"]
    for i in range(30):
        shop.add(
            f"{words[i % len(words)]} {i}",
            description="solid oak" if i % 3 == 0 else "",
            price=[500, 1000, 1000, 1500, 2000][i % 5],
        )
    draft = shop.add("oak draft", publish=False)
    archived = shop.add("oak archived")
    shop.command(archived, "archive")
    shop.hidden = {draft, archived}  # type: ignore[attr-defined]
    return shop


SORTS = ["relevance", "price_asc", "price_desc", "newest", "price", "-price"]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("q", [None, "oak", "table"])
def test_cursor_pagination_walks_every_result_once(
    big_shop: Shop, sort: str, q: str | None
) -> None:
    params: dict[str, Any] = {"sort": sort, **({"q": q} if q else {})}
    everything = big_shop.page(limit=100, **params)
    assert everything["next_cursor"] is None
    expected = [p["id"] for p in everything["items"]]
    assert expected, params
    if q is None:
        assert len(expected) == 30
    assert not set(expected) & big_shop.hidden  # type: ignore[attr-defined]
    for limit in (7, 1, 29):
        walked = [p["id"] for p in big_shop.walk(limit, **params)]
        assert len(walked) == len(set(walked)), f"duplicates with limit={limit}"
        assert walked == expected, f"gaps or reordering with limit={limit}"


def test_cursor_pagination_with_filters(big_shop: Shop) -> None:
    params = {"q": "oak", "min_price": 1000, "max_price": 1500, "sort": "price_desc"}
    expected = [p["id"] for p in big_shop.page(limit=100, **params)["items"]]
    assert expected
    assert [p["id"] for p in big_shop.walk(2, **params)] == expected


def test_a_cursor_survives_changes_between_pages(big_shop: Shop) -> None:
    """Keyset pagination: products added while paging do not shift or repeat the others."""
    first = big_shop.page(limit=7, sort="price_asc")
    seen = [p["id"] for p in first["items"]]
    big_shop.add("oak newcomer", price=100)  # sorts before everything already seen
    cursor = first["next_cursor"]
    while cursor:
        page = big_shop.page(limit=7, sort="price_asc", cursor=cursor)
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 30


def test_unpublish_and_archive_remove_from_the_shop(shop: Shop) -> None:
    a = shop.add("Blue vase", variants=[variant("VASE-1", colour="blue")])
    b = shop.add("Blue bowl", variants=[variant("BOWL-1", colour="blue")])
    draft = shop.add("Blue draft", publish=False)
    assert set(shop.search(q="blue")) == {a, b}
    assert draft not in shop.search()

    shop.command(a, "unpublish")
    assert shop.search(q="blue") == [b]
    assert shop.search(q="VASE-1") == []
    assert shop.search(attr="colour:blue") == [b]
    gone = shop.api.client.get(
        f"/api/v1/shop/{shop.code}/products/{a}", params={"min_position": shop.position}
    )
    assert gone.status_code == 404

    shop.command(b, "archive")
    assert shop.search(q="blue") == []
    assert shop.search(attr="colour:blue") == []
    assert shop.search() == []

    shop.command(a, "publish")
    assert shop.search(q="blue") == [a]
    # Archiving frees the SKU: a new product may take it; the archived one stays gone.
    c = shop.add("Blue bowl II", variants=[variant("BOWL-1")])
    assert shop.search(q="BOWL-1") == [c]


def test_editing_updates_search(shop: Shop) -> None:
    pid = shop.add("Copper kettle", variants=[variant("KT-1", 3000, colour="copper")])
    shop.edit(pid, title="Steel teapot")
    assert shop.search(q="kettle") == []
    assert shop.search(q="teapot") == [pid]
    assert shop.page(q="steel")["items"][0]["title"] == "Steel teapot"

    shop.edit(pid, variants=[variant("TEAPOT-2", 1200, colour="steel")])
    assert shop.search(q="KT-1") == []
    assert shop.search(q="TEAPOT-2") == [pid]
    assert shop.search(attr="colour:copper") == []
    assert shop.search(attr="colour:steel") == [pid]
    assert shop.search(max_price=1500) == [pid]
    assert shop.search(min_price=2000) == []

    shop.edit(pid, description="Brushed finish")
    assert shop.search(q="brushed") == [pid]
    # The freed SKU can be used again.
    other = shop.add("Kettle again", variants=[variant("KT-1")])
    assert shop.search(q="KT-1") == [other]


def test_another_stores_products_never_appear(api: Api) -> None:
    mine, theirs = Shop(api), Shop(api)
    sku = random_sku()
    own = mine.add("Twin lamp", variants=[variant(sku, colour="red")])
    foreign = theirs.add("Twin lamp", variants=[variant(sku, colour="red")])
    theirs.add("Only theirs", variants=[variant(colour="red")])
    mine.position = theirs.position = max(mine.position, theirs.position)

    for params in ({}, {"q": "twin"}, {"q": sku}, {"attr": "colour:red"}, {"q": "only"}):
        for sort in ("relevance", "price_asc", "newest"):
            assert mine.search(sort=sort, **params) in ([own], []), params
    assert mine.search(q="twin") == [own]
    assert theirs.search(q="twin") == [foreign]
    assert [p["id"] for p in mine.walk(1)] == [own]
    response = api.client.get(
        f"/api/v1/shop/{mine.code}/products/{foreign}", params={"min_position": mine.position}
    )
    assert response.status_code == 404
    team = mine.team()["items"]
    assert [p["id"] for p in team] == [own]
    assert mine.team(sku=sku)["items"][0]["id"] == own


def test_other_currencies_are_shown_as_the_store_sells(api: Api) -> None:
    yen = Shop(api, currency="JPY")
    pid = yen.add("Tea bowl", variants=[variant(amount=4500, currency="JPY")])
    hit = yen.page(q="tea")["items"][0]
    assert hit["id"] == pid and hit["price_from"] == {"amount": 4500, "currency": "JPY"}


# -- the team's product list ----------------------------------------------------------------


def test_team_list_filters(shop: Shop) -> None:
    draft = shop.add("Crème jar", publish=False, variants=[variant("JAR-RED-1")])
    published = shop.add("Honey jar", variants=[variant("JAR-GOLD-2")])
    archived = shop.add("Old jar", variants=[variant("JAR-OLD-3")])
    shop.command(archived, "archive")

    def ids(**params: Any) -> set[str]:
        return {p["id"] for p in shop.team_walk(2, **params)}

    assert ids() == {draft, published, archived}
    assert ids(status="draft") == {draft}
    assert ids(status="published") == {published}
    assert ids(status="archived") == {archived}
    assert ids(q="jar") == {draft, published, archived}
    assert ids(q="creme") == {draft}
    assert ids(q="CRÈME JAR") == {draft}
    assert ids(q="honey", status="draft") == set()
    assert ids(sku="JAR-GOLD-2") == {published}
    assert ids(sku="jar-gold-2") == {published}
    assert ids(sku="JAR") == {draft, published, archived}
    assert ids(sku="JAR-RED") == {draft}
    assert ids(sku="nope") == set()
    # LIKE wildcards are not patterns.
    assert ids(sku="J%3") == set()

    row = shop.team(sku="JAR-GOLD-2")["items"][0]
    assert row["status"] == "published" and row["version"] == 2
    assert row["variants"][0]["sku"] == "JAR-GOLD-2"


def test_team_list_pagination_most_recently_changed_first(shop: Shop) -> None:
    ids = [shop.add(f"Product {i}", publish=i % 2 == 0) for i in range(11)]
    everything = [p["id"] for p in shop.team(limit=100)["items"]]
    assert set(everything) == set(ids)
    for limit in (1, 4, 10):
        walked = [p["id"] for p in shop.team_walk(limit)]
        assert walked == everything, limit
    updated = [p["updated_at"] for p in shop.team(limit=100)["items"]]
    assert updated == sorted(updated, reverse=True)
    # An edit moves the product to the top.
    shop.edit(ids[3], title="Touched")
    assert shop.team(limit=1)["items"][0]["id"] == ids[3]
    walked = [p["id"] for p in shop.team_walk(4)]
    assert len(walked) == len(set(walked)) == 11
