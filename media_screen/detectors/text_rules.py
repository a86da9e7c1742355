"""The department's text rules: what a line of OCR text means, tolerant to OCR's usual mistakes.

Pure functions over strings, built from the profile's `[detectors.text]` table, so the
rule table can be tested without pixels.

OCR confuses look-alike characters (0/O, 1/I/L, 5/S, 8/B, 2/Z, 6/G) and case. Keywords
are therefore compared in a *canonical* form where each group of look-alikes becomes one
character, accents are dropped and separators too ("P0L1CE" and "police" both read "POIICE";
"POLİS" and "POLIS" are one word).
Keywords at least `fuzzy_min_length` long also match with one further error ("POLILE"),
unless the line holds one of `not_keywords` ("POLICY", "POLITICAL"). Short keywords ("K-9",
"FOUO", "POLIS") must stand as a word of their own: "POLIS" is police in Swedish and Turkish, not in
"MINNEAPOLIS". Regular-expression patterns run on the upper-cased
line, and again on a copy whose number-like words have look-alike letters turned into digits.

Text fields (metadata, captions) are read by `fields=True` rules: the same tables plus the
profile's `[detectors.text.fields]` extras (e-mail addresses, phone numbers, ranks and units
that identify a person), exact matching only (no OCR errors to forgive), no plates or bare
unit numbers, and the `[detectors.text.statements]` rules on what is said about a suspect's
guilt. The derogatory lexicon (a plain text file the profile points at) is matched in both,
always as whole words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from media_screen.model import DetectionKind

_LOOKALIKES = str.maketrans({"0": "O", "Q": "O", "1": "I", "L": "I", "|": "I", "!": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
_TO_DIGITS = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5", "B": "8", "Z": "2", "G": "6"})
_PLATE_SEPARATORS = "-·.•"
_SHORT_KEYWORD = 5  # keywords this short (in letters and digits) must be a word on their own
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
    statements: "StatementRules | None" = None  # text fields only: statements about a suspect's guilt

    def classify(self, text: str) -> list[TextMatch]:
        """Every rule the line satisfies, at most one match per kind (the surest)."""
        patterned = self._pattern_matches(text)
        keywords = self._keyword_matches(text)
        matches = keywords + patterned
        if self.statements is not None:
            matches += self.statements.find(text)
        if self.plate is not None and not patterned:  # "UNIT 12", "CASE NO 24-0123" are not plates
            plates = [p for p in plate_candidates(text, self.plate) if not _is_keyword(p, keywords)]
            matches += [TextMatch(DetectionKind.PLATE, "plate", p) for p in plates]
        best: dict[DetectionKind, TextMatch] = {}
        for match in matches:  # the surest; of equally sure ones the longest ("DET. JANE ROE" over "DET")
            held = best.get(match.kind)
            if held is None or (match.weight, len(match.matched)) > (held.weight, len(held.matched)):
                best[match.kind] = match
        return list(best.values())

    def is_wording(self, plate: str) -> bool:
        """A plate-like string that is a keyword or part of one ("POLICE" on a vest's patch, "SHER1FF"): wording,
        not a plate."""
        return _is_keyword(plate, self._keyword_matches(plate))

    def unit_numbers(self, text: str) -> list[str]:
        """Bare numbers in the line that would be a unit or car number if police wording is near."""
        if self.unit_number is None:
            return []
        found = [m.group(0) for m in self.unit_number.finditer(digitize(text.upper()))]
        return [n for n in found if n not in self.not_unit_numbers]

    def _keyword_matches(self, text: str) -> list[TextMatch]:
        line = canonical(text, keep_spaces=True)
        # "!" and "|" read as I inside a word (P0L!CE), as punctuation at its ends ("SIEG HEIL!")
        punctuated = canonical(_WORD_END_MARKS.sub(" ", text), keep_spaces=True)
        compact = line.replace(" ", "")
        guarded = any(word in compact for word in self.not_keywords)
        matches = []
        for keyword in self.keywords:
            found = keyword.pattern.search(line) or (punctuated != line and keyword.pattern.search(punctuated))
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


@dataclass(frozen=True)
class StatementRules:
    """Statements about the innocence or guilt of a suspect or arrestee (GO 07.08 A.4.b).

    A sentence holding a guilt word ("confessed", "guilty", "the killer", "innocent") is a
    statement; so is one holding a `guilt_if_arrested` phrase ("the man who robbed", "the thug", "was
    clearly drunk") when it, or the sentence before it, speaks of an arrest ("Jane Roe was arrested for DUI.
    She was clearly drunk."). The capitalised names of the sentence holding the arrest word ("arrested",
    "suspect", "charged") are reported as the person it is about.
    """

    guilt: tuple[re.Pattern[str], ...]
    arrest: tuple[re.Pattern[str], ...]
    not_names: frozenset[str] = frozenset()  # capitalised words that are not a person's name
    guilt_if_arrested: tuple[re.Pattern[str], ...] = ()  # a statement only beside an arrest word

    def find(self, text: str) -> list[TextMatch]:
        matches = []
        previous = ""  # the sentence before, when it speaks of an arrest
        for sentence in _sentences(text):
            upper = sentence.upper()
            speaks_of_arrest = any(p.search(upper) for p in self.arrest)
            arrest_sentence = sentence if speaks_of_arrest else previous
            patterns = self.guilt + (self.guilt_if_arrested if arrest_sentence else ())
            words = [m.group(0) for pattern in patterns for m in [pattern.search(upper)] if m]
            previous = sentence if speaks_of_arrest else ""
            if not words:
                continue
            quote = " ".join(sentence.split())
            quote = quote if len(quote) <= _QUOTE else quote[: _QUOTE - 1] + "…"
            names = self.names(arrest_sentence) if arrest_sentence else []
            rule = "guilt statement (" + ", ".join(dict.fromkeys(w.lower() for w in words)) + ")"
            if names:
                rule += " naming " + ", ".join(names)
            matches.append(TextMatch(DetectionKind.GUILT_STATEMENT, rule, quote))
        return matches[:1]  # one per field: the first statement is quoted

    def names(self, sentence: str) -> list[str]:
        """Two or three capitalised words in a row ("Jane Doe", "John Q. Public"), minus known non-names."""
        found = []
        for match in _NAME.finditer(sentence):
            words = [w for w in match.group(0).replace(".", " ").split() if len(w) > 1]
            if len(words) >= 2 and not any(w.upper() in self.not_names for w in words):
                found.append(match.group(0))
        return list(dict.fromkeys(found))


_QUOTE = 160
_WORD_END_MARKS = re.compile(r"[!|]+(?=\s|$)|(?:(?<=\s)|^)[!|]+")
_NAME = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z'’-]+){1,2}\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“'])|[\r\n]+")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def canonical(text: str, keep_spaces: bool = False) -> str:
    """Upper case, accents and punctuation dropped, look-alikes folded (single spaces kept when asked)."""
    folded = _without_accents(text.upper()).translate(_LOOKALIKES)
    kept = "".join(c if c.isalnum() else " " for c in folded)
    return " ".join(kept.split()) if keep_spaces else "".join(kept.split())


def _without_accents(text: str) -> str:
    """"POLICÍA" -> "POLICIA", "POLİS" -> "POLIS": OCR and signs write the accents or leave them out."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


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


def _is_keyword(plate: str, keywords: list[TextMatch]) -> bool:
    """Whether a plate-like string is one of the keywords matched in its line, or a part of one: "SHER1FF" and
    "EV1DENCE" are keywords, not plates, nor is a part of one ("AFFA1RS")."""
    candidate = canonical(plate)
    return any(word in candidate or candidate in word for word in (canonical(m.matched) for m in keywords))


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


def rules_from_settings(
    settings: Mapping[str, Any],
    department: str = "",
    city: str = "",
    lexicon: Iterable[str] = (),
    fields: bool = False,
) -> TextRules:
    """Build the rule table from a `[detectors.text]` table (see default_profile.toml).

    `lexicon`: derogatory terms (see `read_lexicon`). `fields`: rules for metadata text and
    captions rather than OCR lines (see the module doc).
    """
    keywords: list[_Keyword] = []
    table = dict(settings.get("keywords", {}))
    names = list(table.pop("department_names", []))
    if city:
        names.append(f"{city.upper()} POLICE")
    if department:
        names.append(department)
    extras = dict(settings.get("fields", {})) if fields else {}
    fuzzy_min = 10**6 if fields else int(settings.get("fuzzy_min_length", 6))
    keyword_tables = [("police_text", names), *table.items(), *dict(extras.get("keywords", {})).items()]
    for kind_name, words in keyword_tables:
        kind = DetectionKind(kind_name)
        for word in dict.fromkeys(str(w) for w in words):
            keywords.append(_keyword(kind, word, fuzzy_min))
    patterns = []
    pattern_tables = [dict(settings.get("patterns", {})), dict(extras.get("patterns", {}))]
    for origin, pattern_table in zip(("pattern", "field pattern"), pattern_tables):
        for kind_name, sources in pattern_table.items():
            kind = DetectionKind(kind_name)
            for index, source in enumerate(sources, 1):
                patterns.append((kind, f"{origin} {kind_name} #{index}", re.compile(str(source))))
    for term in dict.fromkeys(lexicon):
        if any(c.isalpha() for c in term):
            keywords.append(_keyword(DetectionKind.DEROGATORY_TEXT, term, fuzzy_min, whole_word=True))
        else:  # a numeric code ("1488", "14/88") is not a part of a longer number, a date or a price
            source = rf"(?<![\w.,:/#-]){re.escape(term.upper())}(?![\w.,:/%-]|\s\d)"
            patterns.append((DetectionKind.DEROGATORY_TEXT, f"lexicon {term}", re.compile(source)))
    plate_settings = settings.get("plate", {})
    plate = None
    if plate_settings.get("enabled", True) and not fields:
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
        unit_number=re.compile(str(unit_source)) if unit_source and not fields else None,
        not_unit_numbers=frozenset(str(n) for n in settings.get("not_unit_numbers", [])),
        statements=_statement_rules(settings.get("statements", {}), names) if fields else None,
    )


def rules_from_profile(profile: Any, fields: bool = False) -> TextRules:
    """The text rules of a Profile: its `[detectors.text]` table and the lexicon file that names."""
    settings = profile.detector_settings("text")
    lexicon_path = settings.get("derogatory_lexicon")
    lexicon = read_lexicon(profile.resolve_asset(str(lexicon_path))) if lexicon_path else ()
    return rules_from_settings(settings, profile.department, profile.city, lexicon, fields)


def read_lexicon(path: Path) -> tuple[str, ...]:
    """Terms of a lexicon file: one a line; blank lines and lines starting with # are skipped.

    A missing or unreadable file raises ValueError: a department that points at a lexicon
    must not silently screen without it.
    """
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"derogatory lexicon {path} cannot be read: {exc}") from exc
    terms = (line.strip() for line in text.splitlines())
    return tuple(t for t in terms if t and not t.startswith("#"))


def _statement_rules(settings: Mapping[str, Any], department_names: list[str]) -> StatementRules | None:
    guilt = tuple(re.compile(str(p)) for p in settings.get("guilt", []))
    if not guilt:
        return None
    not_names = {w.upper() for name in department_names for w in name.split()}
    not_names |= {str(w).upper() for w in settings.get("not_names", [])}
    return StatementRules(
        guilt,
        tuple(re.compile(str(p)) for p in settings.get("arrest", [])),
        frozenset(not_names),
        tuple(re.compile(str(p)) for p in settings.get("guilt_if_arrested", [])),
    )


def _keyword(kind: DetectionKind, word: str, fuzzy_min: int, whole_word: bool = False) -> _Keyword:
    folded = canonical(word)
    if not folded:
        raise ValueError(f"keyword {word!r} has no letters or digits")
    body = r"[^A-Z0-9]*".join(re.escape(c) for c in folded)
    if len(folded) <= _SHORT_KEYWORD or whole_word:
        body = rf"(?<![A-Z0-9]){body}(?![A-Z0-9])"
    return _Keyword(kind, word, folded, re.compile(body), fuzzy=len(folded) >= fuzzy_min and not whole_word)

