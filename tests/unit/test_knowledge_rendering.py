"""Passages are shown in chat with the same words and no Markdown markup."""

from __future__ import annotations

from knowledge.rendering import for_chat


def test_a_table_becomes_one_line_per_row_with_its_column_headings() -> None:
    table = (
        "We offer two delivery methods:\n\n"
        "| Method | Delivery time | Cost |\n|---|---|---|\n"
        "| Standard delivery | 3–5 business days | £3.95 |\n"
        "| Express delivery | 1–2 business days | £7.95 |\n\n"
        "Express is fastest."
    )
    assert for_chat(table) == (
        "We offer two delivery methods:\n\n"
        "Standard delivery — delivery time: 3–5 business days; cost: £3.95\n"
        "Express delivery — delivery time: 1–2 business days; cost: £7.95\n\n"
        "Express is fastest."
    )


def test_a_two_column_table_reads_as_label_and_value() -> None:
    assert (
        for_chat("| Category | Warranty |\n|:---|---:|\n| Electronics | 12 months |")
        == "Electronics: 12 months"
    )


def test_lists_get_bullets_and_emphasis_markers_go() -> None:
    text = "Some items:\n\n- **Gift cards** cannot be returned.\n* Final *sale* items, 2 * 3 = 6."
    assert for_chat(text) == "Some items:\n\n• Gift cards cannot be returned.\n• Final sale items, 2 * 3 = 6."


def test_plain_paragraphs_are_unchanged() -> None:
    text = "We process your refund within 5 business days.\n\nPayPal refunds appear within a day."
    assert for_chat(text) == text


SHOP_DOC = """### Sizes

Check the [size guide](https://shop.example/sizes) or write to <help@shop.example>.
Use the code `WELCOME10` at checkout; \\*conditions apply.

1. Pack the item.
2. Print the label.

```
RMA-1234
  keep this
```

> Parcels over 30 kg go by freight.
"""


def test_a_heading_is_shown_as_its_words() -> None:
    assert for_chat("## 2. Return windows\n\nText.") == "2. Return windows\n\nText."


def test_a_link_reads_as_its_text_and_its_address() -> None:
    assert for_chat(SHOP_DOC).splitlines()[2] == (
        "Check the size guide (https://shop.example/sizes) or write to help@shop.example."
    )


def test_inline_code_and_escapes_keep_their_text_without_the_markers() -> None:
    assert "Use the code WELCOME10 at checkout; *conditions apply." in for_chat(SHOP_DOC)


def test_numbered_lists_keep_their_numbers_and_code_blocks_their_lines() -> None:
    assert for_chat(SHOP_DOC).split("\n\n")[2:] == [
        "1. Pack the item.\n2. Print the label.",
        "RMA-1234\n  keep this",
        "Parcels over 30 kg go by freight.",
    ]


def test_a_nested_list_is_indented_under_its_item() -> None:
    assert for_chat("- Shoes\n  - boots\n- Bags") == "• Shoes\n  • boots\n• Bags"


def test_an_escaped_pipe_does_not_split_a_table_cell() -> None:
    table = "| Code | Meaning |\n|---|---|\n| `a\\|b` | either |"
    assert for_chat(table) == "a|b: either"
