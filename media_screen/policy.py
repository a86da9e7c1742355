"""The policy engine: metadata facts and detections -> findings -> verdict, per audience.

Pure functions. Every rule, section, message and severity comes from the profile;
this module only decides which rules a file triggers and with what evidence.
"""

from __future__ import annotations

from typing import Iterable

from media_screen.config import Profile
from media_screen.detectors.text_rules import TextRules, rules_from_profile
from media_screen.model import (
    Audience,
    Detection,
    DetectionKind,
    FactKind,
    Finding,
    Metadata,
    Severity,
    Verdict,
)

DEPARTMENT_ITEM_RULE = "department_item"
WEAPON_RULE = "weapon"
# B.5: a weapon beside a face or a police item (a personal post showing an armed officer or suspect)
WEAPON_WITH_PERSON_RULE = "weapon_with_face_or_police_item"
# Metadata facts whose text goes through the text rules (device makes, times and serials do not).
TEXT_FACTS = (FactKind.TEXT, FactKind.PLACE_TEXT, FactKind.OWNER_NAME, FactKind.CREDENTIAL_IDENTITY)
_QUOTE = 120


def evaluate(
    metadata: Metadata,
    detections: Iterable[Detection],
    audience: Audience,
    profile: Profile,
    captions: Iterable[tuple[str, str]] = (),
) -> tuple[Finding, ...]:
    """All findings for one file, most severe first. `captions`: (source, text) posted with the file."""
    counted = [d for d in detections if d.score >= profile.threshold(d.kind.value)]
    findings = [*_location_findings(metadata, audience, profile)]
    findings += _place_text_findings(metadata, audience, profile)
    findings += _device_findings(metadata, audience, profile)
    findings += _credential_findings(metadata, audience, profile)
    findings += _detection_findings(counted, audience, profile)
    findings += _text_field_findings(metadata, tuple(captions), audience, profile)
    return tuple(sorted(findings, key=lambda f: (-f.severity, f.rule)))


_field_rules: dict[tuple[str, str], TextRules] = {}


def field_rules(profile: Profile) -> TextRules:
    """The text rules for metadata text and captions of this profile, built once per profile."""
    key = (profile.digest, str(profile.base_dir))
    if key not in _field_rules:
        _field_rules[key] = rules_from_profile(profile, fields=True)
    return _field_rules[key]


def _text_field_findings(
    metadata: Metadata, captions: tuple[tuple[str, str], ...], audience: Audience, profile: Profile
) -> list[Finding]:
    """The text rules over every text field of the metadata and over the caption; one finding per rule and match."""
    fields = [(f.key, f.value, f.source) for f in metadata.facts if f.kind in TEXT_FACTS]
    fields += [("caption", text, source) for source, text in captions]
    if not fields:
        return []
    rules = field_rules(profile)
    findings, seen = [], set()
    for key, value, source in fields:
        for match in rules.classify(value):
            rule_name = profile.text_field_rules.get(match.kind.value) or profile.detection_rules.get(match.kind.value)
            if rule_name is None or (rule_name, match.matched.casefold()) in seen:
                continue
            seen.add((rule_name, match.matched.casefold()))
            quoted = value if len(value) <= _QUOTE else value[: _QUOTE - 1] + "…"
            if match.kind == DetectionKind.GUILT_STATEMENT:
                quoted = match.matched
            detail = f'{source}: "{quoted}" ({match.rule})'
            evidence = {"kind": match.kind.value, "field": key, "source": source, "rule": match.rule,
                        "matched": match.matched}
            findings.append(_finding(profile, rule_name, audience, detail, **evidence))
    return findings


def _place_text_findings(metadata: Metadata, audience: Audience, profile: Profile) -> list[Finding]:
    findings: list[Finding] = []
    if "place_text" not in profile.rules or "place_sensitive" not in profile.rules:
        return findings  # a profile written before these rules: `profile init` writes the current one
    for fact in metadata.of_kind(FactKind.PLACE_TEXT):
        detail = f'{fact.source}: "{fact.value}"'
        findings.append(_finding(profile, "place_text", audience, detail, key=fact.key, source=fact.source))
    for fact in metadata.of_kind(FactKind.PLACE_SENSITIVE):
        findings.append(_finding(profile, "place_sensitive", audience, fact.value, key=fact.key, source=fact.source))
    return findings


def verdict_of(findings: Iterable[Finding], error: str | None = None) -> Verdict:
    """The worst finding decides; an incomplete analysis is ERROR, never CLEAR."""
    if error:
        return Verdict.ERROR
    worst = max((f.severity for f in findings), default=Severity.INFO)
    return Verdict.from_severity(worst)


def _finding(profile: Profile, rule_name: str, audience: Audience, detail: str = "", **evidence) -> Finding:
    rule = profile.rules[rule_name]
    message = f"{rule.message}: {detail}" if detail else rule.message
    return Finding(rule_name, rule.section, rule.severity[audience], message, evidence)


def _location_findings(metadata: Metadata, audience: Audience, profile: Profile) -> list[Finding]:
    findings: list[Finding] = []
    location = metadata.location
    if location is not None:
        where = f"{location.lat:.5f}, {location.lon:.5f}"
        if location.place:
            where += f" (near {location.place})"
        evidence = {"lat": location.lat, "lon": location.lon, "source": location.source}
        findings.append(_finding(profile, "location", audience, where, **evidence))
        findings.append(_finding(profile, "location_official_advice", audience, where, **evidence))
        for hit in location.sensitive:
            detail = f"{hit.distance_m:.0f} m from {hit.name} (radius {hit.radius_m:.0f} m)"
            findings.append(_finding(profile, "location_sensitive", audience, detail, place=hit.name, **evidence))
    for fact in metadata.of_kind(FactKind.LOCATION_TRACK):
        findings.append(_finding(profile, "location_track", audience, fact.value, key=fact.key, source=fact.source))
    for fact in metadata.of_kind(FactKind.GPS_INVALID):
        findings.append(_finding(profile, "location_invalid", audience, fact.value, key=fact.key, source=fact.source))
    return findings


def _device_findings(metadata: Metadata, audience: Audience, profile: Profile) -> list[Finding]:
    findings = []
    for fact in metadata.of_kind(FactKind.DEVICE_SERIAL) + metadata.of_kind(FactKind.OWNER_NAME):
        detail = f"{fact.key} = {fact.value}"
        findings.append(_finding(profile, "device_identifiers", audience, detail, key=fact.key, source=fact.source))
    for fact in metadata.of_kind(FactKind.THUMBNAIL):
        findings.append(_finding(profile, "thumbnail", audience, fact.value, key=fact.key, source=fact.source))
    for fact in metadata.of_kind(FactKind.EMBEDDED_VIDEO):
        findings.append(_finding(profile, "embedded_video", audience, fact.value, key=fact.key, source=fact.source))
    for fact in metadata.of_kind(FactKind.AUDIO):
        findings.append(_finding(profile, "audio_not_screened", audience, fact.value, key=fact.key, source=fact.source))
    return findings


def _credential_findings(metadata: Metadata, audience: Audience, profile: Profile) -> list[Finding]:
    """Content Credentials (C2PA): the manifest, and each creator or organisation it names. A profile written
    before these rules reports a named identity as a device identifier, so that it is never dropped."""
    findings = []
    if "content_credentials" in profile.rules:
        for fact in metadata.of_kind(FactKind.CREDENTIALS):
            findings.append(_finding(profile, "content_credentials", audience, fact.value, key=fact.key,
                                     source=fact.source))
    identity_rule = "content_credentials_identity" if "content_credentials_identity" in profile.rules else (
        "device_identifiers")
    for fact in metadata.of_kind(FactKind.CREDENTIAL_IDENTITY):
        detail = f"{fact.key} = {fact.value}"
        findings.append(_finding(profile, identity_rule, audience, detail, key=fact.key, source=fact.source))
    return findings


def _detection_findings(detections: list[Detection], audience: Audience, profile: Profile) -> list[Finding]:
    findings = []
    department_items = []
    for detection in detections:
        rule_name = profile.detection_rules.get(detection.kind.value)
        if rule_name is None:
            continue
        if rule_name == DEPARTMENT_ITEM_RULE:
            department_items.append(detection)
        findings.append(_finding(profile, rule_name, audience, _describe(detection), **_evidence(detection)))
    faces = [d for d in detections if d.kind == DetectionKind.FACE]
    if department_items and faces:
        items = ", ".join(sorted({d.label for d in department_items}))
        detail = f"{len(faces)} face(s) with {items}"
        findings.append(
            _finding(profile, "department_item_with_face", audience, detail, faces=len(faces), items=items)
        )
    weapons = [d for d in detections if profile.detection_rules.get(d.kind.value) == WEAPON_RULE]
    if weapons and (faces or department_items) and WEAPON_WITH_PERSON_RULE in profile.rules:
        beside = ", ".join(sorted({d.label for d in department_items} | ({"face"} if faces else set())))
        detail = f"{', '.join(sorted({d.label for d in weapons}))} with {beside}"
        findings.append(
            _finding(profile, WEAPON_WITH_PERSON_RULE, audience, detail, weapons=len(weapons), faces=len(faces), items=beside)
        )
    return findings


def _describe(detection: Detection) -> str:
    text = f"{detection.label} ({detection.detector}, score {detection.score:.2f})"
    if detection.time_s is not None:
        text += f" at {format_time(detection.time_s)}"
        if detection.end_s is not None and detection.end_s > detection.time_s:
            text += f"-{format_time(detection.end_s)}"
    return text


def _evidence(detection: Detection) -> dict:
    evidence = {"kind": detection.kind.value, "detector": detection.detector, "box": detection.box.as_list()}
    if detection.time_s is not None:
        evidence["time_s"] = detection.time_s
        evidence["end_s"] = detection.end_s
    evidence.update(detection.evidence)
    return evidence


def format_time(seconds: float) -> str:
    """hh:mm:ss.mmm"""
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
