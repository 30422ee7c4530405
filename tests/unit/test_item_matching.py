from bot.language.item_matching import lines_named_in, match_lines
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


def test_a_message_names_a_line_by_a_word_of_its_name() -> None:
    belt = make_line(id=1, name="Leather Belt", category="accessories")
    shirt = make_line(id=2, name="Oxford Shirt", category="apparel")
    assert lines_named_in("can I return the belt?", [shirt, belt]) == [belt]
    assert lines_named_in("what about the belts", [shirt, belt]) == [belt]


def test_a_message_without_an_item_names_no_line() -> None:
    lines = [make_line(id=1, name="Leather Belt"), make_line(id=2, name="Gift Card £25")]
    assert lines_named_in("and what about order SD-10002?", lines) == []
    assert lines_named_in("can I return 25 of them", lines) == []  # digits of a name are not its name


def test_short_pieces_of_a_name_do_not_match_ordinary_words() -> None:
    tshirt = make_line(id=1, name="Organic Cotton T-shirt")
    assert lines_named_in("I can't find it", [tshirt]) == []
    assert lines_named_in("the t-shirt please", [tshirt]) == [tshirt]


def test_a_button_payload_names_no_line() -> None:
    belt = make_line(id=1, name="Leather Belt")
    assert lines_named_in('/start_return{"product":"Leather Belt"}', [belt]) == []
