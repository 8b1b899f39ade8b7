"""course_utils.flashcards: click to reveal, click again to hide, print one card per page, escape everything."""
import base64
import re
from html.parser import HTMLParser

import ipywidgets as W
import pytest

from course_utils.flashcards import flashcards, flashcards_html

CARDS = [
    ("What is by-hand backpropagation?", "The same chain rule the autograd engine runs."),
    ("What is the softmax-plus-cross-entropy gradient on the logits?", "dL/dz_i = p_i - y_i"),
    ("Why do they sum to zero?", "Softmax probabilities sum to 1."),
]


class Cards(HTMLParser):
    """Collects each <section class="card">'s classes and its text, in order."""

    def __init__(self):
        super().__init__()
        self.cards, self._depth = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "section" and dict(attrs).get("class") == "card":
            self.cards.append("")
            self._depth = 1
        elif self._depth:
            self._depth += 1

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1 if tag != "section" else self._depth

    def handle_data(self, data):
        if self._depth:
            self.cards[-1] += data


def card_parts(widget):
    heading, grid, print_button, links = widget.children
    return heading, grid.children, print_button, links


def test_widget_shows_questions_and_hides_answers():
    widget = flashcards(CARDS, title="Ninja cards")
    heading, cards, print_button, links = card_parts(widget)
    assert "Ninja cards" in heading.value and "3 cards" in heading.value
    assert len(cards) == 3
    for (question, answer), card in zip(CARDS, cards):
        prompt, reveal, button = card.children
        assert question in prompt.value
        assert answer in reveal.value and reveal.layout.display == "none"
        assert button.description == "Show answer"
    assert print_button.description == "Print flashcards" and links.value == ""


def test_click_reveals_one_answer_and_a_second_click_hides_it():
    _, cards, _, _ = card_parts(flashcards(CARDS))
    prompt, reveal, button = cards[1].children
    button.click()
    assert reveal.layout.display != "none" and button.description == "Hide answer"
    assert all(c.children[1].layout.display == "none" for i, c in enumerate(cards) if i != 1)
    button.click()
    assert reveal.layout.display == "none" and button.description == "Show answer"


def test_print_writes_one_card_per_page_and_links_to_it(tmp_path):
    target = tmp_path / "cards.html"
    _, _, print_button, links = card_parts(flashcards(CARDS, path=target))
    print_button.click()
    page = target.read_text(encoding="utf-8")
    assert page == flashcards_html(CARDS)
    assert 'target="_blank"' in links.value and f'href="{target.as_posix()}"' in links.value
    data = re.search(r'href="data:text/html;charset=utf-8;base64,([^"]+)" download="cards.html"', links.value)
    assert data and base64.b64decode(data.group(1)).decode("utf-8") == page


def test_page_has_each_card_on_its_own_page_question_then_answer():
    page = flashcards_html(CARDS, title="Review")
    parser = Cards()
    parser.feed(page)
    assert len(parser.cards) == len(CARDS)
    for (question, answer), text in zip(CARDS, parser.cards):
        assert question in text and answer in text and text.index(question) < text.index(answer)
    css = re.search(r"<style>(.*)</style>", page, re.S).group(1)
    assert re.search(r"\.card\s*{[^}]*page-break-after:\s*always", css)
    assert "<title>Review</title>" in page and "<script" not in page  # self-contained, no extension needed


def test_all_text_is_escaped():
    evil = [("<script>alert(1)</script> & x < y?", '"quoted" <b>bold</b> & done')]
    page = flashcards_html(evil, title="<i>t</i>")
    assert "<script>alert" not in page and "<b>bold" not in page and "<i>t</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; x &lt; y?" in page
    assert "&lt;i&gt;t&lt;/i&gt;" in page
    _, cards, _, _ = card_parts(flashcards(evil, title="<i>t</i>"))
    prompt, reveal, _ = cards[0].children
    assert "<script>" not in prompt.value and "&lt;script&gt;" in prompt.value
    assert "<b>bold" not in reveal.value


def test_unwritable_path_is_reported_not_raised(tmp_path):
    _, _, print_button, links = card_parts(flashcards(CARDS, path=tmp_path / "missing" / "cards.html"))
    print_button.click()
    assert "Could not write" in links.value


@pytest.mark.parametrize("bad", [[], [("only a question",)], [("q", 3)], ["qa"]])
def test_rejects_malformed_cards(bad):
    with pytest.raises(ValueError):
        flashcards(bad)
    with pytest.raises(ValueError):
        flashcards_html(bad)


def test_returns_a_widget():
    assert isinstance(flashcards(CARDS), W.VBox)
