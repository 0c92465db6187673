"""The mail as it leaves: any text round-trips through a standard parser; no header injection."""

from __future__ import annotations

import email
from email import policy
from email.utils import formataddr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.mail import build_email
from application.mail import MailMessage

# Printable text of any script, as subjects, names and bodies are (no line breaks in headers).
header_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=120
).filter(lambda s: s.strip() == s and s.strip())
body_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400).map(
    lambda s: s.replace("\r", "")  # bodies are written with \n line ends
)


def parse(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


@given(subject=header_text, name=header_text, text=body_text, html=body_text)
def test_any_subject_name_and_body_read_back_as_written(
    subject: str, name: str, text: str, html: str
) -> None:
    message = MailMessage(
        to=formataddr((name, "jane@example.com")),  # a well-formed address, quoted as needed
        subject=subject,
        text=text,
        html=html,
    )
    read = parse(build_email(message, "Orion <no-reply@example.com>").as_bytes())
    assert read["Subject"] == subject
    assert read["To"].addresses[0].addr_spec == "jane@example.com"
    assert read["To"].addresses[0].display_name == name
    plain, rich = read.get_body(("plain",)), read.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().rstrip("\n") == text.rstrip("\n")
    assert rich.get_content().rstrip("\n") == html.rstrip("\n")
    assert read["Message-ID"].endswith("@example.com>")


def test_a_text_only_mail_is_one_part() -> None:
    mail = MailMessage(to="a@example.com", subject="Hi", text="Hé")
    read = parse(build_email(mail, "x@y.z").as_bytes())
    assert read.get_content_type() == "text/plain"
    assert read.get_content() == "Hé"


@pytest.mark.parametrize(
    "message",
    [
        MailMessage(to="a@example.com", subject="Hi\nBcc: evil@example.com", text="t"),
        MailMessage(to="a@example.com\r\nBcc: evil@example.com", subject="Hi", text="t"),
        MailMessage(to="a@example.com", subject="Hi", text="t", headers={"X-A": "1\n2"}),
        # What str.splitlines() breaks at, ASCII or not, would end the header block too.
        MailMessage(to="a@example.com", subject="Shop\x1c\x1cInjected body", text="t"),
        MailMessage(to="a@example.com", subject="Hi\x0bBcc: evil@example.com", text="t"),
        MailMessage(to="a@example.com", subject="Café\u2028Bcc: evil@example.com", text="t"),
        MailMessage(to="a@example.com\x85", subject="Hi", text="t"),
    ],
)
def test_a_line_break_in_a_header_is_refused(message: MailMessage) -> None:
    with pytest.raises(ValueError, match="line break"):
        build_email(message, "x@example.com")


@pytest.mark.parametrize("name", ["X-A\nBcc", "X A", "X:A", ""])
def test_a_header_name_must_be_a_header_name(name: str) -> None:
    message = MailMessage(to="a@example.com", subject="Hi", text="t", headers={name: "v"})
    with pytest.raises(ValueError, match="header name"):
        build_email(message, "x@example.com")


def test_long_lines_are_wrapped_for_the_wire_and_read_back_whole() -> None:
    line = "https://example.com/" + "x" * 1200
    raw = build_email(MailMessage(to="a@example.com", subject="Hi", text=line), "x@y.z")
    assert max(len(wire) for wire in raw.as_bytes().split(b"\n")) <= 78
    assert parse(raw.as_bytes()).get_content().rstrip("\n") == line


def test_non_ascii_addresses_and_names_are_encoded_as_addresses() -> None:
    message = MailMessage(
        to="zoé@bücher.example",
        subject="Hi",
        text="t",
        headers={"From": "Boulangerie Müller <shop@example.lu>", "Reply-To": "Zoë <z@b.cd>"},
    )
    sent = build_email(message, "x@y.z")
    # As smtplib sends it to a server that speaks SMTPUTF8.
    read = email.message_from_string(sent.as_string(policy=policy.SMTPUTF8), policy=policy.default)
    assert read["To"].addresses[0].addr_spec == "zoé@bücher.example"
    assert read["From"].addresses[0].display_name == "Boulangerie Müller"
    assert read["Reply-To"].addresses[0].display_name == "Zoë"
    assert read["Reply-To"].addresses[0].addr_spec == "z@b.cd"
