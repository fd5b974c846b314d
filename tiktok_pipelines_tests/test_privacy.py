"""PII redaction: contact details and secrets become typed placeholders; ordinary numbers stay."""

import pytest

from tiktok_pipelines.lib.privacy import Redacted, redact_pii


@pytest.mark.parametrize("text", [None, ""])
def test_nothing_in_nothing_out(text):
    assert redact_pii(text) == Redacted("", 0)


def test_text_without_pii_is_returned_unchanged():
    text = "Loved this! The cat at 0:42 is everything 😂 #cats #fyp"
    assert redact_pii(text) == Redacted(text, 0)


@pytest.mark.parametrize(
    "email",
    ["bob@example.com", "first.last+tiktok@mail.co.uk", "A_B-c%d@sub.domain.io"],
)
def test_emails_become_a_placeholder(email):
    result = redact_pii(f"write to {email} for collabs")
    assert result == Redacted("write to [email] for collabs", 1)


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+1-415-555-2671",
        "+14155552671",
        "+33 6 12 34 56 78",
        "07911 123456",
        "555-1234",
        "555 1234",
        "415.555.2671",
    ],
)
def test_phone_numbers_international_and_local_become_a_placeholder(phone):
    result = redact_pii(f"text me on {phone} tonight")
    assert result == Redacted("text me on [phone] tonight", 1)


def test_a_phone_number_in_brackets_loses_its_digits():
    result = redact_pii("call (415) 555-2671")
    assert result.redactions == 1 and "[phone]" in result.text
    assert not any(ch.isdigit() for ch in result.text)


@pytest.mark.parametrize("card", ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005"])
def test_card_numbers_become_a_placeholder(card):
    result = redact_pii(f"card: {card}")
    assert result == Redacted("card: [card]", 1)


@pytest.mark.parametrize("handle", ["@alice", "@bob.the_builder", "@x_1"])
def test_mentions_become_a_user_placeholder(handle):
    assert redact_pii(f"cc {handle} look!") == Redacted("cc @[user] look!", 1)


def test_a_lone_at_sign_or_one_letter_handle_is_not_a_mention():
    assert redact_pii("meet @ 5, ask @a") == Redacted("meet @ 5, ask @a", 0)


def test_an_email_is_not_also_counted_as_a_mention():
    assert redact_pii("bob@example.com") == Redacted("[email]", 1)


@pytest.mark.parametrize("param", ["token", "key", "sig", "signature", "auth", "access_token", "TOKEN"])
def test_secrets_in_url_query_parameters_are_redacted_but_the_url_kept(param):
    result = redact_pii(f"see https://cdn.example.com/v/clip.mp4?{param}=s3cr3tV4lue&w=720 now")
    assert result == Redacted(f"see https://cdn.example.com/v/clip.mp4?{param}=[redacted]&w=720 now", 1)


def test_a_secret_after_other_parameters_is_found():
    result = redact_pii("https://x.io/a?lang=en&token=abc123")
    assert result == Redacted("https://x.io/a?lang=en&token=[redacted]", 1)


def test_a_url_without_secrets_is_untouched():
    url = "https://www.tiktok.com/@user/video/7300000000000000000?lang=en"
    result = redact_pii(url)
    assert "?lang=en" in result.text and "[redacted]" not in result.text


def test_every_kind_is_counted_together():
    text = "mail a@b.io or c@d.org, call +44 20 7946 0958, card 4111111111111111 and ping @carol"
    result = redact_pii(text)
    assert result.redactions == 5
    assert result.text.count("[email]") == 2
    assert "[phone]" in result.text and "[card]" in result.text and "@[user]" in result.text
    for leaked in ("a@b.io", "7946", "4111", "carol"):
        assert leaked not in result.text


@pytest.mark.parametrize(
    "text",
    [
        "12,000 views",
        "1,000,000 views in a day",
        "1.000.000 Aufrufe",
        "1 000 000 vues",
        "12 345 678 views",
        "back in 2019",
        "from 2019 to 2024",
        "top 10 of 2024",
        "part 3 of 5",
        "3:45 am",
        "99.9% sure",
        "123456",
    ],
)
def test_ordinary_counts_and_years_are_untouched(text):
    assert redact_pii(text) == Redacted(text, 0)


def test_every_secret_parameter_of_one_url_is_redacted():
    result = redact_pii("https://cdn.example.com/v.mp4?token=AAA111&sig=BBB222&w=1")
    assert "BBB222" not in result.text and "AAA111" not in result.text
    assert result.redactions == 2


def test_the_word_after_a_card_number_keeps_its_space():
    assert redact_pii("card 4111 1111 1111 1111 exp 12/27").text == "card [card] exp 12/27"


@pytest.mark.parametrize("text", ["posted 2024-05-12", "posted 12.05.2024"])
def test_dates_are_not_phone_numbers(text):
    assert redact_pii(text) == Redacted(text, 0)
