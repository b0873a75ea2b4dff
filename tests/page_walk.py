"""Walking the portal as a browser would: its pages from the URL map, the forms on them.

Shared by the CSP check and the form fuzzing, so both cover every new page and form
without being told about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask

from tests.deal_builders import Deal

SKIPPED_ENDPOINTS = {"api.docs_asset", "main.set_language", "static", "bootstrap.static"}


def object_values(deal: Deal) -> dict[str, object]:
    """Route argument values that name the objects of one deal."""
    return {
        "need_id": deal.need.id,
        "rfq_id": deal.rfqs[0].id,
        "quote_id": deal.quotes[0].id,
        "slug": deal.listings[0].slug,
        "listing_id": deal.listings[0].id,
        "org_id": deal.vendors[0].organisation_id,
    }


def page_urls(app: Flask, values: dict[str, object]) -> list[str]:
    """Every GET page whose arguments ``values`` can fill (all the argument-free ones)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        if rule.endpoint.endswith(".static"):
            continue
        if all(arg in values for arg in rule.arguments):
            url = rule.rule
            for arg in rule.arguments:
                url = re.sub(rf"<(?:\w+:)?{arg}>", str(values[arg]), url)
            urls.append(url)
    return urls


@dataclass
class HtmlForm:
    action: str
    multipart: bool = False
    # field name -> the values the page offers (options, checkbox values); empty: free text
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = HtmlForm(
                action=attrs.get("action") or self.page_url,
                multipart="multipart" in (attrs.get("enctype") or ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag in ("input", "textarea", "select") and name and name != "csrf_token":
            options = self._form.fields.setdefault(name, [])
            kind = (attrs.get("type") or "").lower()
            if kind == "file":
                self._form.files.add(name)
            elif kind in ("checkbox", "radio", "hidden", "submit") and attrs.get("value"):
                options.append(attrs["value"])
            if tag == "select":
                self._select = name
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self._form.fields[self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(page: str, page_url: str) -> list[HtmlForm]:
    """The POST forms of an HTML page, with their fields and offered values."""
    parser = _FormParser(page_url)
    parser.feed(page)
    return parser.forms
