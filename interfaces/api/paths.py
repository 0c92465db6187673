"""Path segments that may hold a slash: a SKU such as ``BOX/ledger``.

Such a segment is sent percent-encoded (``/items/BOX%2Fledger/ledger``). ASGI servers decode
the path before routing, which would split it in two and make ``…/items/BOX/ledger`` mean both
the ledger of ``BOX`` and the SKU ``BOX/ledger``. ``KeepEncodedSlashes`` routes such a request
on a path whose segments stay whole, and the ``{name:segment}`` convertor decodes the value.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Receive, Scope, Send

_ESCAPED = re.compile(rb"%(2f|25)", re.IGNORECASE)
_KEPT = re.compile(r"%(2F|25)")


def _whole_segments(raw_path: bytes) -> str:
    """The decoded path, with ``/`` and ``%`` inside a segment kept escaped (%2F, %25)."""
    return "/".join(
        unquote(segment.decode("latin-1")).replace("%", "%25").replace("/", "%2F")
        for segment in raw_path.split(b"/")
    )


class KeepEncodedSlashes:
    """Pure ASGI middleware: a path with an encoded slash (or percent) is routed with its
    segments whole. Other paths are left as the server decoded them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") if scope["type"] == "http" else None
        if raw_path and _ESCAPED.search(raw_path):
            scope = {**scope, "path": _whole_segments(raw_path.split(b"?", 1)[0])}
        await self.app(scope, receive, send)


class SegmentConvertor(Convertor[str]):
    """One path segment, which may hold an encoded ``/`` (``%2F``) or ``%`` (``%25``)."""

    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return _KEPT.sub(lambda m: "/" if m.group(1) == "2F" else "%", value)

    def to_string(self, value: str) -> str:
        return value.replace("%", "%25").replace("/", "%2F")


register_url_convertor("segment", SegmentConvertor())


def segment(name: str) -> str:
    """A path parameter that is one whole segment, e.g. ``f"/items/{segment('sku')}"``."""
    return "{" + name + ":segment}"
