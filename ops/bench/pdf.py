"""Benchmark: invoice PDFs, ms per render and PDFs per second in one process.

    .venv/bin/python -m ops.bench.pdf                    # ~1 minute
    .venv/bin/python -m ops.bench.pdf --samples 60 --lines 30

One process, no database: the renderer (``adapters.pdf.render_invoice``) is what an RQ worker
runs for each invoice. Each sample renders, in turn and so under the same noise:

- baseline: the invoice's HTML alone (jinja2 and babel: every label, date and amount);
- layout: that HTML laid out by WeasyPrint (parse, style, pages), without writing a PDF;
- pdf: the whole ``render_invoice``, PDF bytes out (the layout, then drawing, subsetting and
  embedding the fonts, compressing).

Then ``--seconds`` of back-to-back renders give the PDFs per second of one worker. Font
subsetting is most of a PDF's cost when WeasyPrint falls back to fontTools (HarfBuzz's subsetter,
Debian's libharfbuzz-subset0, not installed): the report says which one ran. Figures are printed,
not written to RESULTS.md.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import platform
import statistics
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any

from adapters.pdf.invoice import (
    _stylesheet,
    _weasyprint,
    data_only_fetcher,
    render_invoice,
    render_invoice_html,
)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ops.bench.pdf", description=__doc__.split("\n")[0])
    p.add_argument("--samples", type=int, default=30, help="renders of each kind (%(default)s)")
    p.add_argument("--lines", type=int, default=8, help="lines on the invoice (%(default)s)")
    p.add_argument("--language", default="fr", help="the invoice's language (%(default)s)")
    p.add_argument(
        "--seconds", type=float, default=10.0, help="back-to-back renders for (%(default)s s)"
    )
    return p.parse_args(argv)


def _png(width: int = 240, height: int = 80) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes((20, 60 + x % 120, 140)) for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))


def document(lines: int, language: str) -> dict[str, Any]:
    """A Luxembourg shop's invoice: books at 3%, the rest at 17%, shipping, a logo."""
    items = []
    for n in range(lines):
        rate, unit = ("3", 971) if n % 2 == 0 else ("17", 2490)
        quantity = n % 3 + 1
        items.append(
            {
                "description": f"Article {n + 1}, édition de poche",
                "sku": f"SKU-{n + 1:04d}",
                "quantity": quantity,
                "unit_price_net": unit,
                "rate": rate,
                "net": unit * quantity,
            }
        )
    shipping = {"description": "Livraison", "net": 485, "rate": "3"}
    taxable: dict[str, int] = {}
    for line in [*items, shipping]:
        taxable[line["rate"]] = taxable.get(line["rate"], 0) + int(line["net"])
    # Half up, once per rate (the figures are only printed here, not checked).
    breakdown = [
        {"rate": rate, "taxable": base, "vat": (base * int(rate) + 50) // 100}
        for rate, base in sorted(taxable.items(), key=lambda kv: int(kv[0]))
    ]
    net = sum(row["taxable"] for row in breakdown)
    vat = sum(row["vat"] for row in breakdown)
    place = {"line2": None}
    return {
        "kind": "invoice",
        "number": "2026-000001",
        "issue_date": "2026-12-02",
        "supply_date": "2026-12-01",
        "language": language,
        "currency": "EUR",
        "order_number": "1042",
        "seller": {
            "legal_name": "Acme Sàrl",
            "address": {
                **place,
                "line1": "12, rue de la Gare",
                "postal_code": "L-1234",
                "city": "Luxembourg",
                "country": "LU",
            },
            "vat_number": "LU26375245",
            "registration_number": "B123456",
            "iban": "LU28 0019 4006 4475 0000",
            "bic": "BCEELULL",
            "email": "factures@acme.example",
            "logo": {"media_type": "image/png", "data": base64.b64encode(_png()).decode()},
        },
        "buyer": {
            "name": "Marie Curie",
            "company": "Curie SA",
            "address": {
                **place,
                "line1": "1 place du Panthéon",
                "postal_code": "75005",
                "city": "Paris",
                "country": "FR",
            },
            "vat_number": "FR40303265045",
        },
        "lines": items,
        "shipping": shipping,
        "breakdown": breakdown,
        "net": net,
        "vat": vat,
        "gross": net + vat,
        "mentions": [],
        "payment_terms_days": 30,
        "due_date": "2027-01-01",
        "paid": False,
        "footer": "Merci de votre commande !",
        "cites": None,
    }


def subsetter() -> str:
    from weasyprint.text.ffi import harfbuzz_subset

    return "HarfBuzz" if harfbuzz_subset else "fontTools (no libharfbuzz-subset)"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    # WeasyPrint warns at every render that it subsets fonts with fontTools; said once below.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    doc = document(args.lines, args.language)
    weasyprint = _weasyprint()

    def html() -> object:
        return render_invoice_html(doc)

    def layout() -> object:
        page = weasyprint.HTML(string=render_invoice_html(doc), url_fetcher=data_only_fetcher())
        return page.render(stylesheets=[_stylesheet()])

    def pdf() -> object:
        return render_invoice(doc)

    kinds: dict[str, Callable[[], object]] = {"baseline": html, "layout": layout, "pdf": pdf}
    for fn in kinds.values():  # warm up: imports, fontconfig, the parsed stylesheet
        fn()
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(args.samples):
        for name, fn in kinds.items():
            samples[name].append(timed(fn))

    started = time.perf_counter()
    done = 0
    while time.perf_counter() - started < args.seconds:
        render_invoice(doc)
        done += 1
    per_second = done / (time.perf_counter() - started)

    size = len(render_invoice(doc))
    median = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    print(f"invoice PDF: {args.lines} lines + shipping, 2 rates, a logo, '{args.language}'")
    print(f"python {platform.python_version()}, weasyprint {weasyprint.__version__}, ", end="")
    print(f"{os.cpu_count()} CPUs, fonts subset by {subsetter()}; PDF {size:,} bytes")
    print(f"median of {args.samples} samples, interleaved:")
    base = median["baseline"]
    for name, ms in median.items():
        q90 = statistics.quantiles(samples[name], n=10)[-1] * 1000 if args.samples > 1 else ms
        print(f"  {name:<9} {ms:9.2f} ms   p90 {q90:9.2f} ms   x{ms / base:8.1f} baseline")
    writing = median["pdf"] - median["layout"]
    print(f"  of a PDF: layout {median['layout'] / median['pdf']:.0%}, ", end="")
    print(f"drawing and fonts {writing / median['pdf']:.0%}")
    print(f"one process, back to back for {args.seconds:.0f} s: {per_second:.2f} PDFs/s ", end="")
    print(f"({done} PDFs; 1000 / median = {1000 / median['pdf']:.2f})")


if __name__ == "__main__":
    main()
