"""Vendors write Markdown; readers see formatted text and never the vendor's script."""

from app.web.rich_text import markdown_html


def test_markdown_is_formatted():
    html = markdown_html("**排产** in *hours*\n\n- one\n- two")
    assert "<strong>排产</strong>" in html
    assert "<em>hours</em>" in html
    assert "<li>one</li>" in html


def test_script_and_raw_html_are_not_rendered():
    html = markdown_html('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html  # shown as the text the vendor typed


def test_only_web_links_survive():
    html = markdown_html("[ok](https://example.com) [bad](javascript:alert(1))")
    assert 'href="https://example.com"' in html
    assert 'href="javascript' not in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_headings_stay_below_the_page_title():
    assert "<h1>" not in markdown_html("# Title")
    assert "<h3>Title</h3>" in markdown_html("# Title")


def test_empty_description_is_empty():
    assert markdown_html(None) == ""
