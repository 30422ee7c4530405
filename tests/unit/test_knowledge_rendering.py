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
