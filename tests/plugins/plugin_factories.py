"""Valid manifest data for the plug-in tests to vary (imported by the tests and conftest)."""

from __future__ import annotations

from plugins.uscc import uscc_check_char

USCC = "91360111MA35F2Q8X" + uscc_check_char("91360111MA35F2Q8X")

MINIMAL_TOML = f"""\
id = "{{slug}}"
version = "1.0.0"
name = "Test solution {{slug}}"
summary = "A solution used by the tests."
lang = "en"
capabilities = ["production.planning"]
price_min = 10000
price_max = 20000
{{extra}}

[vendor]
name = "Test Vendor Co., Ltd."
uscc = "{USCC}"
email = "test@vendor.example.com"
"""


def minimal_doc(**changes) -> dict:
    """A valid manifest as parsed data, with ``changes`` applied (None removes a field)."""
    doc = {
        "id": "test-plugin",
        "version": "1.0.0",
        "name": "Test solution",
        "summary": "A solution used by the tests.",
        "lang": "en",
        "capabilities": ["production.planning"],
        "price_min": 10000,
        "price_max": 20000,
        "vendor": {"name": "Test Vendor Co., Ltd.", "uscc": USCC, "email": "t@v.example.com"},
    }
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc
