"""Content Credentials (C2PA manifests) in JPEG, PNG, WebP, HEIC/HEIF/AVIF and MP4/MOV, read offline.

Two steps. `find_stores` walks only the container's segment, chunk or box headers (bounded like
containers.py) for the places a C2PA manifest store lives: JPEG APP11 JUMBF segments labelled
`c2pa`, the PNG `caBX` chunk, WebP's `C2PA` chunk, and the ISO BMFF top-level `uuid` box with the
C2PA UUID (or a `c2pa` box). Only a file that has one loads the official c2pa-python bindings,
which parse and validate the store with media_screen.offline.C2PA_READ_SETTINGS: no remote
manifest, certificate status or trust list is fetched.

What the store reveals becomes facts (one set per manifest, the active one and every earlier one
its ingredients carried along):
- CREDENTIALS: the manifest itself - claim generator, signer, whether it holds an edit history
  (c2pa.actions) and which actions, its ingredients;
- CREDENTIAL_IDENTITY: creators and organisations named by identity assertions - schema.org
  CreativeWork `author`, `dc:creator` of the metadata assertions, CAWG identity assertions;
- THUMBNAIL: the claim thumbnail and each ingredient's thumbnail (which may show the picture
  before it was cropped or redacted);
- TEXT: the signer certificate's names, ingredient titles and every other string of a metadata
  assertion, so the department's text rules see them like any XMP field.

Fail closed: a store that the walk found but the bindings cannot read, or whose validation says
the manifest itself is missing or malformed, raises CorruptMediaError, as an unreadable EXIF block
does: the file becomes ERROR, never a silent CLEAR. A manifest that was only referenced (an XMP
`dcterms:provenance` URL, read by xmp.py) is reported from that fact and never fetched.
"""

from __future__ import annotations

import json
import struct
import threading
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Iterator

from media_screen.errors import CorruptMediaError, ModelUnavailableError
from media_screen.metadata.bmff import BoxReader
from media_screen.metadata.containers import MAX_SEGMENTS
from media_screen.metadata.text_fields import field_fact
from media_screen.model import FactKind, MediaType, MetadataFact
from media_screen.sanitize import clean_text
from media_screen.inputs.source import Probe, Source

C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")  # the BMFF `uuid` box of a C2PA manifest store
MAX_MANIFESTS = 64  # manifests of one store turned into facts
MAX_STRINGS = 200  # strings of one metadata assertion kept as TEXT facts
MAX_DEPTH = 16  # nesting of an assertion's JSON that is walked
_PREFIX = "C2PA"

# Assertions whose content is not text about the picture: hashes, bindings, thumbnails, ingredients, actions.
_NOT_TEXT = ("c2pa.hash.", "c2pa.thumbnail.", "c2pa.ingredient", "c2pa.actions", "c2pa.soft-binding",
             "c2pa.time-stamp", "c2pa.certificate-status", "c2pa.cloud-data", "c2pa.depthmap", "cawg.identity")
# Validation failures that say the store could not be read as a manifest (not merely that the picture
# changed after signing or that the signer is unknown).
_UNREADABLE_SUFFIXES = (".missing", ".malformed", ".invalid")
_NOT_STRUCTURAL = ("signingCredential.", "timeStamp.", "assertion.hashedURI.", "assertion.dataHash.mismatch")
# Keys of metadata assertions (IPTC / XMP style) that name the creator.
_CREATOR_KEYS = {"dc:creator", "creator", "author", "photoshop:Author", "xmpRights:Owner", "plus:ImageCreator"}


@dataclass(frozen=True)
class Store:
    """Where a C2PA manifest store sits in the file."""

    source: str  # e.g. "JPEG APP11 JUMBF", "PNG caBX chunk", "BMFF uuid box (C2PA)"
    offset: int
    size: int


def find_stores(source: Source) -> tuple[Store, ...]:
    """Every C2PA manifest store the container's headers show; () when there is none. Never raises on bad
    structure: a walk that stops early keeps what it found."""
    walker = _WALKERS.get(source.probe.media_type)
    if walker is None:
        return ()
    found: list[Store] = []
    with source.reader() as handle:
        try:
            for store in walker(handle):
                found.append(store)
        except (struct.error, ValueError, OSError):
            pass
    return tuple(found)


def credential_facts(source: Source) -> list[MetadataFact]:
    """Facts of the file's Content Credentials; [] without a store. Raises CorruptMediaError when a store is
    there but cannot be read, ModelUnavailableError when c2pa-python is missing."""
    stores = find_stores(source)
    if not stores:
        return []
    where = ", ".join(sorted({s.source for s in stores}))
    store = _read_store(source, where)
    return facts_of_store(store, where)


def remote_reference_facts(facts: Iterable[MetadataFact]) -> list[MetadataFact]:
    """A manifest the XMP says lives elsewhere (dcterms:provenance): reported, never fetched."""
    found = []
    for fact in facts:
        if fact.key.casefold().endswith("dcterms:provenance") and fact.value.strip():
            detail = f"remote Content Credentials manifest referenced at {fact.value} (not fetched: the tool is offline)"
            found.append(MetadataFact(FactKind.CREDENTIALS, "remote manifest", detail, fact.source))
    return found


# --- reading the store with c2pa-python -----------------------------------------------------------------

_context_lock = threading.Lock()
_context: Any = None


def _offline_context() -> Any:
    """The one c2pa Context of this process, built from the offline settings."""
    global _context
    import c2pa

    from media_screen.offline import C2PA_READ_SETTINGS

    with _context_lock:
        if _context is None or not _context.is_valid:
            _context = c2pa.Context.from_dict(C2PA_READ_SETTINGS)
        return _context


def _mime(probe: Probe) -> str:
    if probe.media_type == MediaType.HEIF:
        return "image/avif" if probe.format_name == "AVIF" else "image/heic"
    if probe.media_type == MediaType.VIDEO:
        return "video/quicktime" if probe.format_name == "MOV" else "video/mp4"
    return {MediaType.JPEG: "image/jpeg", MediaType.PNG: "image/png", MediaType.WEBP: "image/webp"}[probe.media_type]


def _read_store(source: Source, where: str) -> dict:
    try:
        import c2pa
    except ImportError as exc:  # a runtime dependency; a broken install must not pass the file unread
        raise ModelUnavailableError(
            f"the file carries Content Credentials ({where}) and c2pa-python cannot be imported ({exc}); "
            "reinstall media-screen"
        ) from exc
    try:
        with source.reader() as handle, c2pa.Reader(_mime(source.probe), handle, None, _offline_context()) as reader:
            text = reader.json()
    except c2pa.C2paError as exc:
        raise CorruptMediaError(f"metadata cannot be read: C2PA manifest store ({where}): {_short(exc)}") from exc
    try:
        store = json.loads(text)
    except ValueError as exc:
        raise CorruptMediaError(f"metadata cannot be read: C2PA manifest store ({where}) is not JSON") from exc
    if not isinstance(store, dict) or not isinstance(store.get("manifests"), dict) or not store["manifests"]:
        raise CorruptMediaError(f"metadata cannot be read: C2PA manifest store ({where}) holds no manifest")
    unreadable = unreadable_codes(store)
    if unreadable:
        raise CorruptMediaError(
            f"metadata cannot be read: C2PA manifest store ({where}) is damaged: {', '.join(unreadable[:4])}"
        )
    return store


def _short(exc: Exception) -> str:
    return clean_text(str(exc), 200) or type(exc).__name__


def unreadable_codes(store: dict) -> list[str]:
    """Validation failures of the store that mean a manifest or assertion could not be read."""
    codes = []
    for status in _list(store.get("validation_status")):
        code = str(status.get("code", "")) if isinstance(status, dict) else ""
        if (code.endswith(_UNREADABLE_SUFFIXES) and not code.startswith(_NOT_STRUCTURAL)) or code == "general.error":
            codes.append(clean_text(code, 80))
    return sorted(set(codes))


# --- the store as facts ---------------------------------------------------------------------------------


def facts_of_store(store: dict, where: str) -> list[MetadataFact]:
    manifests = store["manifests"]
    active = store.get("active_manifest")
    labels = sorted(manifests, key=lambda label: label != active)[:MAX_MANIFESTS]  # the active one first
    facts: list[MetadataFact] = []
    for label in labels:
        manifest = manifests[label]
        if isinstance(manifest, dict):
            role = "active manifest" if label == active else "earlier manifest"
            facts += _manifest_facts(manifest, f"{_PREFIX} {role} ({where})")
    return facts


def _manifest_facts(manifest: dict, source: str) -> list[MetadataFact]:
    assertions = [a for a in _list(manifest.get("assertions")) if isinstance(a, dict)]
    ingredients = [i for i in _list(manifest.get("ingredients")) if isinstance(i, dict)]
    actions = [name for a in assertions if str(a.get("label", "")).startswith("c2pa.actions") for name in _actions(a)]
    signer = _signer(manifest.get("signature_info"))
    summary = [f"claim generator {_claim_generator(manifest)}"]
    summary.append(f"signed by {signer}" if signer else "signer not named")
    if actions:
        summary.append(f"edit history: {len(actions)} action(s) ({', '.join(dict.fromkeys(actions))})")
    else:
        summary.append("no edit history")
    if ingredients:
        summary.append(f"{len(ingredients)} ingredient(s)")
    facts = [MetadataFact(FactKind.CREDENTIALS, "manifest", clean_text("; ".join(summary), 600), source)]
    facts += _text_fact("signer certificate", signer, source)
    facts += _text_fact("title", manifest.get("title"), source)
    facts += [MetadataFact(FactKind.CREDENTIAL_IDENTITY, key, name, source) for key, name in _identities(assertions)]
    facts += _thumbnail_facts(manifest, ingredients, source)
    for assertion in assertions:
        label = str(assertion.get("label", ""))
        data = assertion.get("data")
        if not label.startswith(_NOT_TEXT) and isinstance(data, dict):  # creators are identity facts already
            rest = {key: value for key, value in data.items() if key not in _CREATOR_KEYS}
            for key, value in _strings(rest, clean_text(label, 60)):
                facts += _text_fact(key, value, source)
    return facts


def _text_fact(key: str, value: Any, source: str) -> list[MetadataFact]:
    fact = field_fact(FactKind.TEXT, key, value, source) if isinstance(value, str) else None
    return [fact] if fact is not None else []


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _claim_generator(manifest: dict) -> str:
    infos = [i for i in _list(manifest.get("claim_generator_info")) if isinstance(i, dict)]
    if infos:
        info = infos[0]
        return clean_text(" ".join(str(info[k]) for k in ("name", "version") if info.get(k)), 120) or "unnamed"
    return clean_text(manifest.get("claim_generator") or "unnamed", 120)


def _signer(info: Any) -> str:
    if not isinstance(info, dict):
        return ""
    names = [clean_text(info[k], 120) for k in ("common_name", "issuer") if isinstance(info.get(k), str)]
    return ", ".join(dict.fromkeys(n for n in names if n))


def _actions(assertion: dict) -> list[str]:
    data = assertion.get("data")
    actions = data.get("actions") if isinstance(data, dict) else None
    return [clean_text(a.get("action"), 60) for a in _list(actions) if isinstance(a, dict) and a.get("action")]


def _identities(assertions: list[dict]) -> Iterator[tuple[str, str]]:
    """(key, name) of every creator or organisation an identity assertion names."""
    for assertion in assertions:
        label = str(assertion.get("label", ""))
        data = assertion.get("data")
        if label.startswith("stds.schema-org.CreativeWork") and isinstance(data, dict):
            for author in _list(data.get("author")) or [data.get("author")]:
                yield from _person(author, "CreativeWork author")
        elif label.startswith("cawg.identity"):
            yield from _cawg(data)
        elif isinstance(data, dict):  # c2pa.metadata, stds.iptc, cawg.metadata ... : XMP-style keys
            for key in _CREATOR_KEYS & set(data):
                values = data[key] if isinstance(data[key], list) else [data[key]]
                for value in values:
                    yield from _person(value, clean_text(key, 40))


def _person(value: Any, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str) and clean_text(value, 200):
        yield key, clean_text(value, 200)
    elif isinstance(value, dict):
        kind = clean_text(value.get("@type") or "", 30)
        for field_name in ("name", "email", "identifier", "url"):
            text = value.get(field_name)
            if isinstance(text, str) and clean_text(text, 200):
                yield f"{key} ({kind})" if kind and field_name == "name" else f"{key} {field_name}", clean_text(text, 200)


def _cawg(data: Any) -> Iterator[tuple[str, str]]:
    """CAWG identity assertion: the verified identities its credential names (decoded by the bindings)."""
    found = False
    for key, value in _strings(data, "cawg.identity"):
        leaf = key.rsplit("/", 1)[-1]
        if leaf in ("name", "username", "uri", "email", "id") and "signer_payload" not in key:
            found = True
            yield key, value
    if not found:
        yield "cawg.identity", "identity assertion present (identity not decoded)"


def _thumbnail_facts(manifest: dict, ingredients: list[dict], source: str) -> list[MetadataFact]:
    facts = []
    if isinstance(manifest.get("thumbnail"), dict):
        facts.append(MetadataFact(FactKind.THUMBNAIL, "C2PA claim thumbnail", "C2PA claim thumbnail", source))
    for ingredient in ingredients:
        if isinstance(ingredient.get("thumbnail"), dict):
            title = clean_text(ingredient.get("title") or "untitled", 120)
            relationship = clean_text(ingredient.get("relationship") or "", 30)
            detail = f"C2PA thumbnail of ingredient '{title}'" + (f" ({relationship})" if relationship else "")
            facts.append(MetadataFact(FactKind.THUMBNAIL, "C2PA ingredient thumbnail",
                                      detail + ": may show the picture before edits", source))
        facts += _text_fact("ingredient title", ingredient.get("title"), source)
    return facts


def _strings(value: Any, key: str, depth: int = 0, budget: list[int] | None = None) -> Iterator[tuple[str, str]]:
    """(key path, text) of the strings in a JSON value, at most MAX_STRINGS, MAX_DEPTH deep."""
    budget = budget if budget is not None else [MAX_STRINGS]
    if depth > MAX_DEPTH or budget[0] <= 0:
        return
    if isinstance(value, str):
        budget[0] -= 1
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            if not str(name).startswith("@"):  # @context, @type: schema words, not text about the picture
                yield from _strings(item, f"{key}/{clean_text(name, 40)}", depth + 1, budget)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key, depth + 1, budget)


# --- container walks ------------------------------------------------------------------------------------


def _walk_jpeg(handle: BinaryIO) -> Iterator[Store]:
    handle.seek(2)
    for _ in range(MAX_SEGMENTS):
        start = handle.tell()
        if handle.read(1) != b"\xff":
            return
        marker = handle.read(1)
        while marker == b"\xff":
            marker = handle.read(1)
        if not marker or marker[0] in (0xD9, 0xDA):
            return  # end of image or start of scan: manifest stores come before the scan
        if marker[0] in (0xD8, 0x01) or 0xD0 <= marker[0] <= 0xD7:
            continue
        length = struct.unpack(">H", handle.read(2))[0]
        if length < 2:
            return
        if marker[0] == 0xEB:  # APP11: JPEG XT boxes, "JP" + instance + sequence + JUMBF box
            head = handle.read(min(length - 2, 64))
            if head[:2] == b"JP" and b"c2pa" in head:  # a broken box type still counts: the bindings judge it
                yield Store("JPEG APP11 JUMBF", start, length + 2)
        handle.seek(start + 2 + length)


def _walk_png(handle: BinaryIO) -> Iterator[Store]:
    if handle.read(8) != b"\x89PNG\r\n\x1a\n":
        return
    for _ in range(MAX_SEGMENTS):
        start = handle.tell()
        header = handle.read(8)
        if len(header) < 8:
            return
        length, kind = struct.unpack(">I4s", header)
        if kind == b"caBX":
            yield Store("PNG caBX chunk", start, length + 12)
        if kind == b"IEND":
            return
        handle.seek(start + 12 + length)


def _walk_webp(handle: BinaryIO) -> Iterator[Store]:
    handle.seek(12)
    for _ in range(MAX_SEGMENTS):
        start = handle.tell()
        header = handle.read(8)
        if len(header) < 8:
            return
        kind, length = struct.unpack("<4sI", header)
        if kind == b"C2PA":
            yield Store("WebP C2PA chunk", start, length + 8)
        handle.seek(start + 8 + length + (length & 1))


def _walk_bmff(handle: BinaryIO) -> Iterator[Store]:
    if handle.read(8)[4:8] not in _BMFF_FIRST_BOXES:  # AVI, Matroska, MPEG-TS: no ISO boxes to walk
        return
    handle.seek(0, 2)
    reader = BoxReader(handle, handle.tell())
    for box in reader.children(0, reader.file_size, 0):
        if box.type == b"c2pa" or (box.type == b"uuid" and reader.read(box, 16) == C2PA_UUID):
            yield Store(f"BMFF {box.name} box (C2PA)", box.offset, box.size)


_BMFF_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"uuid"}
_WALKERS = {
    MediaType.JPEG: _walk_jpeg,
    MediaType.PNG: _walk_png,
    MediaType.WEBP: _walk_webp,
    MediaType.HEIF: _walk_bmff,
    MediaType.VIDEO: _walk_bmff,
}
