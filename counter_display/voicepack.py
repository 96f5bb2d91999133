"""Voice packs: recorded segments that announce a call, and the generator of the default packs.

A voice pack is a folder ``config/voice/<pack>/`` holding one audio file per segment and a
``manifest.json``; the server serves it at ``/voice/<pack>/<file>`` and the board's
``announcer.js`` plays it. Announcements are assembled from segments, never synthesized at call
time, so they work offline and a site can replace any file with a human recording of the same name.

Manifest (format 1)::

    {"format": 1, "name": "vi-south", "language": "vi", "title": "...",
     "call":   ["chime", "call_intro", "{number}", "to_counter", "{counter}"],
     "recall": ["chime", "recall", "call_intro", "{number}", "to_counter", "{counter}"],
     "segments": {"chime": {"file": "chime.ogg", "text": "", "duration": 1.234}, ...}}

How a call is assembled (the same rules live in ``announcer.js``; ``segments_for_call`` is the
Python twin and the tests hold them equal):

- ``call`` (or ``recall`` when the call is a recall) lists segment ids; ``{number}`` and
  ``{counter}`` are placeholders.
- ``{number}``, the ticket number, is read **character by character**: ``1023`` → ``digit_1 digit_0
  digit_2 digit_3`` ("một không hai ba"). Digit by digit is clearer in a noisy lobby than "một nghìn
  không trăm hai mươi ba", works for any length (5-digit numbers too) and keeps leading zeros.
  Letters (a prefix such as ``A1023``) are read by their Vietnamese names, ``letter_a`` … ``letter_z``
  ("a", "bê", "xê", …). Case is ignored; Vietnamese letters fold to ASCII (Đ → D); spaces, dashes
  and anything else without a segment are skipped.
- ``{counter}`` is read as a number from ``counter_1`` … ``counter_99`` ("mười hai", "hai mươi
  mốt"); a counter without its own segment (100 and above) falls back to digit by digit.
- A segment id missing from ``segments`` is skipped, so a site pack may leave letters out.

Audio: segments are synthesized with espeak-ng (Southern voice ``vi-vn-x-south`` by default), the
silence around them trimmed with sox, loudness normalized, a short tail of silence added as the gap
between segments, and stored as mono Ogg Vorbis (plain WAV when this sox cannot write Vorbis). The
chime is synthesized with sox. ``sox -R`` keeps the output byte-for-byte repeatable.

Generate: ``python -m counter_display.voicepack --voice vi-vn-x-south --out config/voice/vi-south``
(and ``--voice en --out config/voice/en``).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

MANIFEST = "manifest.json"
FORMAT = 1
SAMPLE_RATE = 22050
# Vorbis quality: 0 is ~45 kbit/s at 22 kHz mono, plenty for a speech segment.
VORBIS_QUALITY = "0"

VI_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
# Southern Vietnamese letter names, as a citizen would spell a prefix aloud.
VI_LETTERS = {
    "a": "a", "b": "bê", "c": "xê", "d": "dê", "e": "e", "f": "ép", "g": "giê", "h": "hát",
    "i": "i", "j": "gi", "k": "ca", "l": "e lờ", "m": "em mờ", "n": "en nờ", "o": "o", "p": "pê",
    "q": "quy", "r": "e rờ", "s": "ét xì", "t": "tê", "u": "u", "v": "vê", "w": "vê kép",
    "x": "ích xì", "y": "i dài", "z": "dét",
}
EN_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
EN_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen"]

CALL_TEMPLATE = ["chime", "call_intro", "{number}", "to_counter", "{counter}"]
RECALL_TEMPLATE = ["chime", "recall", "call_intro", "{number}", "to_counter", "{counter}"]
MAX_NAMED_COUNTER = 99


def vietnamese_number(n: int) -> str:
    """Read 1–99 the way a Southern speaker says it: 12 → "mười hai", 21 → "hai mươi mốt"."""
    if not 0 < n < 100:
        raise ValueError(f"only 1-99 have a spoken form here, got {n}")
    tens, unit = divmod(n, 10)
    if tens == 0:
        return VI_DIGITS[unit]
    head = "mười" if tens == 1 else f"{VI_DIGITS[tens]} mươi"
    if unit == 0:
        return head
    if unit == 5:
        tail = "lăm"           # 15 "mười lăm", 25 "hai mươi lăm"
    elif unit == 1 and tens > 1:
        tail = "mốt"           # 21 "hai mươi mốt", but 11 "mười một"
    else:
        tail = VI_DIGITS[unit]
    return f"{head} {tail}"


def english_number(n: int) -> str:
    """Read 1–99 in English words: 12 → "twelve", 21 → "twenty one"."""
    if not 0 < n < 100:
        raise ValueError(f"only 1-99 have a spoken form here, got {n}")
    if n < 10:
        return EN_DIGITS[n]
    if n < 20:
        return EN_TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return EN_TENS[tens] if unit == 0 else f"{EN_TENS[tens]} {EN_DIGITS[unit]}"


@dataclass(frozen=True)
class Language:
    """The words of one language's pack."""

    code: str
    title: str
    phrases: dict[str, str]
    digits: list[str]
    letters: dict[str, str]
    counter_words: Any  # Callable[[int], str]


LANGUAGES: dict[str, Language] = {
    "vi": Language(
        code="vi",
        title="Tiếng Việt (giọng miền Nam)",
        phrases={"call_intro": "Mời công dân có số thứ tự", "to_counter": "đến quầy số",
                 "recall": "Xin nhắc lại"},
        digits=VI_DIGITS,
        letters=VI_LETTERS,
        counter_words=vietnamese_number,
    ),
    "en": Language(
        code="en",
        title="English",
        phrases={"call_intro": "Ticket", "to_counter": "please go to counter",
                 "recall": "Calling again"},
        digits=EN_DIGITS,
        # espeak-ng says a lone capital letter by its name.
        letters={c: c.upper() for c in "abcdefghijklmnopqrstuvwxyz"},
        counter_words=english_number,
    ),
}


def language_of_voice(voice: str) -> Language:
    """Pick the word table for an espeak-ng voice name (vi, vi-vn-x-south → vi; en, en-us → en)."""
    code = voice.split("-")[0].split("+")[0].lower()
    if code not in LANGUAGES:
        raise ValueError(f"no word table for voice {voice!r}; known: {', '.join(LANGUAGES)}")
    return LANGUAGES[code]


def segment_texts(lang: Language) -> dict[str, str]:
    """Every segment id of a pack with the text it speaks (the chime speaks nothing)."""
    texts: dict[str, str] = {"chime": ""}
    texts.update(lang.phrases)
    texts.update({f"digit_{d}": word for d, word in enumerate(lang.digits)})
    texts.update({f"letter_{c}": word for c, word in lang.letters.items()})
    texts.update({f"counter_{n}": lang.counter_words(n) for n in range(1, MAX_NAMED_COUNTER + 1)})
    return texts


# ---------------------------------------------------------------- assembling a call

def _fold(ch: str) -> str:
    """Fold a character to plain ASCII lower case so Đ reads as D and á as a."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFKD", ch)[:1]
    return base.lower()


def number_segments(number: str, segments: dict[str, Any]) -> list[str]:
    """Segment ids that read a ticket number character by character."""
    ids: list[str] = []
    for ch in str(number):
        c = _fold(ch)
        seg = f"digit_{c}" if c.isdigit() else f"letter_{c}" if c.isalpha() else ""
        if seg in segments:
            ids.append(seg)
    return ids


def counter_segments(counter: int | str, segments: dict[str, Any]) -> list[str]:
    """Segment ids that read a counter number as a number, digit by digit when it has no segment."""
    seg = f"counter_{int(counter)}"
    if seg in segments:
        return [seg]
    return number_segments(str(int(counter)), segments)


def segment_ids_for_call(manifest: dict[str, Any], number: str, counter: int | str,
                         recall: bool = False) -> list[str]:
    """The segment ids, in order, that announce one call."""
    segments = manifest["segments"]
    template: list[str] = (manifest.get("recall") or manifest["call"]) if recall else manifest["call"]
    ids: list[str] = []
    for item in template:
        if item == "{number}":
            ids.extend(number_segments(number, segments))
        elif item == "{counter}":
            ids.extend(counter_segments(counter, segments))
        elif item in segments:
            ids.append(item)
    return ids


def segments_for_call(manifest: dict[str, Any], number: str, counter: int | str,
                      recall: bool = False) -> list[str]:
    """The files, in order, that announce one call (the twin of XephangAnnouncer.segmentFiles)."""
    segments = manifest["segments"]
    return [segments[s]["file"] for s in segment_ids_for_call(manifest, number, counter, recall)]


def load_manifest(pack_dir: Path | str) -> dict[str, Any]:
    """Read a pack's manifest.json."""
    return json.loads((Path(pack_dir) / MANIFEST).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- generating a pack

def sox_writes_vorbis() -> bool:
    """True when this sox build can write Ogg Vorbis."""
    out = subprocess.run(["sox", "-h"], capture_output=True, text=True).stdout
    formats = next((line for line in out.splitlines() if line.startswith("AUDIO FILE FORMATS")), "")
    return "vorbis" in formats.split()


def _run(cmd: list[str]) -> None:
    """Run a tool, failing loudly with its stderr."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")


def _encode_args(ext: str) -> list[str]:
    """sox output options for the pack's file type."""
    args = ["-r", str(SAMPLE_RATE), "-c", "1"]
    return args + (["-C", VORBIS_QUALITY] if ext == "ogg" else ["-b", "16"])


def _duration(path: Path) -> float:
    """Length of an audio file in seconds, from soxi."""
    out = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True)
    return round(float(out.stdout.strip()), 3)


def make_chime(out: Path, ext: str, work: Path) -> None:
    """Synthesize a two-note "ding-dong" chime with sox."""
    notes = [("ding", 659.25), ("dong", 523.25)]  # E5 then C5
    parts = []
    for name, freq in notes:
        part = work / f"{name}.wav"
        # A sine with its octave, fast attack and a long fade, sounds like a soft bell.
        _run(["sox", "-R", "-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(part),
              "synth", "0.7", "sine", str(freq), "synth", "0.7", "sine", "mix", str(freq * 2),
              "fade", "q", "0.005", "0.7", "0.62", "vol", "0.45"])
        parts.append(str(part))
    _run(["sox", "-R", *parts, *_encode_args(ext), str(out), "pad", "0", "0.25"])


def make_speech(text: str, out: Path, ext: str, voice: str, speed: int, tail: float,
                work: Path) -> None:
    """Speak one segment with espeak-ng, trim its silence and store it compressed."""
    raw = work / "raw.wav"
    _run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text])
    # silence 1 … reverse silence 1 … reverse trims both ends; norm evens out loudness.
    _run(["sox", "-R", str(raw), *_encode_args(ext), str(out),
          "silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse",
          "norm", "-1", "pad", "0.02", f"{tail}"])


def _tail_for(seg: str) -> float:
    """Silence after a segment: short between digits, longer after a phrase or the chime."""
    if seg.startswith(("digit_", "letter_")):
        return 0.08
    return 0.2


def tool_versions() -> str:
    """espeak-ng and sox versions, recorded in the manifest: other versions give other bytes."""
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    sox = subprocess.run(["sox", "--version"], capture_output=True, text=True).stdout
    espeak_v = espeak.split("Data at")[0].replace("eSpeak NG text-to-speech:", "").strip()
    return f"espeak-ng {espeak_v}, sox {sox.split('SoX')[-1].strip()}"


def generate_pack(voice: str, out_dir: Path | str, name: str | None = None, speed: int = 140,
                  ext: str | None = None, only: Iterable[str] | None = None) -> dict[str, Any]:
    """Build a voice pack folder (audio files + manifest.json) and return the manifest."""
    for tool in ("espeak-ng", "sox", "soxi"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (apt-get install espeak-ng sox libsox-fmt-all)")
    lang = language_of_voice(voice)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext = ext or ("ogg" if sox_writes_vorbis() else "wav")
    texts = segment_texts(lang)
    wanted = set(only) if only else set(texts)
    segments: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="voicepack-") as tmp:
        work = Path(tmp)
        for seg, text in texts.items():
            if seg not in wanted:
                continue
            path = out / f"{seg}.{ext}"
            if seg == "chime":
                make_chime(path, ext, work)
            else:
                make_speech(text, path, ext, voice, speed, _tail_for(seg), work)
            segments[seg] = {"file": path.name, "text": text, "duration": _duration(path)}
    manifest = {
        "format": FORMAT,
        "name": name or out.name,
        "language": lang.code,
        "title": lang.title,
        "source": f"espeak-ng -v {voice} -s {speed}; chime synthesized with sox",
        "tools": tool_versions(),
        "number_reading": "digits",
        "counter_reading": "number",
        "call": CALL_TEMPLATE,
        "recall": RECALL_TEMPLATE,
        "segments": segments,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                encoding="utf-8")
    return manifest


def pack_size(pack_dir: Path | str) -> int:
    """Total bytes of a pack folder."""
    return sum(p.stat().st_size for p in Path(pack_dir).iterdir() if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Command line: generate a voice pack."""
    ap = argparse.ArgumentParser(prog="python -m counter_display.voicepack",
                                 description="Generate a voice pack with espeak-ng and sox.")
    ap.add_argument("--voice", default="vi-vn-x-south", help="espeak-ng voice (vi-vn-x-south, en)")
    ap.add_argument("--out", required=True, help="pack folder, e.g. config/voice/vi-south")
    ap.add_argument("--name", help="pack name (default: the folder name)")
    ap.add_argument("--speed", type=int, default=140, help="words per minute (espeak-ng -s)")
    ap.add_argument("--format", choices=["ogg", "wav"], help="audio type (default: ogg if sox can)")
    args = ap.parse_args(argv)
    manifest = generate_pack(args.voice, args.out, name=args.name, speed=args.speed, ext=args.format)
    print(f"{args.out}: {len(manifest['segments'])} segments, {pack_size(args.out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
