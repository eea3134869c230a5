"""Make the audio of every fixed answer ahead of time (`make audio`), and measure it:
synthesis time per message, the cache's size, and the audio's duration against the
text's length. Prints a summary and writes reports/speech.json."""

import json
import statistics
import time

from speech.synthesis import CACHE_DIR, FORMATS, ROOT, Speaker, encode, seconds_of, wave

REPORT = ROOT / "reports" / "speech.json"


def main() -> None:
    speaker = Speaker()
    messages = sorted(speaker.fixed)
    print(
        f"==> Reading aloud {len(messages)} fixed answers into {CACHE_DIR.relative_to(ROOT)}/",
        flush=True,
    )
    timings, ogg_timings, per_100_characters = [], [], []
    for number, spoken in enumerate(messages, 1):
        start = time.perf_counter()
        wav = wave(spoken)
        mp3 = encode(wav, FORMATS["mp3"])
        timings.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        encode(wav, FORMATS["ogg"])
        ogg_timings.append((time.perf_counter() - start) * 1000 + timings[-1])
        per_100_characters.append(seconds_of(wav) / len(spoken) * 100)
        path = CACHE_DIR / f"{speaker.key(spoken, FORMATS['mp3'])}.mp3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mp3)
        if number % 20 == 0 or number == len(messages):
            print(f"    {number}/{len(messages)}", flush=True)
    cache_bytes = sum(path.stat().st_size for path in CACHE_DIR.glob("*.mp3"))
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "messages": len(messages),
        "mp3_synthesis_ms": {
            "p50": round(statistics.median(timings)),
            "p95": round(statistics.quantiles(timings, n=20)[-1]),
            "max": round(max(timings)),
        },
        "ogg_voice_note_ms": {
            "p50": round(statistics.median(ogg_timings)),
            "p95": round(statistics.quantiles(ogg_timings, n=20)[-1]),
        },
        "cache_mb": round(cache_bytes / 2**20, 2),
        "seconds_of_audio_per_100_characters": {
            "p50": round(statistics.median(per_100_characters), 2),
            "min": round(min(per_100_characters), 2),
            "max": round(max(per_100_characters), 2),
        },
    }
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"Report: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
