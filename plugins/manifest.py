"""``plugin.toml`` manifests: read, validate, and write back.

A manifest is the offering fields of ``shared/data-formats.md`` (checked by
``Offering.from_dict``, the one place those rules live) plus what a plug-in
adds: a semver ``version``, a ``[vendor]`` table and, for plug-ins that the
operator installs, an optional ``hooks`` module. Every problem is reported at
once as ``<file>: <field>: <problem>`` so a vendor can fix a manifest in one go;
``ManifestError.errors`` maps the same messages to fields for web forms.
"""

from __future__ import annotations

import difflib
import hashlib
import keyword
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import tomli_w
from email_validator import EmailNotValidError, validate_email

from matching.types import InvalidRecord, Offering
from plugins.uscc import normalize_uscc, uscc_problems

MANIFEST_NAME = "plugin.toml"
MAX_MANIFEST_BYTES = 128 * 1024
MAX_NESTING = 16  # arrays and inline tables; manifests need 2
FILE = "(file)"  # error key for problems with the file as a whole (size, encoding, syntax)

# Semantic Versioning 2.0.0, the regular expression recommended at semver.org.
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{5,24}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")

# Offering fields a manifest may set; the offering's ``vendor`` comes from [vendor].name.
OFFERING_FIELDS = tuple(f.name for f in fields(Offering) if f.name != "vendor")
MANIFEST_FIELDS = (*OFFERING_FIELDS, "version", "hooks", "vendor")
VENDOR_FIELDS = ("name", "uscc", "contact", "email", "phone", "website")
# Optional in catalog.jsonl, but a marketplace listing without them cannot be browsed.
REQUIRED_FIELDS = ("summary", "capabilities")


@dataclass(frozen=True, slots=True)
class Vendor:
    """The company behind a plug-in, from the manifest's ``[vendor]`` table."""

    name: str
    uscc: str
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    """A valid plug-in manifest."""

    offering: Offering
    vendor: Vendor
    version: str
    hooks: str | None
    content_hash: str  # sha256 hex of the manifest file's bytes: a changed listing has a new hash
    source: str  # how messages name the manifest: a path, an upload's file name, "form"
    path: Path | None = None  # the file on disk; None for uploads and forms

    @property
    def id(self) -> str:
        """The plug-in's slug, which is also its offering's id."""
        return self.offering.id

    @property
    def directory(self) -> Path | None:
        """The folder holding the manifest (and its hooks module), if it is on disk."""
        return self.path.parent if self.path else None

    def to_toml(self) -> str:
        """The manifest as ``plugin.toml`` text (see :func:`manifest_to_toml`)."""
        return manifest_to_toml(self.offering, self.vendor, self.version, hooks=self.hooks)


class ManifestError(ValueError):
    """An invalid manifest: ``errors`` maps field → messages, ``lines`` are ready to print."""

    def __init__(self, source: str, errors: dict[str, list[str]]):
        self.source = source
        self.errors = errors
        self.lines = [
            f"{source}: {msg}" if name == FILE else f"{source}: {name}: {msg}"
            for name, msgs in errors.items()
            for msg in msgs
        ]
        super().__init__("\n".join(self.lines))


# TOML strings (multi-line first) and comments: brackets inside them nest nothing.
_TOML_STRINGS = re.compile(r"'''.*?'''|\"\"\".*?\"\"\"|\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'", re.DOTALL)
_TOML_COMMENT = re.compile(r"#[^\n]*")
_BRACKETS = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """How deep arrays and inline tables nest in TOML ``text``, counted without recursion.

    ``tomllib`` recurses once per level, so a few kilobytes of ``[[[[…`` exhaust the stack;
    a manifest needs two levels (a list of codes), so anything past MAX_NESTING is refused
    before parsing. A table header ``[[a]]`` counts as two, which is well within the limit.
    """
    stripped = _TOML_COMMENT.sub("", _TOML_STRINGS.sub('""', text))
    level = deepest = 0
    for bracket in _BRACKETS.findall(stripped):
        if bracket in "[{":
            level += 1
            deepest = max(deepest, level)
        else:
            level = max(level - 1, 0)
    return deepest


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, as people read it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_manifest(path: Path | str, *, allow_hooks: bool = True) -> Manifest:
    """Read and validate the manifest file at ``path``; raise :class:`ManifestError`.

    A ``hooks`` module must exist next to the file (``<hooks>.py`` or a
    ``<hooks>/`` package); it is not imported here.
    """
    path = Path(path)
    source = display_path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise ManifestError(source, {FILE: [f"cannot be read ({exc.strerror or exc})"]}) from None
    return parse_manifest(data, source=source, allow_hooks=allow_hooks, path=path)


def validate_upload(data: bytes, *, filename: str = MANIFEST_NAME) -> Manifest:
    """Validate a manifest uploaded on the portal: declarative only, ``hooks`` is refused."""
    return parse_manifest(data, source=filename, allow_hooks=False)


def parse_manifest(
    data: bytes, *, source: str = MANIFEST_NAME, allow_hooks: bool = True, path: Path | None = None
) -> Manifest:
    """Validate manifest bytes; ``source`` names them in messages, ``path`` is the file if any."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            source, {FILE: [f"is too large (over {MAX_MANIFEST_BYTES} bytes; shorten the text)"]}
        )
    text = _decode(data, source)
    if nesting_depth(text) > MAX_NESTING:
        raise ManifestError(
            source, {FILE: [f"nests arrays or tables deeper than {MAX_NESTING} levels"]}
        )
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(source, {FILE: [f"is not valid TOML: {exc}"]}) from None
    except RecursionError:  # the scan above should have caught it; never a crash
        raise ManifestError(
            source, {FILE: [f"nests arrays or tables deeper than {MAX_NESTING} levels"]}
        ) from None
    return manifest_from_mapping(
        doc,
        source=source,
        allow_hooks=allow_hooks,
        path=path,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def manifest_from_mapping(
    doc: Mapping[str, Any],
    *,
    source: str = "form",
    allow_hooks: bool = False,
    path: Path | None = None,
    content_hash: str | None = None,
) -> Manifest:
    """Validate an already parsed manifest (e.g. a portal form's fields, same keys as the TOML).

    Without ``content_hash`` the hash is that of the manifest's canonical TOML text.
    """
    errors = _Errors()
    if not isinstance(doc, Mapping):
        raise ManifestError(source, {FILE: ["must be a table of fields"]})
    for key in doc:
        if key not in MANIFEST_FIELDS:
            errors.fail(key, "unknown field" + _did_you_mean(key, MANIFEST_FIELDS))

    vendor = _vendor(doc.get("vendor"), errors)
    version = _version(doc.get("version"), errors)
    hooks = _hooks(doc.get("hooks"), allow_hooks=allow_hooks, path=path, errors=errors)

    raw = {k: doc[k] for k in OFFERING_FIELDS if k in doc}
    if vendor is not None:
        raw["vendor"] = vendor.name
    offering = None
    try:
        offering = Offering.from_dict(raw)
    except InvalidRecord as exc:
        for name, msgs in exc.errors.items():
            for msg in msgs:
                errors.fail(name, msg)
    for name in REQUIRED_FIELDS:
        if not errors.has(name) and doc.get(name) in (None, "", []):
            errors.fail(name, "is required")

    if errors or offering is None or vendor is None or version is None:
        raise ManifestError(source, errors.in_order())
    if content_hash is None:
        text = manifest_to_toml(offering, vendor, version, hooks=hooks)
        content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Manifest(offering, vendor, version, hooks, content_hash, source, path)


class _Errors(dict[str, list[str]]):
    """Field → messages, collected while reading one manifest."""

    def fail(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def has(self, prefix: str) -> bool:
        return any(name == prefix or name.startswith(prefix + ".") for name in self)

    def in_order(self) -> dict[str, list[str]]:
        """File problems first, then fields in manifest order, then unknown fields."""
        order = {name: i for i, name in enumerate((FILE, "id", *MANIFEST_FIELDS))}
        ranked = sorted(self, key=lambda n: order.get(n.split(".")[0], 1_000))
        return {name: self[name] for name in ranked}


def _decode(data: bytes, source: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):  # a BOM, as Windows editors write; TOML has none
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ManifestError(
            source,
            {FILE: [f"must be UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} is not)"]},
        ) from None


def _did_you_mean(key: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(key), choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _text(raw: Mapping[str, Any], key: str, max_len: int, errors: _Errors) -> str | None:
    """An optional text field of the vendor table, stripped; None when empty or bad."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        errors.fail(f"vendor.{key}", f"must be a string (got {type(value).__name__})")
        return None
    value = value.strip()
    if len(value) > max_len:
        errors.fail(f"vendor.{key}", f"must be at most {max_len} characters (got {len(value)})")
        return None
    return value or None


def _is_email(value: str) -> bool:
    """The same rule as the portal's forms and API (email-validator), without a DNS look-up."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _vendor(raw: Any, errors: _Errors) -> Vendor | None:
    if raw is None:
        errors.fail("vendor", "is required: add a [vendor] table with name, uscc, email or phone")
        return None
    if not isinstance(raw, Mapping):
        errors.fail("vendor", f"must be a table (got {type(raw).__name__})")
        return None
    for key in raw:
        if key not in VENDOR_FIELDS:
            errors.fail(f"vendor.{key}", "unknown field" + _did_you_mean(key, VENDOR_FIELDS))
    name = _text(raw, "name", 200, errors)
    contact = _text(raw, "contact", 100, errors)
    email = _text(raw, "email", 254, errors)
    phone = _text(raw, "phone", 30, errors)
    website = _text(raw, "website", 300, errors)
    if name is None and not errors.has("vendor.name"):
        errors.fail("vendor.name", "is required")
    if email and not _is_email(email):
        errors.fail("vendor.email", f"must be an e-mail address (got {email!r})")
    if phone and not PHONE_RE.match(phone):
        errors.fail(
            "vendor.phone", f"must be a phone number: digits, spaces, + and - (got {phone!r})"
        )
    if website and not URL_RE.match(website):
        errors.fail("vendor.website", f"must be an http:// or https:// address (got {website!r})")
    if (
        email is None
        and phone is None
        and not (errors.has("vendor.email") or errors.has("vendor.phone"))
    ):
        errors.fail("vendor.email", "give an e-mail address or a phone number (vendor.phone)")
    uscc = raw.get("uscc")
    if uscc is None or uscc == "":
        errors.fail("vendor.uscc", "is required (the 18-character unified social credit code)")
    elif not isinstance(uscc, str):
        errors.fail("vendor.uscc", f"must be a string (got {type(uscc).__name__})")
    else:
        uscc = normalize_uscc(uscc)
        for problem in uscc_problems(uscc):
            errors.fail("vendor.uscc", problem)
    if errors.has("vendor") or name is None:
        return None
    return Vendor(name, uscc, contact=contact, email=email, phone=phone, website=website)


def _version(value: Any, errors: _Errors) -> str | None:
    if value is None or value == "":
        errors.fail("version", 'is required (a semantic version such as "1.0.0")')
        return None
    if not isinstance(value, str):
        errors.fail("version", f'must be a string such as "1.0.0" (got {value!r})')
        return None
    if not SEMVER_RE.match(value):
        errors.fail("version", f"must be a semantic version MAJOR.MINOR.PATCH (got {value!r})")
        return None
    return value


def _hooks(value: Any, *, allow_hooks: bool, path: Path | None, errors: _Errors) -> str | None:
    if value is None:
        return None
    if not allow_hooks:
        errors.fail(
            "hooks",
            "is not allowed in an uploaded listing: the platform never runs code that a "
            "vendor uploads; remove it, or ask the operator to install the plug-in as a package",
        )
        return None
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        errors.fail("hooks", f'must be the name of a Python module such as "hooks" (got {value!r})')
        return None
    if path is not None:
        folder = path.parent
        if (
            not (folder / f"{value}.py").is_file()
            and not (folder / value / "__init__.py").is_file()
        ):
            errors.fail("hooks", f"module {value}.py not found next to {path.name}")
            return None
    return value


def manifest_to_toml(
    offering: Offering, vendor: Vendor, version: str, *, hooks: str | None = None
) -> str:
    """``plugin.toml`` text for a listing; reading it back gives the same offering and vendor."""
    data = offering.to_dict()
    data.pop("vendor", None)
    description = data.pop("description", None)
    document: dict[str, Any] = {"id": data.pop("id"), "version": version}
    document.update((key, data[key]) for key in OFFERING_FIELDS if key in data)
    if hooks:
        document["hooks"] = hooks
    if description:
        document["description"] = description  # last, so the long text does not hide the rest
    document["vendor"] = {key: value for key in VENDOR_FIELDS if (value := getattr(vendor, key))}
    # Multi-line strings read best, but TOML may normalise their line ends: keep a text with
    # a carriage return exact by writing it escaped on one line.
    multiline = not any("\r" in str(value) for value in _strings(document))
    return tomli_w.dumps(document, multiline_strings=multiline)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
