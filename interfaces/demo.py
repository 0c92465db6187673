"""Demo data: a couple of stores and a few dozen products, loaded through the real use cases."""

from __future__ import annotations

import itertools

from application.context import CommandContext
from application.identity.users import PLATFORM
from domain.stores.aggregates import Store
from interfaces.bootstrap import Orion

DEMO_CTX = CommandContext(actor="system:demo")

STORES = [
    {
        "code": "acme",
        "name": "Acme Outfitters",
        "country": "LU",
        "currency": "EUR",
        "locale": "fr_LU",
    },
    {
        "code": "nordlicht",
        "name": "Nordlicht Café",
        "country": "DE",
        "currency": "EUR",
        "locale": "de_DE",
    },
]

ACME = [
    ("Merino crew sweater", "Soft merino wool, knitted in Portugal.", "apparel", 7900),
    ("Organic cotton tee", "Heavyweight organic cotton t-shirt.", "apparel", 2500),
    ("Rain shell jacket", "Waterproof, breathable, packs into its pocket.", "outdoor", 14900),
    ("Trail running shoes", "Grippy soles for muddy trails.", "outdoor", 12900),
    ("Wool beanie", "Ribbed beanie in recycled wool.", "accessories", 2900),
    ("Canvas tote bag", "Sturdy canvas tote with an inner pocket.", "accessories", 1900),
    ("Down vest", "Light down vest for cold mornings.", "outdoor", 9900),
    ("Linen shirt", "Breezy linen shirt for summer.", "apparel", 5900),
    ("Hiking socks", "Cushioned socks, three pairs.", "accessories", 1500),
    ("Fleece pullover", "Recycled fleece, half zip.", "apparel", 6500),
    ("Leather belt", "Vegetable-tanned leather belt.", "accessories", 4500),
    ("Chino trousers", "Stretch cotton chinos.", "apparel", 6900),
    ("Insulated bottle", "Keeps drinks cold for 24 hours.", "outdoor", 3200),
    ("Climbing chalk bag", "Chalk bag with a brush holder.", "outdoor", 2200),
    ("Sun hat", "Wide brim, UPF 50.", "accessories", 3400),
    ("Thermal leggings", "Base layer for winter.", "apparel", 3900),
    ("Waxed jacket", "Classic waxed cotton jacket.", "outdoor", 18900),
    ("Café apron", "Crème-coloured apron for baristas.", "apparel", 2700),
]
NORDLICHT = [
    ("Espresso roast", "Dark roast, notes of cocoa and cherry.", "coffee", 1290),
    ("Filter roast Ethiopia", "Floral and bright, for pour-over.", "coffee", 1490),
    ("Decaf Colombia", "Swiss water decaf, smooth and sweet.", "coffee", 1390),
    ("Ceramic pour-over dripper", "Hand-made in Höhr-Grenzhausen.", "equipment", 3200),
    ("Burr grinder", "Conical burrs, 40 settings.", "equipment", 14900),
    ("Milk frothing jug", "Stainless steel, 600 ml.", "equipment", 2400),
    ("Stroopwafel tin", "Caramel wafers from Gouda.", "pastry", 890),
    ("Lebkuchen gift box", "Nuremberg gingerbread, twelve pieces.", "pastry", 1890),
    ("Chai spice blend", "Cardamom, cinnamon, ginger and clove.", "tea", 990),
    ("Sencha green tea", "Japanese sencha, first flush.", "tea", 1590),
    ("Earl Grey crème", "Black tea with bergamot and vanilla.", "tea", 1190),
    ("Travel mug", "Leak-proof, 350 ml.", "equipment", 2200),
    ("Cold brew kit", "Jar, filter and recipe card.", "equipment", 2900),
    ("Almond croissant mix", "Bake-at-home croissants.", "pastry", 1290),
    ("Matcha whisk", "Bamboo chasen with 100 prongs.", "tea", 1790),
    ("Cocoa nibs", "Roasted cocoa nibs, 250 g.", "pastry", 790),
]
# The demo stores' VAT numbers (valid check digits, for the invoices' sake); their prices
# include VAT, the default.
VAT_NUMBERS = {"acme": "LU26375245", "nordlicht": "DE136695976"}
SIZES = ("S", "M", "L")
DEMO_STOCK = 25
COLOURS = ("black", "navy", "olive", "sand")


def load_demo(orion: Orion) -> dict[str, int]:
    """Idempotent: a store that already exists is left as it is."""
    made = {"stores": 0, "products": 0}
    for spec, catalog in zip(STORES, (ACME, NORDLICHT), strict=True):
        store_id = Store.id_for_code(spec["code"])
        if orion.platform.find(Store, store_id) is not None:
            continue
        orion.stores.register(DEMO_CTX, **spec)
        made["stores"] += 1
        colours = itertools.cycle(COLOURS)
        skus: list[str] = []
        for n, (title, description, kind, price) in enumerate(catalog, start=1):
            sku = f"{spec['code'][:3].upper()}-{n:03d}"
            if kind == "apparel":
                colour = next(colours)
                variants = [
                    {
                        "sku": f"{sku}-{size}",
                        "price": {"amount": price, "currency": spec["currency"]},
                        "attributes": {"size": size, "colour": colour, "category": kind},
                    }
                    for size in SIZES
                ]
            else:
                variants = [
                    {
                        "sku": sku,
                        "price": {"amount": price, "currency": spec["currency"]},
                        "attributes": {"category": kind},
                    }
                ]
            result = orion.catalog.create_product(
                DEMO_CTX, store_id, title=title, description=description, variants=variants
            )
            # Every fifth product stays a draft, so the team's list shows both.
            if n % 5:
                orion.catalog.publish(DEMO_CTX, store_id, result.id)
                skus.extend(str(v["sku"]) for v in variants)
            made["products"] += 1
        # Enough to check out: stock of everything on sale, and a flat rate to everywhere.
        for sku in skus:
            orion.inventory.receive(DEMO_CTX, store_id, sku=sku, quantity=DEMO_STOCK)
        orion.shipping.set_rate(
            DEMO_CTX, store_id, spec={"name": "Standard", "kind": "flat", "amount": 490}
        )
        orion.tax.change_settings(
            DEMO_CTX, store_id, {"vat_number": VAT_NUMBERS[str(spec["code"])]}
        )
    made["people"] = load_people(orion)
    return made


# Well-known demo credentials: for a local demo only (``orion serve --demo`` prints them).
DEMO_PASSWORD = "orion-demo-2026"
DEMO_OWNER = "owner@acme.example"
DEMO_CUSTOMER = "shopper@acme.example"


def load_people(orion: Orion) -> int:
    """Acme's owner (a team member who signs in at /api/v1/auth/login) and one customer."""
    acme = Store.id_for_code("acme")
    made = 0
    if orion.users.find_by_email(PLATFORM, DEMO_OWNER) is None:
        orion.teams.invite(DEMO_CTX, acme, email=DEMO_OWNER, role="owner", by_role=None)
        team = orion.teams.team(acme)
        assert team is not None
        invitation = next(i for i, v in team.invitations.items() if v["status"] == "pending")
        orion.teams.accept(
            DEMO_CTX,
            token=orion.teams.invitation_token(acme, invitation),
            password=DEMO_PASSWORD,
            name="Ada Acme",
        )
        made += 1
    if orion.customers.find_by_email(str(acme), DEMO_CUSTOMER) is None:
        joined = orion.customers.register(
            DEMO_CTX,
            acme,
            email=DEMO_CUSTOMER,
            password=DEMO_PASSWORD,
            first_name="Sam",
            last_name="Shopper",
            marketing_consent=True,
        )
        orion.customers.add_address(
            DEMO_CTX,
            acme,
            joined.account_id,
            address={
                "first_name": "Sam",
                "last_name": "Shopper",
                "line1": "12 rue de la Gare",
                "city": "Luxembourg",
                "postal_code": "L-1611",
                "country": "LU",
            },
        )
        made += 1
    return made
