"""The department's text rules: what a line of OCR text means, tolerant to OCR's usual mistakes.

Pure functions over strings, built from the profile's `[detectors.text]` table, so the
rule table can be tested without pixels.

OCR confuses look-alike characters (0/O, 1/I/L, 5/S, 8/B, 2/Z, 6/G) and case. Keywords
are therefore compared in a *canonical* form where each group of look-alikes becomes one
character and separators are dropped ("P0L1CE" and "police" both read "POIICE").
Keywords at least `fuzzy_min_length` long also match with one further error ("POLILE"),
unless the line holds one of `not_keywords` ("POLICY"). Short keywords ("K-9", "FOUO")
must stand as a word of their own. Regular-expression patterns run on the upper-cased
line, and again on a copy whose number-like words have look-alike letters turned into digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from media_screen.model import DetectionKind

_LOOKALIKES = str.maketrans({"0": "O", "Q": "O", "1": "I", "L": "I", "|": "I", "!": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
_TO_DIGITS = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5", "B": "8", "Z": "2", "G": "6"})
_PLATE_SEPARATORS = "-·.•"
_SHORT_KEYWORD = 4  # keywords this short (in letters and digits) must be a word on their own
_FUZZY_PENALTY = 0.8  # a fuzzy keyword match counts for this fraction of the OCR confidence


@dataclass(frozen=True)
class TextMatch:
    """One rule that a line of text satisfied."""

    kind: DetectionKind
    rule: str  # e.g. "keyword POLICE", "fuzzy keyword POLICE", "plate", "pattern identifying_text #1"
    matched: str  # the part of the line that satisfied it
    weight: float = 1.0  # how sure the match itself is (1.0 exact, less for fuzzy)


@dataclass(frozen=True)
class PlateRule:
    min_chars: int = 5
    max_chars: int = 8
    max_groups: int = 3  # tokens joined across spaces: "AB 123 CD"
    not_words: frozenset[str] = frozenset()  # a run of letters that is one of these is a word, not a plate


@dataclass(frozen=True)
class _Keyword:
    kind: DetectionKind
    word: str
    canonical: str
    pattern: re.Pattern[str]  # exact match over the canonical line
    fuzzy: bool


@dataclass(frozen=True)
class TextRules:
    keywords: tuple[_Keyword, ...]
    patterns: tuple[tuple[DetectionKind, str, re.Pattern[str]], ...]
    not_keywords: tuple[str, ...]  # canonical
    plate: PlateRule | None
    unit_number: re.Pattern[str] | None  # a bare number near police wording is a unit or car number
    not_unit_numbers: frozenset[str]

    def classify(self, text: str) -> list[TextMatch]:
        """Every rule the line satisfies, at most one match per kind (the surest)."""
        patterned = self._pattern_matches(text)
        keywords = self._keyword_matches(text)
        matches = keywords + patterned
        if self.plate is not None and not patterned:  # "UNIT 12", "CASE NO 24-0123" are not plates
            words = [canonical(m.matched) for m in keywords]  # "SHER1FF", "EV1DENCE" are keywords, not plates
            plates = [p for p in plate_candidates(text, self.plate) if not any(w in canonical(p) for w in words)]
            matches += [TextMatch(DetectionKind.PLATE, "plate", p) for p in plates]
        best: dict[DetectionKind, TextMatch] = {}
        for match in matches:
            if match.kind not in best or match.weight > best[match.kind].weight:
                best[match.kind] = match
        return list(best.values())

    def unit_numbers(self, text: str) -> list[str]:
        """Bare numbers in the line that would be a unit or car number if police wording is near."""
        if self.unit_number is None:
            return []
        found = [m.group(0) for m in self.unit_number.finditer(digitize(text.upper()))]
        return [n for n in found if n not in self.not_unit_numbers]

    def _keyword_matches(self, text: str) -> list[TextMatch]:
        line = canonical(text, keep_spaces=True)
        compact = line.replace(" ", "")
        guarded = any(word in compact for word in self.not_keywords)
        matches = []
        for keyword in self.keywords:
            found = keyword.pattern.search(line)
            if found:
                matches.append(TextMatch(keyword.kind, f"keyword {keyword.word}", keyword.word))
            elif keyword.fuzzy and not guarded:
                span = fuzzy_find(keyword.canonical, compact)
                if span is not None:
                    matched = compact[span[0] : span[1]]
                    matches.append(TextMatch(keyword.kind, f"fuzzy keyword {keyword.word}", matched, _FUZZY_PENALTY))
        return matches

    def _pattern_matches(self, text: str) -> list[TextMatch]:
        upper = " ".join(text.upper().split())
        variants = dict.fromkeys((upper, digitize(upper)))
        matches = []
        for kind, name, pattern in self.patterns:
            found = [m.group(0) for m in map(pattern.search, variants) if m]
            if found:
                matches.append(TextMatch(kind, name, max(found, key=len)))
        return matches


def canonical(text: str, keep_spaces: bool = False) -> str:
    """Upper case, look-alikes folded, punctuation dropped (single spaces kept when asked)."""
    folded = text.upper().translate(_LOOKALIKES)
    kept = "".join(c if c.isalnum() else " " for c in folded)
    return " ".join(kept.split()) if keep_spaces else "".join(kept.split())


def digitize(text: str) -> str:
    """Words that are mostly digits get their look-alike letters turned into digits ("24-OI2345" -> "24-012345")."""

    def fix(word: str) -> str:
        alnum = [c for c in word if c.isalnum()]
        digits = sum(c.isdigit() for c in alnum)
        return word.translate(_TO_DIGITS) if alnum and digits * 2 >= len(alnum) and digits >= 2 else word

    return " ".join(fix(word) for word in text.split(" "))


def fuzzy_find(needle: str, haystack: str, max_edits: int = 1) -> tuple[int, int] | None:
    """Span of a substring of `haystack` within `max_edits` edits of `needle`, or None."""
    if not needle or len(haystack) < len(needle) - max_edits:
        return None
    half = len(needle) // 2  # one edit leaves one half intact: a cheap filter before the DP
    if max_edits == 1 and needle[:half] not in haystack and needle[half:] not in haystack:
        return None
    previous = [0] * (len(haystack) + 1)  # Sellers: a match may start anywhere
    starts = list(range(len(haystack) + 1))
    for i, char in enumerate(needle, 1):
        current = [i] + [0] * len(haystack)
        current_starts = [0] * (len(haystack) + 1)
        for j, other in enumerate(haystack, 1):
            options = (
                (previous[j - 1] + (char != other), starts[j - 1]),
                (previous[j] + 1, starts[j]),
                (current[j - 1] + 1, current_starts[j - 1]),
            )
            current[j], current_starts[j] = min(options)
        previous, starts = current, current_starts
    end = min(range(len(haystack) + 1), key=lambda j: (previous[j], -j))
    return (starts[end], end) if previous[end] <= max_edits and end > starts[end] else None


def plate_candidates(text: str, rule: PlateRule) -> list[str]:
    """Licence-plate-like strings in a line: upper-case letters and digits mixed, 5-8 of them.

    A plate is read as one word ("YG9-X2G", "WA·56660") or as short groups of letters or
    digits ("AB 123 CD"). Lower case, other punctuation, pure numbers (dates, prices,
    phone numbers) and pure words never qualify.
    """
    words = text.split()
    found = []
    start = 0
    while start < len(words):
        longest = 0
        for stop in range(start + 1, min(len(words), start + rule.max_groups) + 1):
            group = words[start:stop]
            if len(group) > 1 and not all(_plain_group(w) for w in group):
                break
            if _plate_like("".join(group), rule):
                longest = stop - start
        if longest:
            found.append(" ".join(words[start : start + longest]))
        start += max(longest, 1)
    return found


def _plain_group(word: str) -> bool:
    return word.isascii() and (word.isdigit() or (word.isalpha() and word.isupper())) and len(word) <= 4


def _plate_like(candidate: str, rule: PlateRule) -> bool:
    if candidate[0] in _PLATE_SEPARATORS or candidate[-1] in _PLATE_SEPARATORS:
        return False
    body = [c for c in candidate if c not in _PLATE_SEPARATORS]
    if not all(c.isascii() and (c.isdigit() or c.isupper()) for c in body) or len(body) < len(candidate) - 2:
        return False
    letters = sum(c.isalpha() for c in body)
    digits = sum(c.isdigit() for c in body)
    if any(run in rule.not_words for run in re.findall("[A-Z]+", "".join(body))):
        return False  # "ITEM3OF7", "EXIT79B": OCR often drops the spaces between words
    return rule.min_chars <= len(body) <= rule.max_chars and letters >= 1 and digits >= 1


def plate_string(text: str) -> str:
    """A plate as compared across readings: letters and digits only, look-alikes folded."""
    return canonical(text)


def rules_from_settings(settings: Mapping[str, Any], department: str = "", city: str = "") -> TextRules:
    """Build the rule table from a `[detectors.text]` table (see default_profile.toml)."""
    keywords: list[_Keyword] = []
    table = dict(settings.get("keywords", {}))
    names = list(table.pop("department_names", []))
    if city:
        names.append(f"{city.upper()} POLICE")
    if department:
        names.append(department)
    fuzzy_min = int(settings.get("fuzzy_min_length", 6))
    for kind_name, words in [("police_text", names), *table.items()]:
        kind = DetectionKind(kind_name)
        for word in dict.fromkeys(str(w) for w in words):
            keywords.append(_keyword(kind, word, fuzzy_min))
    patterns = []
    for kind_name, sources in dict(settings.get("patterns", {})).items():
        kind = DetectionKind(kind_name)
        for index, source in enumerate(sources, 1):
            patterns.append((kind, f"pattern {kind_name} #{index}", re.compile(str(source))))
    plate_settings = settings.get("plate", {})
    plate = None
    if plate_settings.get("enabled", True):
        plate = PlateRule(
            int(plate_settings.get("min_chars", 5)),
            int(plate_settings.get("max_chars", 8)),
            int(plate_settings.get("max_groups", 3)),
            frozenset(str(w).upper() for w in plate_settings.get("not_words", [])),
        )
    unit_source = settings.get("unit_number_pattern")
    return TextRules(
        keywords=tuple(keywords),
        patterns=tuple(patterns),
        not_keywords=tuple(canonical(w) for w in settings.get("not_keywords", [])),
        plate=plate,
        unit_number=re.compile(str(unit_source)) if unit_source else None,
        not_unit_numbers=frozenset(str(n) for n in settings.get("not_unit_numbers", [])),
    )


def _keyword(kind: DetectionKind, word: str, fuzzy_min: int) -> _Keyword:
    folded = canonical(word)
    if not folded:
        raise ValueError(f"keyword {word!r} has no letters or digits")
    body = r"[^A-Z0-9]*".join(re.escape(c) for c in folded)
    if len(folded) <= _SHORT_KEYWORD:
        body = rf"(?<![A-Z0-9]){body}(?![A-Z0-9])"
    return _Keyword(kind, word, folded, re.compile(body), fuzzy=len(folded) >= fuzzy_min)

