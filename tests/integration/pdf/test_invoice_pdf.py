"""The invoice PDF itself: what a reader finds in it, the same bytes every time, nothing fetched.

The PDFs are opened with pypdf and their text searched for what Article 226 of the VAT directive
asks for, as babel formats it in the invoice's language. A render takes a few hundred ms (font
subsetting above all), which is why these live here and not in the fast tier.
"""

from __future__ import annotations

import base64
import http.server
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from adapters.pdf import render_invoice
from adapters.pdf.invoice import data_only_fetcher, invoice_view
from tests.unit.adapters.pdf.documents import (
    credit_note_document,
    invoice_document,
    reverse_charge_document,
)

REPO = Path(__file__).resolve().parents[3]


def text_of(pdf: bytes) -> str:
    """The PDF's text, with line breaks as spaces (a phrase may wrap); no-break spaces kept."""
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \n]+", " ", text)


def expected_on(document: dict[str, Any]) -> list[str]:
    """What Article 226 asks the document to show, as the view formats it."""
    view = invoice_view(document)
    wanted = [
        document["number"],
        view["issue_date"],
        view["supply_date"],
        document["seller"]["legal_name"],
        *view["seller"]["address"],
        document["seller"]["vat_number"],
        document["seller"]["registration_number"],
        document["seller"]["iban"],
        document["seller"]["bic"],
        document["buyer"]["company"],
        document["buyer"]["name"],
        *view["buyer"]["address"],
        document["buyer"]["vat_number"],
        *(line["description"] for line in document["lines"]),
        *(line["unit_price_net"] for line in view["lines"]),
        view["totals"]["net"],
        view["totals"]["vat"],
        view["totals"]["gross"],
        *view["mentions"],
        document["footer"],
    ]
    for row in view["breakdown"]:
        # Each rate's row reads: the rate, its taxable amount, its VAT.
        wanted.append(f"{row['rate']} {row['taxable']} {row['vat']}")
    return wanted


@pytest.mark.parametrize(
    ("language", "mention", "taxable", "vat"),
    [
        ("en", "Reverse charge", "€18.86", "€0.00"),
        ("fr", "Autoliquidation", "18,86\u00a0€", "0,00\u00a0€"),
        ("de", "Steuerschuldnerschaft des Leistungsempfängers", "18,86\u00a0€", "0,00\u00a0€"),
    ],
)
def test_a_reverse_charge_invoice_shows_what_the_directive_asks(
    language: str, mention: str, taxable: str, vat: str
) -> None:
    document = reverse_charge_document(language)
    text = text_of(render_invoice(document))

    for wanted in expected_on(document):
        assert wanted in text, wanted
    # The same, spelled out once rather than through the view.
    assert "2026-000042" in text
    assert "LU26375245" in text and "FR40303265045" in text
    assert f"{taxable} {vat}" in text
    assert mention in text
    assert "138" in text


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_each_rate_has_its_taxable_amount_and_vat(language: str) -> None:
    document = invoice_document(language)
    text = text_of(render_invoice(document))

    for wanted in expected_on(document):
        assert wanted in text, wanted
    per_rate = {
        "en": ["3% €24.27 €0.73", "17% €30.00 €5.10"],
        "fr": ["3\u00a0% 24,27\u00a0€ 0,73\u00a0€", "17\u00a0% 30,00\u00a0€ 5,10\u00a0€"],
        "de": ["3\u00a0% 24,27\u00a0€ 0,73\u00a0€", "17\u00a0% 30,00\u00a0€ 5,10\u00a0€"],
    }[language]
    for row in per_rate:
        assert row in text


def test_a_credit_note_cites_the_invoice_it_corrects() -> None:
    document = credit_note_document("de")
    text = text_of(render_invoice(document))

    assert "Korrektur der Rechnung Nr. 2026-000042 vom 2. Dezember 2026" in text
    assert "2026-C00007" in text
    assert "3\u00a0% -9,71\u00a0€ -0,29\u00a0€" in text
    assert "-10,00\u00a0€" in text
    for wanted in expected_on(document):
        assert wanted in text, wanted


def test_user_text_prints_as_text() -> None:
    document = invoice_document("en")
    document["lines"][0]["description"] = "<script>alert(1)</script> & <b>bold</b>"
    text = text_of(render_invoice(document))
    assert "<script>alert(1)</script> & <b>bold</b>" in text


def test_the_same_document_gives_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    document = invoice_document("fr")
    first = render_invoice(document)
    # A day later by the clock: nothing in the PDF may depend on when it was drawn.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 86_400)
    second = render_invoice(document)

    assert first == second
    reader = pypdf.PdfReader(io.BytesIO(first))
    assert reader.metadata is not None
    assert reader.metadata["/CreationDate"] == "D:20261202"
    assert reader.metadata["/ModDate"] == "D:20261202"
    assert render_invoice(invoice_document("fr", number="2026-000043")) != first


def test_another_process_gives_the_same_bytes(tmp_path: Path) -> None:
    # A job renders in a worker process: another hash seed, no SOURCE_DATE_EPOCH set, and (as
    # starting Python takes more than a second) another second on the clock.
    here = render_invoice(credit_note_document("en"))
    out = tmp_path / "other.pdf"
    script = (
        "import sys\n"
        "from adapters.pdf import render_invoice\n"
        "from tests.unit.adapters.pdf.documents import credit_note_document\n"
        "open(sys.argv[1], 'wb').write(render_invoice(credit_note_document('en')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONHASHSEED"] = "12345"
    subprocess.run([sys.executable, "-c", script, str(out)], cwd=REPO, env=env, check=True)

    assert out.read_bytes() == here


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 (one server per test, reset by the fixture)

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


def test_nothing_is_fetched(http_server: tuple[str, list[str]]) -> None:
    url, requests = http_server
    # An SVG logo is the one place a document could carry a URL to WeasyPrint.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        f'<image href="{url}/pixel.png" width="40" height="20"/>'
        f'<rect width="40" height="20" fill="url({url}/paint.svg#p)"/></svg>'
    )
    document = invoice_document("en")
    document["seller"]["logo"] = {
        "media_type": "image/svg+xml",
        "data": base64.b64encode(svg.encode()).decode(),
    }
    pdf = render_invoice(document)

    assert requests == []
    assert "2026-000042" in text_of(pdf)
    fetcher = data_only_fetcher()
    for refused in (f"{url}/x.png", "file:///etc/passwd", "ftp://example.com/x"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher(refused)
    assert requests == []
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"


def test_the_logo_is_drawn() -> None:
    with_logo = pypdf.PdfReader(io.BytesIO(render_invoice(invoice_document("en"))))
    without = invoice_document("en")
    without["seller"]["logo"] = None
    no_logo = pypdf.PdfReader(io.BytesIO(render_invoice(without)))

    assert len(with_logo.pages[0].images) == 1
    assert len(no_logo.pages[0].images) == 0


def test_a_long_invoice_numbers_its_pages() -> None:
    line = invoice_document("en")["lines"][0]
    lines = [dict(line, description=f"Volume {n}", net=line["net"]) for n in range(60)]
    pdf = render_invoice(invoice_document("en", lines=lines))
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages

    assert len(pages) > 1
    assert f"Page 1 of {len(pages)}" in pages[0].extract_text()
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1].extract_text()
    # From the second page on, the table's head and the document's number are repeated.
    assert "Invoice 2026-000042" in pages[1].extract_text()
    assert "DESCRIPTION" in pages[1].extract_text()


def test_the_first_page_as_an_image(tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm (poppler-utils) is missing")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(render_invoice(invoice_document("fr")))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    [image] = tmp_path.glob("page*.png")
    data = image.read_bytes()

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    # A4 at 80 dpi is about 661 x 935 pixels; a drawn page compresses to more than a blank one.
    assert abs(width - 661) <= 2 and abs(height - 935) <= 2
    assert len(data) > 20_000
