"""plugin.toml validation: every bad field is named, with the file and the problem."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from plugin_factories import MINIMAL_TOML, USCC, minimal_doc

from plugins.manifest import (
    FILE,
    MAX_MANIFEST_BYTES,
    ManifestError,
    Vendor,
    load_manifest,
    manifest_from_mapping,
    manifest_to_toml,
    parse_manifest,
    validate_upload,
)


def errors_of(**changes) -> dict[str, list[str]]:
    with pytest.raises(ManifestError) as caught:
        manifest_from_mapping(minimal_doc(**changes), source="plugin.toml", allow_hooks=True)
    return caught.value.errors


def test_minimal_manifest_is_valid():
    manifest = manifest_from_mapping(minimal_doc(), allow_hooks=False)
    assert manifest.id == "test-plugin"
    assert manifest.offering.vendor == "Test Vendor Co., Ltd."
    assert manifest.vendor.uscc == USCC
    assert manifest.hooks is None and manifest.path is None


BAD_FIELDS = [
    ("id", None, "is required"),
    ("id", "Dye APS", "must match [a-z0-9][a-z0-9._-]{0,79} (got 'Dye APS')"),
    ("name", None, "is required"),
    ("name", 5, "must be a string (got int)"),
    ("summary", None, "is required"),
    ("summary", "x" * 1001, "must be at most 1000 characters (got 1001)"),
    ("description", ["a"], "must be a string (got list)"),
    ("lang", "fr", "unknown value 'fr'"),
    ("capabilities", None, "is required"),
    ("capabilities", [], "is required"),
    ("capabilities", ["production.planing"], "unknown code(s) 'production.planing'"),
    ("industries", ["C99"], "unknown code(s) 'C99'"),
    ("regions", ["CN-XX"], "unknown code(s) 'CN-XX'"),
    ("regions", {"CN-JX": 1}, "must be a list (got dict)"),
    ("company_sizes", ["large"], "unknown code(s) 'large'"),
    ("price_min", -1, "must be >= 0 (got -1)"),
    ("price_min", "cheap", "must be a whole number (got 'cheap')"),
    ("price_max", 1.5, "must be a whole number (got 1.5)"),
    ("price_model", "monthly", "unknown value 'monthly'"),
    ("deployment", ["cloud"], "unknown code(s) 'cloud'"),
    ("delivery_weeks", 1000, "must be <= 520 (got 1000)"),
    ("maturity_levels", [5], "unknown code(s) 5"),
    ("version", None, 'is required (a semantic version such as "1.0.0")'),
    ("version", "1.0", "must be a semantic version MAJOR.MINOR.PATCH (got '1.0')"),
    ("version", "v1.0.0", "must be a semantic version MAJOR.MINOR.PATCH (got 'v1.0.0')"),
    ("version", 1, 'must be a string such as "1.0.0" (got 1)'),
    ("hooks", "my-hooks", "must be the name of a Python module"),
    ("hooks", "class", "must be the name of a Python module"),
    ("hooks", 3, "must be the name of a Python module"),
    ("vendor", None, "is required"),
    ("vendor", "Acme", "must be a table (got str)"),
    ("pricemin", 3, "unknown field (did you mean 'price_min'?)"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_bad_field_is_reported(field, value, message):
    errors = errors_of(**{field: value})  # None removes the field
    assert field in errors
    assert any(message in m for m in errors[field]), errors[field]


VENDOR = {"name": "Acme", "uscc": USCC, "email": "a@acme.example.com"}
BAD_VENDOR_FIELDS = [
    ("name", None, "is required"),
    ("name", "  ", "is required"),
    ("name", "x" * 201, "must be at most 200 characters"),
    ("uscc", None, "is required (the 18-character unified social credit code)"),
    ("uscc", 123, "must be a string (got int)"),
    ("uscc", USCC[:-1], "must be 18 characters (got 17)"),
    ("uscc", USCC[:10] + "O" + USCC[11:], "'O' at position 11"),
    ("uscc", USCC[:-1] + ("0" if USCC[-1] != "0" else "1"), "check character does not match"),
    ("email", "not-an-email", "must be an e-mail address (got 'not-an-email')"),
    ("phone", "call me", "must be a phone number"),
    ("website", "ftp://acme.example.com", "must be an http:// or https:// address"),
    ("fax", "123", "unknown field"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_VENDOR_FIELDS)
def test_bad_vendor_field_is_reported(field, value, message):
    vendor = {**VENDOR, field: value} if value is not None else {**VENDOR}
    if value is None:
        del vendor[field]
    errors = errors_of(vendor=vendor)
    assert any(message in m for m in errors[f"vendor.{field}"]), errors


def test_vendor_needs_email_or_phone():
    errors = errors_of(vendor={"name": "Acme", "uscc": USCC})
    assert errors["vendor.email"] == ["give an e-mail address or a phone number (vendor.phone)"]
    manifest = manifest_from_mapping(
        minimal_doc(vendor={"name": "Acme", "uscc": USCC, "phone": "+86 791 8651 2378"})
    )
    assert manifest.vendor.phone == "+86 791 8651 2378"


def test_uscc_is_normalised():
    manifest = manifest_from_mapping(minimal_doc(vendor={**VENDOR, "uscc": USCC.lower()}))
    assert manifest.vendor.uscc == USCC


def test_message_names_file_field_and_problem():
    data = MINIMAL_TOML.format(slug="dye-aps", extra="").replace("20000", "50000")
    data = data.replace("price_min = 10000", "price_min = 90000")
    with pytest.raises(ManifestError) as caught:
        parse_manifest(data.encode(), source="plugins/bundled/dye-aps/plugin.toml")
    assert caught.value.lines == [
        "plugins/bundled/dye-aps/plugin.toml: price_min: must be <= price_max (got 90000 > 50000)"
    ]
    assert str(caught.value) == caught.value.lines[0]


def test_all_problems_are_reported_at_once():
    errors = errors_of(version="1", lang="fr", price_min=-5, vendor={"name": "Acme"})
    assert {"version", "lang", "price_min", "vendor.uscc", "vendor.email"} <= set(errors)


def test_toml_syntax_error_gives_the_line():
    with pytest.raises(ManifestError) as caught:
        validate_upload(b'id = "x"\nname = \n')
    assert caught.value.errors[FILE] == ["is not valid TOML: Invalid value (at line 2, column 8)"]
    assert caught.value.lines[0].startswith("plugin.toml: is not valid TOML")


def test_non_utf8_is_refused_with_its_line():
    with pytest.raises(ManifestError) as caught:
        validate_upload('id = "x"\nname = "Café"\n'.encode("latin-1"), filename="listing.toml")
    assert caught.value.lines == ["listing.toml: must be UTF-8 text (byte 0xe9 on line 2 is not)"]


def test_utf8_bom_is_accepted():
    data = b"\xef\xbb\xbf" + MINIMAL_TOML.format(slug="bom", extra="").encode()
    assert validate_upload(data).id == "bom"


def test_size_limit():
    data = MINIMAL_TOML.format(slug="big", extra=f'description = "{"x" * MAX_MANIFEST_BYTES}"')
    with pytest.raises(ManifestError, match="is too large"):
        validate_upload(data.encode())


def test_uploaded_manifest_with_hooks_is_refused():
    data = MINIMAL_TOML.format(slug="sneaky", extra='hooks = "hooks"').encode()
    with pytest.raises(ManifestError) as caught:
        validate_upload(data)
    assert list(caught.value.errors) == ["hooks"]
    assert "never runs code that a vendor uploads" in caught.value.errors["hooks"][0]


def test_form_data_with_hooks_is_refused_by_default():
    with pytest.raises(ManifestError, match="hooks: is not allowed"):
        manifest_from_mapping(minimal_doc(hooks="hooks"))


def test_hooks_module_must_exist_next_to_the_file(write_plugin):
    folder = write_plugin("no-code", extra='hooks = "hooks"')
    with pytest.raises(ManifestError) as caught:
        load_manifest(folder / "plugin.toml")
    assert caught.value.errors == {"hooks": ["module hooks.py not found next to plugin.toml"]}


def test_load_manifest_hashes_the_file_bytes(write_plugin):
    folder = write_plugin("hashed", hooks="")
    manifest = load_manifest(folder / "plugin.toml")
    raw = (folder / "plugin.toml").read_bytes()
    assert manifest.content_hash == hashlib.sha256(raw).hexdigest()
    assert manifest.hooks == "hooks"
    assert manifest.directory == folder
    (folder / "plugin.toml").write_bytes(raw.replace(b"20000", b"25000"))
    assert load_manifest(folder / "plugin.toml").content_hash != manifest.content_hash


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ManifestError, match="cannot be read"):
        load_manifest(tmp_path / "nowhere" / "plugin.toml")


def test_form_hash_follows_the_content():
    first = manifest_from_mapping(minimal_doc())
    assert manifest_from_mapping(minimal_doc()).content_hash == first.content_hash
    assert manifest_from_mapping(minimal_doc(price_max=30000)).content_hash != first.content_hash


def test_manifest_to_toml_round_trips():
    manifest = manifest_from_mapping(
        minimal_doc(description='Line one\n"quoted" \\ path\n\n  indented 染整\x7f', regions=["*"])
    )
    again = parse_manifest(manifest.to_toml().encode())
    assert again.offering == manifest.offering
    assert again.vendor == manifest.vendor
    assert again.version == manifest.version


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).filter(
    lambda s: s.strip() == s and s
)


@settings(max_examples=60, deadline=None)
@given(name=texts, summary=texts, description=texts, vendor_name=texts)
@example(name="A", summary="B", description="line one\r\nline two", vendor_name="Acme\r\nLtd")
def test_manifest_to_toml_round_trips_any_text(name, summary, description, vendor_name):
    manifest = manifest_from_mapping(
        minimal_doc(
            name=name,
            summary=summary,
            description=description,
            vendor={**VENDOR, "name": vendor_name},
        )
    )
    text = manifest_to_toml(manifest.offering, manifest.vendor, manifest.version)
    again = parse_manifest(text.encode())
    assert again.offering == manifest.offering
    assert again.vendor == Vendor(vendor_name, USCC, email="a@acme.example.com")
