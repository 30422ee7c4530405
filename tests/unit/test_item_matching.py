from bot.language.item_matching import match_lines
from tests.unit.factories import make_line


def test_a_named_item_matches_only_its_line() -> None:
    shoes = make_line(id=1, name="Trail running shoes", category="footwear")
    shirt = make_line(id=2, name="Blue linen shirt", category="apparel")
    assert match_lines([shoes, shirt], "the shoes") == [shoes]
    assert match_lines([shoes, shirt], "blue shirt") == [shirt]


def test_all_of_them_and_nothing_named_mean_every_line() -> None:
    lines = [make_line(id=1, name="Mug"), make_line(id=2, name="Scarf")]
    assert match_lines(lines, "all") == lines
    assert match_lines(lines, None) == lines


def test_an_item_not_on_the_order_matches_nothing() -> None:
    assert match_lines([make_line(id=1, name="Mug")], "headphones") == []
