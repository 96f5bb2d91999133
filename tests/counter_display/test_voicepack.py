"""The voice packs in config/voice: complete, decodable, small, and assembled as documented."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from counter_display.voicepack import (generate_pack, load_manifest, pack_size, segments_for_call,
                                       vietnamese_number)

VOICE = Path(__file__).resolve().parents[2] / "config" / "voice"
PACKS = ["vi-south", "en"]


@pytest.mark.parametrize("pack", PACKS)
def test_manifest_lists_every_file_and_every_file_decodes(pack):
    folder = VOICE / pack
    manifest = load_manifest(folder)
    files = {seg["file"] for seg in manifest["segments"].values()}
    on_disk = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert files == on_disk
    for seg_id, seg in manifest["segments"].items():
        # soxi reads the header and counts samples: a file it can't decode fails here
        out = subprocess.run(["soxi", "-D", str(folder / seg["file"])], capture_output=True,
                             text=True, check=True)
        assert float(out.stdout) == pytest.approx(seg["duration"], abs=0.01), seg_id
        assert 0.1 < seg["duration"] < 4, seg_id


@pytest.mark.parametrize("pack", PACKS)
def test_pack_has_digits_letters_counters_and_phrases(pack):
    segments = load_manifest(VOICE / pack)["segments"]
    wanted = {"chime", "call_intro", "to_counter", "recall"}
    wanted |= {f"digit_{d}" for d in range(10)}
    wanted |= {f"counter_{n}" for n in range(1, 100)}
    wanted |= {f"letter_{c}" for c in "abcdefghijklmnopqrstuvwxyz"}
    assert wanted <= set(segments)


@pytest.mark.parametrize("pack", PACKS)
def test_pack_is_small(pack):
    assert pack_size(VOICE / pack) < 2 * 1024 * 1024


def test_vietnamese_pack_speaks_the_call_sentence():
    manifest = load_manifest(VOICE / "vi-south")
    assert manifest["language"] == "vi"
    texts = [manifest["segments"][f.rsplit(".", 1)[0]]["text"]
             for f in segments_for_call(manifest, "1023", 12)]
    assert " ".join(t for t in texts if t) == "Mời công dân có số thứ tự một không hai ba đến quầy số mười hai"


def test_english_pack_speaks_the_call_sentence():
    manifest = load_manifest(VOICE / "en")
    texts = [manifest["segments"][f.rsplit(".", 1)[0]]["text"]
             for f in segments_for_call(manifest, "A1023", 12, recall=True)]
    assert " ".join(t for t in texts if t) == \
        "Calling again Ticket A one zero two three please go to counter twelve"


def test_call_assembly_rules():
    manifest = load_manifest(VOICE / "vi-south")
    assert segments_for_call(manifest, "1023", 12) == [
        "chime.ogg", "call_intro.ogg", "digit_1.ogg", "digit_0.ogg", "digit_2.ogg", "digit_3.ogg",
        "to_counter.ogg", "counter_12.ogg"]
    recall = segments_for_call(manifest, "đ-07", 105, recall=True)
    assert recall == ["chime.ogg", "recall.ogg", "call_intro.ogg", "letter_d.ogg", "digit_0.ogg",
                      "digit_7.ogg", "to_counter.ogg", "digit_1.ogg", "digit_0.ogg", "digit_5.ogg"]


def test_counter_words_follow_southern_usage():
    assert [vietnamese_number(n) for n in (1, 10, 11, 12, 15, 20, 21, 24, 25, 55, 99)] == [
        "một", "mười", "mười một", "mười hai", "mười lăm", "hai mươi", "hai mươi mốt",
        "hai mươi bốn", "hai mươi lăm", "năm mươi lăm", "chín mươi chín"]


def test_generator_is_deterministic_and_matches_the_committed_pack(tmp_path):
    only = ["chime", "digit_1", "counter_12", "call_intro", "letter_a"]
    first = generate_pack("vi-vn-x-south", tmp_path / "a" / "vi-south", only=only)
    generate_pack("vi-vn-x-south", tmp_path / "b" / "vi-south", only=only)
    committed = VOICE / "vi-south"
    same_tools = first["tools"] == load_manifest(committed)["tools"]
    for seg in only:
        name = f"{seg}.ogg"
        fresh = (tmp_path / "a" / "vi-south" / name).read_bytes()
        assert fresh == (tmp_path / "b" / "vi-south" / name).read_bytes(), name
        if same_tools:   # other espeak-ng/sox versions make other (equally valid) bytes
            assert fresh == (committed / name).read_bytes(), name
