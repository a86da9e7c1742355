"""The text rules added for issue 14: text fields (metadata, captions), internal matters, the derogatory lexicon and
statements about guilt. (The OCR rule table itself is in test_text.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from media_screen.detectors.text_rules import read_lexicon, rules_from_profile, rules_from_settings
from media_screen.model import DetectionKind

POLICE = DetectionKind.POLICE_TEXT
IDENT = DetectionKind.IDENTIFYING_TEXT
INVEST = DetectionKind.INVESTIGATION_TEXT
INTERNAL = DetectionKind.INTERNAL_TEXT
HATE = DetectionKind.DEROGATORY_TEXT
GUILT = DetectionKind.GUILT_STATEMENT


@pytest.fixture(scope="module")
def field_rules(profile):
    return rules_from_profile(profile, fields=True)


@pytest.fixture(scope="module")
def ocr_rules(profile):
    return rules_from_profile(profile)


# (a metadata field or caption, kinds the default profile's field rules must give)
FIELD_TABLE = [
    ("Det. Jane Roe, Concord PD Narcotics", {POLICE, IDENT}),  # police wording; a rank with a name, a unit
    ("jroe@concordpd.org", {POLICE, IDENT}),  # the department's domain; an e-mail address
    ("jane.roe@example.com", {IDENT}),
    ("Undercover detective", {IDENT}),
    ("Call (925) 671-3000", {IDENT}),
    ("+1 925 671 3000", {IDENT}),
    ("Sgt. Miller at the parade", {IDENT}),
    ("1350 Galindo St", set()),  # a street address is a place (metadata/text_fields.py), not text-rule wording
    ("2024:05:18 10:42:07", set()),  # dates are not phone numbers
    ("+1.877.646.5375", {IDENT}),
    ("5954.000 7023.000 7714.000 1438.000 1579.000", set()),  # a drone's raw readings are not a phone number
    ("Employee no. 88213", {IDENT}),
    ("http://example.org/RELids/id4711/ref2019.1", set()),  # "id4711" in a URL is no ID number
    ("EC100-4471209", set()),  # serials are not plates in a text field
    ("Sunset over Mount Diablo", set()),
    ("Office party", set()),  # no OCR-error matching in text fields: OFFICE is not OFFICER
    ("Internal Affairs case IA 2024-031", {INTERNAL}),
    ("Letter of reprimand for Officer Doe", {INTERNAL, IDENT}),
    ("placed on administrative leave", {INTERNAL}),
    ("Jane Doe, arrested Tuesday, confessed to the burglary.", {GUILT}),
    ("The suspect is guilty.", {GUILT}),
    ("An innocent bystander was not hurt.", set()),  # an innocent bystander is no statement about a suspect
    # an arrestee said to have done it: a statement beside an arrest word, plain description without one
    ("We arrested the man who robbed the bank on Main St.", {GUILT}),
    ("The man who robbed the bank on Main St. fled on foot.", set()),
    ("We arrested a man suspected of robbing the bank.", set()),
    ("K9 Rex caught the thug behind the mall", {POLICE, GUILT}),  # K9 is police wording
    ("Our officers arrested three drug dealers on Elm St.", {GUILT}),
    ("A local drug dealer spoke at the assembly.", set()),
    ("He deserves life in prison.", {GUILT}),
    ("She deserves a medal.", set()),
    ("The suspect will be convicted.", {GUILT}),
    ("Mugshot: Jane Roe, arrested for DUI. She was clearly drunk.", {GUILT}),  # sentence by sentence, one post
    ("Driver arrested; he was obviously impaired.", {GUILT}),
    ("The driver was clearly impaired by the glare and pulled over.", set()),  # no arrest: a description
    ("Two men were arrested after being caught in the act.", {GUILT}),
    ("Two men were arrested on Elm St. The weather was clear. The thugs were armed.", set()),  # two sentences on
    ("Thanks to the Polis of Stockholm for the visit.", {POLICE}),  # Swedish police, accents or not
    ("We met Polícia Militar officers from Brazil.", {POLICE}),
    ("Officers kept the peace at a political rally.", set()),
    ("Sieg heil", {HATE}),
    ("keywords: sunset; 1488", {HATE}),
]


@pytest.mark.parametrize(("text", "kinds"), FIELD_TABLE)
def test_field_rule_table(field_rules, text, kinds):
    # given a metadata field or caption, when the profile's field rules classify it, then exactly these kinds
    assert {match.kind for match in field_rules.classify(text)} == kinds


# (a line as OCR might read it, kinds the OCR rules must give): the new rules on on-image text
OCR_TABLE = [
    ("INTERNAL AFFAIRS", {INTERNAL}),
    ("INTERNAL AFFA1RS", {INTERNAL}),  # OCR look-alikes
    ("IA CASE # 24-118", {INTERNAL, INVEST}),  # an IA case number is a case number too
    ("IAD NO. 1193", {INTERNAL}),
    ("DES MOINES, IA 50309-1234", set()),  # Iowa and a ZIP+4 code are no IA case number
    ("1488", {HATE}),
    ("14/88", {HATE}),
    ("WHITE POWER", {HATE}),
    ("W H I T E  P O W E R", {HATE}),  # spacing and punctuation do not hide a slogan
    ("CALL 555-1488", set()),  # a numeric code inside a phone number is not one
    ("$14.88", set()),
    ("TEL 925 671 3000", set()),  # on signs a phone number is a business's, not identifying
    ("GUILTY", set()),  # statements are judged in captions and metadata only, not on a protest sign
    ("POWERED BY WHITE LIGHT", set()),
    # police in other languages, accents or not
    ("POLİS", {POLICE}),  # Turkish, with its dotted capital I
    ("POLIS", {POLICE}),  # Swedish
    ("POLICÍA LOCAL", {POLICE}),
    ("POLITSEI", {POLICE}),  # Estonian, exact (before: one error from POLITIE)
    ("JANDARMERIA", {POLICE}),
    ("警視庁", {POLICE}),  # Tokyo's police, as the Chinese recogniser reads it
    ("公安局", {POLICE}),  # inside a longer run of characters: no word spaces in Chinese
    # everyday words one OCR error away from police wording are not
    ("MINNEAPOLIS", set()),  # POLIS stands as a word of its own
    ("ACROPOLIS", set()),
    ("POLITICAL RALLY", set()),  # one error from POLITIE: guarded by POLITIC
    ("POLITICIANS", set()),
    ("COSMOPOLITAN", set()),
    ("NAIL POLISH", set()),
    ("CARABINERS", set()),
]


@pytest.mark.parametrize(("line", "kinds"), OCR_TABLE)
def test_ocr_rule_table(ocr_rules, line, kinds):
    # given a line as OCR reads it, when the OCR rules classify it, then exactly these kinds
    assert {match.kind for match in ocr_rules.classify(line)} == kinds


def test_a_guilt_statement_quotes_the_sentence_and_names_the_arrestee(field_rules):
    # given a caption with a statement about an arrestee among other sentences
    caption = "Thanks to everyone who called in tips. Jane Doe, arrested Tuesday, confessed to the burglary."
    # when it is classified
    [match] = [m for m in field_rules.classify(caption) if m.kind == GUILT]
    # then the sentence is quoted, and the words and the named person are given
    assert match.matched == "Jane Doe, arrested Tuesday, confessed to the burglary."
    assert match.rule == "guilt statement (confessed) naming Jane Doe"


def test_a_statement_after_the_arrest_sentence_names_the_arrestee_of_that_sentence(field_rules):
    # given a post that names the arrestee in one sentence and judges her in the next
    caption = "Jane Roe was arrested for DUI on Elm St. She was clearly drunk."
    # when it is classified
    [match] = [m for m in field_rules.classify(caption) if m.kind == GUILT]
    # then the judging sentence is quoted and the arrestee named from the sentence before it
    assert match.matched == "She was clearly drunk."
    assert match.rule == "guilt statement (was clearly drunk) naming Jane Roe"


def test_a_guilt_statement_without_an_arrest_names_no_one(field_rules):
    [match] = field_rules.classify("Concord Police say the killer is still at large.")[-1:]
    assert match.kind == GUILT and "naming" not in match.rule and "the killer" in match.rule


def test_the_rank_and_name_are_preferred_as_evidence_over_a_unit_word(field_rules):
    # given a by-line with both a rank-and-name and a unit keyword (one match per kind is kept)
    matches = {m.kind: m for m in field_rules.classify("Det. Jane Roe, Concord PD Narcotics")}
    # then the longer, equally sure match is the one reported
    assert matches[IDENT].matched.startswith("DET. JANE ROE")


def test_lexicon_file_lists_terms_and_skips_comments(tmp_path: Path):
    # given a department's lexicon with comments and blank lines
    path = tmp_path / "lexicon.txt"
    path.write_text("# codes\n\n1488\n  ZZTOP HATE  \n# slogans\n", "utf-8")
    # when read, then only the terms remain
    assert read_lexicon(path) == ("1488", "ZZTOP HATE")


def test_a_missing_lexicon_is_an_error_not_an_empty_list(tmp_path: Path):
    with pytest.raises(ValueError, match="cannot be read"):
        read_lexicon(tmp_path / "nope.txt")


def test_a_department_term_added_to_the_lexicon_is_matched_as_a_whole_word(profile):
    # given the profile's text settings and an extended lexicon
    rules = rules_from_settings(profile.detector_settings("text"), lexicon=("BADWORD",))
    # then the term is found on its own and in punctuation, not inside another word
    assert {m.kind for m in rules.classify("a BadWord!")} == {HATE}
    assert {m.kind for m in rules.classify("|badword|")} == {HATE}
    assert {m.kind for m in rules.classify("BADWORDS")} == set()


def test_the_shipped_lexicon_is_compact_and_documents_its_sources(profile):
    path = profile.resolve_asset(profile.detector_settings("text")["derogatory_lexicon"])
    text = path.read_text("utf-8")
    assert "ADL" in text and "Sources" in text
    assert 10 <= len(read_lexicon(path)) <= 60


def test_an_edited_lexicon_changes_the_cache_key_of_text_scans(tmp_path: Path):
    # given a profile whose text detector points at the department's own lexicon
    from media_screen.config import ScanOptions, default_profile_text, load_profile
    from media_screen.store.cache import analysis_key

    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("1488\n", "utf-8")
    profile_path = tmp_path / "profile.toml"
    text = default_profile_text().replace('"assets/derogatory_lexicon.txt"', f'"{lexicon}"')
    profile_path.write_text(text, "utf-8")
    options = ScanOptions(detectors=("text",))
    before = analysis_key(load_profile(profile_path), options)
    # when a term is added
    lexicon.write_text("1488\nANOTHER TERM\n", "utf-8")
    # then cached text detections are not reused
    assert analysis_key(load_profile(profile_path), options) != before


# (a plate-like string read from a plate-shaped region, whether the OCR rules call it wording, not a plate)
WORDING_TABLE = [
    ("POLICE", True),  # a vest's patch or a door panel: police wording
    ("SHER1FF", True),  # OCR look-alikes of a keyword
    ("POLIC", True),  # a part of one
    ("GWAGEN", False),  # a vanity plate
    ("KHC30J", False),
    ("1049338", False),
]


@pytest.mark.parametrize(("plate", "wording"), WORDING_TABLE)
def test_wording_table(ocr_rules, plate, wording):
    # given a plate-like reading, when the OCR rules judge it, then it is a keyword (wording) or may be a plate
    assert ocr_rules.is_wording(plate) is wording
