"""A store's invoicing settings on the in-memory world: the defaults until changed, only what
changes recorded, If-Match's version, and the logo: a small PNG or JPEG, kept by content and
named in the settings."""

from __future__ import annotations

import base64
import io
from uuid import uuid4

import pytest
from PIL import Image

from application.invoices.settings import MAX_LOGO_BYTES, logo_media_type
from domain.shared.errors import PreconditionFailedError, ValidationError
from domain.stores.errors import StoreNotFoundError
from tests.unit.adapters.pdf.documents import png
from tests.unit.application.invoices.shop import SETTINGS
from tests.unit.application.world import World


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def test_a_store_starts_with_the_defaults_and_changes_what_it_names() -> None:
    world = World()
    store_id = world.new_store()

    values, version = world.invoicing.settings(store_id)
    assert (values["issue_on_payment"], values["language"], values["legal_name"], version) == (
        True,
        "en",
        None,
        0,
    )
    world.invoicing.change_settings(world.ctx, store_id, dict(SETTINGS), expected_version=0)
    values, version = world.invoicing.settings(store_id)
    assert values["legal_name"] == SETTINGS["legal_name"]
    assert values["address"]["line2"] is None  # normalised by the domain
    assert version == 2  # created, then changed

    with pytest.raises(PreconditionFailedError) as stale:
        world.invoicing.change_settings(world.ctx, store_id, {"footer": "x"}, expected_version=1)
    assert stale.value.fields["current_version"] == 2
    world.invoicing.change_settings(world.ctx, store_id, {"iban": None}, expected_version=2)
    assert world.invoicing.settings(store_id)[0]["iban"] is None


def test_bad_values_are_refused_naming_the_setting() -> None:
    world = World()
    store_id = world.new_store()
    with pytest.raises(ValidationError) as bad:
        world.invoicing.change_settings(world.ctx, store_id, {"iban": "LU00 1234"})
    assert bad.value.field == "iban"
    with pytest.raises(StoreNotFoundError):
        world.invoicing.change_settings(world.ctx, uuid4(), {"footer": "x"})
    with pytest.raises(StoreNotFoundError):
        world.invoicing.settings(uuid4())


@pytest.mark.parametrize(("image", "media_type"), [(png(), "image/png"), (jpeg(), "image/jpeg")])
def test_a_logo_is_kept_by_its_content_and_named_in_the_settings(
    image: bytes, media_type: str
) -> None:
    world = World()
    store_id = world.new_store()

    world.invoicing.change_settings(world.ctx, store_id, {"logo": image})

    key = world.invoicing.settings(store_id)[0]["logo"]
    assert key.startswith(f"logo:{store_id}:")
    kept = world.invoicing.logo(store_id)
    assert kept is not None and (kept.content, kept.media_type) == (image, media_type)
    world.invoicing.change_settings(world.ctx, store_id, {"logo": None})
    assert world.invoicing.logo(store_id) is None
    assert world.documents.get(key) is not None  # an issued invoice may still name it


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"GIF89a" + b"\x00" * 20,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        png()[:30],  # a PNG cut short
        base64.b64encode(png()),  # still base64
    ],
)
def test_what_is_not_a_png_or_jpeg_is_no_logo(content: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        logo_media_type(content)
    assert refused.value.field == "logo"


def test_a_logo_is_small() -> None:
    big = png(width=3000, height=3000, rgb=(1, 2, 3))
    noisy = io.BytesIO()
    Image.effect_noise((400, 400), 100).convert("RGB").save(noisy, format="PNG")
    assert len(noisy.getvalue()) > MAX_LOGO_BYTES
    with pytest.raises(ValidationError):
        logo_media_type(noisy.getvalue())
    assert logo_media_type(big) == "image/png"  # 3000 px, compressed small: fine
    with pytest.raises(ValidationError):
        logo_media_type(png(width=4001, height=2))
