import errno
import multiprocessing
import os
import random
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from media_screen import detectors as registry
from media_screen import pipeline
from media_screen.batch.scan import BatchScan
from media_screen.store.cache import FileStat, ResultCache, analysis_key
from media_screen.config import ScanOptions, default_profile_text, parse_profile
from media_screen.errors import StoreDamagedError
from media_screen.model import Audience, Verdict

BADGE = ScanOptions(detectors=("badge_stub",), audience=Audience.PERSONAL)


@pytest.fixture(autouse=True)
def fake_detectors(monkeypatch, tmp_path):
    monkeypatch.setitem(registry.REGISTRY, "badge_stub", "fake_detectors:BadgeDetector")
    monkeypatch.setitem(registry.REGISTRY, "slow", "fake_detectors:SlowDetector")
    monkeypatch.setenv("MEDIA_SCREEN_CACHE_DIR", str(tmp_path / "cache"))


def png(path: Path, rgb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (80, 60), rgb).save(path, "PNG")
    return path


def edited_profile(old: str, new: str):
    from media_screen.config import load_profile

    text = default_profile_text()
    assert old in text
    return parse_profile(text.replace(old, new, 1), load_profile().base_dir, "test")


def scan_all(folder, profile, options=BADGE, jobs=0, cache=None):
    with BatchScan([folder], profile, options, jobs=jobs, cache=cache) as batch:
        results = list(batch)
    return results, batch


def test_policy_only_changes_keep_the_analysis_key(profile):
    # given the same detectors, with a rule's severity edited or another audience
    base = analysis_key(profile, BADGE)
    stricter = edited_profile('[rules.department_item]\nsection = "B.2"\nmessage = "item identifiable to the department"\n'
                              'official = "info"\npersonal = "permission"',
                              '[rules.department_item]\nsection = "B.2"\nmessage = "item identifiable to the department"\n'
                              'official = "info"\npersonal = "block"')
    # then the cached analyses stay valid: the policy is re-applied on read
    assert analysis_key(stricter, BADGE) == base
    assert analysis_key(profile, ScanOptions(detectors=("badge_stub",), audience=Audience.COVERT)) == base


def test_a_change_in_a_detectors_helper_module_changes_only_its_scans_keys(profile, tmp_path, monkeypatch):
    from media_screen.store import cache as cache_module

    # given the OCR engine's source edited (a module the text detector imports, not the one registered)
    text_only, faces_only = ScanOptions(detectors=("text",)), ScanOptions(detectors=("faces",))
    before = analysis_key(profile, text_only), analysis_key(profile, faces_only)
    real_origin = cache_module._module_origin
    edited = tmp_path / "ocr.py"
    edited.write_text(Path(real_origin("media_screen.detectors.ocr")).read_text() + "\n# edited\n")
    monkeypatch.setattr(cache_module, "_module_origin",
                        lambda name: str(edited) if name == "media_screen.detectors.ocr" else real_origin(name))
    # when the keys are made again, then the text scans' key changes and the face scans' does not
    assert "media_screen.detectors.ocr" in cache_module.detector_code_modules("media_screen.detectors.text")
    assert analysis_key(profile, text_only) != before[0]
    assert analysis_key(profile, faces_only) == before[1]


def test_every_reader_and_decoder_module_is_in_the_analysis_key():
    import pkgutil

    import media_screen.inputs
    import media_screen.metadata
    import media_screen.video
    from media_screen.store.cache import ANALYSIS_MODULES, NOT_ANALYSIS_MODULES

    # given every module of the packages that read, decode and sample a file
    modules = {f"{package.__name__}.{info.name}" for package in (media_screen.inputs, media_screen.metadata,
                                                                 media_screen.video)
               for info in pkgutil.iter_modules(package.__path__)}
    # then each is in the analysis key (its code changes what a cached analysis holds) or named as outside it
    assert modules <= set(ANALYSIS_MODULES) | set(NOT_ANALYSIS_MODULES)


def test_time_bounds_keep_the_analysis_key(profile):
    # given the scan's or the redaction's time bound edited
    base = analysis_key(profile, BADGE)
    slower_scan = edited_profile("file_timeout_s = 120", "file_timeout_s = 600")
    slower_redaction = edited_profile("redact_timeout_s = 1800", "redact_timeout_s = 60")
    # then what a file shows is the same: only time-outs (never cached) depend on them
    assert analysis_key(slower_scan, BADGE) == base
    assert analysis_key(slower_redaction, BADGE) == base


def test_what_the_analysis_reads_changes_the_key(profile):
    base = analysis_key(profile, BADGE)
    moved = edited_profile("radius_m = 250", "radius_m = 900")  # sensitive places feed the metadata reader
    assert analysis_key(moved, BADGE) != base
    assert analysis_key(profile, ScanOptions(detectors=("badge_stub", "slow"))) != base
    assert analysis_key(profile, ScanOptions(detectors=("metadata",))) != base


def test_a_detector_setting_invalidates_only_scans_that_ran_that_detector(profile):
    tuned = parse_profile(default_profile_text() + '\n[detectors.slow]\nhang = "never"\n', profile.base_dir)
    assert analysis_key(tuned, ScanOptions(detectors=("slow",))) != analysis_key(profile, ScanOptions(detectors=("slow",)))
    assert analysis_key(tuned, BADGE) == analysis_key(profile, BADGE)


def test_a_new_model_version_changes_the_key(profile, monkeypatch):
    import fake_detectors
    from media_screen.detectors.base import DetectorInfo

    before = analysis_key(profile, BADGE)
    monkeypatch.setattr(fake_detectors.BadgeDetector, "describe",
                        classmethod(lambda cls, p: DetectorInfo("badge_stub", "", (), "none", "test-2", True)))
    assert analysis_key(profile, BADGE) != before


def test_stat_shortcut_then_content_hash(tmp_path: Path):
    # given a remembered analysis for a file
    path = png(tmp_path / "a.png", (1, 2, 3))
    stat = FileStat.of(path)
    with ResultCache(tmp_path / "c.sqlite3") as cache:
        cache.remember(path, stat, "f" * 64, "key", '{"report": 1}')
        # then an untouched file is found by stat alone
        assert cache.lookup(path, stat, "key") == ("f" * 64, '{"report": 1}')
        assert cache.lookup(path, stat, "other key") is None
        # and a touched file is not, though its content hash still finds the analysis
        os.utime(path, ns=(stat.mtime_ns + 10**9, stat.mtime_ns + 10**9))
        assert cache.lookup(path, FileStat.of(path), "key") is None
        assert cache.get("f" * 64, "key") == '{"report": 1}'


def test_unchanged_files_are_not_analysed_again(tmp_path: Path, profile):
    # given a folder scanned once
    png(tmp_path / "in" / "badge.png", (0, 255, 0))
    png(tmp_path / "in" / "plain.png", (9, 9, 9))
    cache = ResultCache(tmp_path / "c.sqlite3")
    first, batch = scan_all(tmp_path / "in", profile, cache=cache)
    assert batch.analysed == 2 and not any(r.cached for r in first)
    # when it is scanned again
    second, batch = scan_all(tmp_path / "in", profile, cache=cache)
    # then nothing is analysed and the reports are the same
    assert batch.analysed == 0 and all(r.cached for r in second)
    assert [r.report.verdict for r in second] == [Verdict.PERMISSION_REQUIRED, Verdict.CLEAR]
    assert [r.report for r in second] == [r.report for r in first]


def test_a_changed_file_is_analysed_again(tmp_path: Path, profile):
    png(tmp_path / "in" / "a.png", (9, 9, 9))
    png(tmp_path / "in" / "b.png", (8, 8, 8))
    cache = ResultCache(tmp_path / "c.sqlite3")
    scan_all(tmp_path / "in", profile, cache=cache)
    png(tmp_path / "in" / "b.png", (0, 255, 0))  # now shows a badge
    results, batch = scan_all(tmp_path / "in", profile, cache=cache)
    assert batch.analysed == 1
    assert [(r.cached, r.report.verdict) for r in results] == [(True, Verdict.CLEAR), (False, Verdict.PERMISSION_REQUIRED)]


def test_a_copy_elsewhere_reuses_the_analysis_of_identical_content(tmp_path: Path, profile):
    png(tmp_path / "one" / "a.png", (0, 255, 0))
    png(tmp_path / "two" / "copy.png", (0, 255, 0))
    cache = ResultCache(tmp_path / "c.sqlite3")
    scan_all(tmp_path / "one", profile, cache=cache)
    results, batch = scan_all(tmp_path / "two", profile, cache=cache)
    assert batch.analysed == 0 and results[0].report.path.endswith("copy.png")


def test_an_edited_rule_applies_to_cached_results_without_re_analysis(tmp_path: Path, profile):
    png(tmp_path / "in" / "badge.png", (0, 255, 0))
    cache = ResultCache(tmp_path / "c.sqlite3")
    scan_all(tmp_path / "in", profile, cache=cache)
    stricter = edited_profile('personal = "permission"', 'personal = "block"')
    results, batch = scan_all(tmp_path / "in", stricter, cache=cache)
    assert batch.analysed == 0 and results[0].report.verdict == Verdict.DO_NOT_POST


def test_errors_the_content_causes_are_cached_like_any_result(tmp_path: Path, profile):
    # given a JPEG that cannot be decoded, scanned once
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "junk.jpg").write_bytes(b"\xff\xd8\xff junk")
    cache = ResultCache(tmp_path / "c.sqlite3")
    first, _ = scan_all(tmp_path / "in", profile, cache=cache)
    # when it is scanned again / then the same ERROR comes from the cache: the same bytes would fail again
    results, batch = scan_all(tmp_path / "in", profile, cache=cache)
    assert batch.analysed == 0 and results[0].cached and results[0].report.error == first[0].report.error
    assert results[0].report.verdict == Verdict.ERROR and cache.counts()["analyses"] == 1


def test_errors_the_machine_causes_are_not_cached(tmp_path: Path, profile, monkeypatch):
    # given a sound photo whose reading fails with an I/O error
    png(tmp_path / "in" / "1.png", (1, 1, 1))
    cache = ResultCache(tmp_path / "c.sqlite3")

    def io_error(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "decode_still_views", io_error)
        results, _ = scan_all(tmp_path / "in", profile, cache=cache)
    assert results[0].report.verdict == Verdict.ERROR and cache.counts()["analyses"] == 0
    # when the disk is fine again / then the next scan analyses the file
    results, batch = scan_all(tmp_path / "in", profile, cache=cache)
    assert batch.analysed == 1 and results[0].report.verdict == Verdict.CLEAR


def test_an_interrupted_parallel_batch_resumes_from_the_cache(tmp_path: Path, profile):
    # given a batch in worker processes, interrupted (Ctrl-C) after two files
    for number in range(5):
        png(tmp_path / "in" / f"{number}.png", (number, 10, 10))
    cache = ResultCache(tmp_path / "c.sqlite3")
    seen = []
    with pytest.raises(KeyboardInterrupt):
        with BatchScan([tmp_path / "in"], profile, BADGE, jobs=2, cache=cache) as batch:
            for result in batch:
                seen.append(result.report.path)
                if len(seen) == 2:
                    raise KeyboardInterrupt
    assert multiprocessing.active_children() == []  # the workers were stopped
    # when the same batch runs again
    results, batch = scan_all(tmp_path / "in", profile, cache=cache)
    # then the files finished before the interruption come from the cache
    assert [r.report.path for r in results if r.cached][:2] == seen
    assert batch.analysed <= 3 and len(results) == 5


def damage(path: Path) -> Path:
    """Random bytes over the whole file, as a disk fault or a stray copy would leave it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(random.Random(11).randbytes(4096))
    return path


def test_a_damaged_cache_file_is_reported_and_the_scan_analyses_every_file(tmp_path: Path, profile):
    # given a cache file full of random bytes
    path = damage(tmp_path / "results.sqlite3")
    png(tmp_path / "in" / "badge.png", (0, 255, 0))
    # when a scan uses it
    with ResultCache(path) as cache:
        results, batch = scan_all(tmp_path / "in", profile, cache=cache)
    # then the file was analysed, and the cache says what is wrong and how to recover
    assert "move it aside" in str(cache.damage)
    assert [r.report.verdict for r in results] == [Verdict.PERMISSION_REQUIRED] and batch.analysed == 1
    assert cache.damage.path == str(path) and cache.damage.store == "result cache"


def test_a_cache_damaged_during_a_scan_turns_into_misses(tmp_path: Path, profile):
    # given a working cache with one analysis
    png(tmp_path / "in" / "badge.png", (0, 255, 0))
    with ResultCache(tmp_path / "results.sqlite3") as cache:
        scan_all(tmp_path / "in", profile, cache=cache)
        # when its file is overwritten while it is open
        cache._db.close()
        cache._db = sqlite3.connect(damage(tmp_path / "results.sqlite3"))
        results, batch = scan_all(tmp_path / "in", profile, cache=cache)
        # then the next scan analyses the file again instead of failing
        assert batch.analysed == 1 and cache.damage is not None
        assert results[0].report.verdict == Verdict.PERMISSION_REQUIRED


@pytest.mark.parametrize("command", ["counts", "clear"])
def test_reading_or_clearing_a_damaged_cache_raises_the_damage(tmp_path: Path, command):
    with ResultCache(damage(tmp_path / "results.sqlite3")) as cache:
        with pytest.raises(StoreDamagedError, match="result cache .* is damaged"):
            getattr(cache, command)()


def test_a_worker_opening_a_damaged_cache_read_only_gets_misses(tmp_path: Path):
    with ResultCache(damage(tmp_path / "results.sqlite3"), read_only=True) as cache:
        assert cache.get("a" * 64, "key") is None and cache.damage is not None
