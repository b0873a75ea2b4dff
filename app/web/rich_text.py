"""Vendors' Markdown descriptions as safe HTML: rendered by markdown-it, cleaned by nh3.

Raw HTML in the source is not rendered (markdown-it's ``html`` option is off) and nh3 keeps
only harmless tags and http(s)/mailto links, so a listing cannot inject script or styles.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
_TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a", "hr"}
_TAGS |= {"h3", "h4", "h5", "h6"}


def markdown_html(text: str | None) -> Markup:
    """``text`` (Markdown) as sanitised HTML; headings are kept below the page's own."""
    if not text:
        return Markup("")
    html = _MARKDOWN.render(text)
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)  # safe: nh3 has just sanitised it
