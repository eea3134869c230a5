"""The benchmark behind `make bench`: our assistant against the same assistant on Rasa's
default configuration (the `rasa init` pipeline and policies), in one run.

Prints a table and writes reports/bench.json:
- NLU as a person sees it (a fallback is a miss): accuracy, macro-F1 and fallback rate
  on the held-out set, accuracy on the blind set, and milliseconds per message;
- latency per message through REST, p50/p95/p99, and messages per second, with 1
  user and with 20 concurrent conversations (the held-out messages, in conversations),
  each model served by one Rasa process with the same action server;
- training time, model size, server start-up time, peak memory of the embedded
  stack (Rasa server, action server, web app; databases not counted).
A model is trained only when its inputs changed: both go through `make train`'s script.
"""

import asyncio
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the real servers, started as the end-to-end tests do
from helpers import RASA, Servers, new_sender, rasa_env  # noqa: E402
from nlu.evaluation import examples, parse_requests, quiet_parsing, summarise  # noqa: E402
from rasa.core.agent import Agent  # noqa: E402

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
BLIND = ROOT / "tests" / "nlu" / "blind.yml"
NLU_WARM_UP = 20
DEFAULT_CONFIG = ROOT / "bench" / "default-config.yml"
BENCH_MODELS = ROOT / "var" / "bench"
REPORT = ROOT / "reports" / "bench.json"
CONVERSATION_LENGTH = 8
CONCURRENT_USERS = 20
ROUNDS_AT_20 = 3  # each conversation is run this many times under load, for enough samples
TARGETS = {"p95_ms_1_user": 100, "throughput_ratio_20_users": 2.0, "stack_rss_mb": 1536,
           "nlu_ms_per_message": 10}


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def train(config: Path, out: Path, name: str) -> dict:
    """`make train`'s script (it trains only when the inputs changed); what it did."""
    arguments = [str(config.relative_to(ROOT)), str(out.relative_to(ROOT)), name]  # as make's
    output = subprocess.run(["scripts/train.sh", *arguments], cwd=ROOT,
                            env=rasa_env(), check=True, capture_output=True, text=True).stdout
    step(f"{name}: {output.strip().splitlines()[-1].lstrip('= >')}")
    seconds = out / f"{name}.train-seconds"
    return {"seconds": float(seconds.read_text()) if seconds.exists() else None,
            "retrained": "up to date" not in output, "model": str(out / f"{name}.tar.gz")}


def evaluate_nlu(model: Path) -> dict:
    """As a person sees it (a fallback is a miss) on the held-out and blind sets, and the
    NLU's time per message (every step of the pipeline, place reading and spelling
    included), parsed one by one in this process after a warm-up."""
    sets = {"heldout": examples(HELDOUT), "blind": examples(BLIND)}
    texts = [text for labelled in sets.values() for _, text in labelled]
    quiet_parsing()

    async def parse() -> tuple[list[dict], float]:
        agent = Agent.load(str(model))
        for text in texts[:NLU_WARM_UP]:
            await agent.parse_message(text)
        start = time.perf_counter()
        parsed = [await parse_requests(agent, text) for text in texts]
        return parsed, (time.perf_counter() - start) * 1000 / len(texts)

    parsed, ms_per_message = asyncio.run(parse())
    results = iter(parsed)
    views = {name: summarise(labelled, [next(results) for _ in labelled])
             for name, labelled in sets.items()}
    return {"accuracy": views["heldout"]["accuracy"], "macro_f1": views["heldout"]["macro_f1"],
            "fallback_rate": views["heldout"]["fallback_rate"],
            "blind_accuracy": views["blind"]["accuracy"],
            "blind_fallback_rate": views["blind"]["fallback_rate"],
            "ms_per_message": round(ms_per_message, 2)}


def conversations() -> list[list[str]]:
    """The held-out messages, one intent after another, cut into conversations."""
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))["nlu"]
    by_intent = [[line[2:].strip() for line in block["examples"].splitlines() if line.strip()]
                 for block in data]
    mixed = [messages[i] for i in range(max(map(len, by_intent)))
             for messages in by_intent if i < len(messages)]
    return [mixed[i:i + CONVERSATION_LENGTH] for i in range(0, len(mixed), CONVERSATION_LENGTH)]


async def run_load(webhook: str, talks: list[list[str]], users: int) -> dict:
    """Run the conversations with `users` at a time; latency per message and throughput."""
    queue: asyncio.Queue = asyncio.Queue()
    for talk in talks:
        queue.put_nowait(talk)
    latencies: list[float] = []
    failures = 0

    async def user(http: aiohttp.ClientSession) -> None:
        nonlocal failures
        while not queue.empty():
            talk, sender = queue.get_nowait(), new_sender()
            for text in talk:
                start = time.perf_counter()
                async with http.post(webhook, json={"sender": sender, "message": text}) as answer:
                    await answer.read()
                    failures += answer.status != 200
                latencies.append(time.perf_counter() - start)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        start = time.perf_counter()
        await asyncio.gather(*(user(http) for _ in range(users)))
        elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "messages": len(latencies), "failures": failures,
        "p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "messages_per_s": round(len(latencies) / elapsed, 1),
    }


def peak_rss_mb(pid: int) -> float:
    """The process's resident-memory high-water mark (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_serving(name: str, model: Path) -> dict:
    """Start the embedded stack on this model, warm it up, then load it with 1 and 20 users."""
    with tempfile.TemporaryDirectory() as workdir:
        servers = Servers(Path(workdir), model)
        try:
            step(f"{name}: starting the action server, the web app and one Rasa server")
            servers.start_actions()
            start = time.monotonic()
            servers.start_rasa()
            startup = time.monotonic() - start
            servers.start_console()
            web = servers.processes[-1]
            talks = conversations()
            asyncio.run(run_load(servers.webhook, talks[:3], 1))  # warm-up
            step(f"{name}: {sum(map(len, talks))} messages, 1 user")
            one = asyncio.run(run_load(servers.webhook, talks, 1))
            step(f"{name}: {sum(map(len, talks)) * ROUNDS_AT_20} messages, "
                 f"{CONCURRENT_USERS} concurrent conversations")
            many = asyncio.run(run_load(servers.webhook, talks * ROUNDS_AT_20, CONCURRENT_USERS))
            rss = {label: round(peak_rss_mb(process.pid)) for label, process in
                   (("rasa", servers.rasa), ("actions", servers.actions), ("web", web))}
        finally:
            servers.stop()
    return {"startup_s": round(startup, 1), "one_user": one, "concurrent": many,
            "peak_rss_mb": rss, "stack_peak_rss_mb": sum(rss.values())}


def table(report: dict) -> str:
    ours, default = report["ours"], report["default"]
    rows = [
        ("held-out accuracy / fallback, as seen",
         lambda r: f"{r['nlu']['accuracy']:.3f} / {r['nlu']['fallback_rate']:.1%}"),
        ("held-out macro-F1, as seen", lambda r: f"{r['nlu']['macro_f1']:.3f}"),
        ("blind accuracy / fallback, as seen",
         lambda r: f"{r['nlu']['blind_accuracy']:.3f} / {r['nlu']['blind_fallback_rate']:.1%}"),
        ("NLU ms per message", lambda r: f"{r['nlu']['ms_per_message']:.1f}"),
        ("1 user p50 / p95 / p99 (ms)",
         lambda r: "{p50_ms} / {p95_ms} / {p99_ms}".format(**r["serving"]["one_user"])),
        ("1 user messages/s", lambda r: str(r["serving"]["one_user"]["messages_per_s"])),
        (f"{CONCURRENT_USERS} users p50 / p95 / p99 (ms)",
         lambda r: "{p50_ms} / {p95_ms} / {p99_ms}".format(**r["serving"]["concurrent"])),
        (f"{CONCURRENT_USERS} users messages/s",
         lambda r: str(r["serving"]["concurrent"]["messages_per_s"])),
        ("last training (s)", lambda r: str(r["training"]["seconds"])),
        ("model size (MB)", lambda r: str(r["model_mb"])),
        ("Rasa server start-up (s)", lambda r: str(r["serving"]["startup_s"])),
        ("embedded stack peak RSS (MB)", lambda r: str(r["serving"]["stack_peak_rss_mb"])),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{'':{width}}  {'ours':>22}  {'Rasa default':>22}"]
    lines += [f"{label:{width}}  {value(ours):>22}  {value(default):>22}" for label, value in rows]
    return "\n".join(lines)


def verdicts(report: dict) -> dict:
    ours, default = report["ours"], report["default"]
    ratio = (ours["serving"]["concurrent"]["messages_per_s"]
             / default["serving"]["concurrent"]["messages_per_s"])
    return {
        "macro_f1_at_least_default": ours["nlu"]["macro_f1"] >= default["nlu"]["macro_f1"],
        "throughput_ratio_20_users": round(ratio, 2),
        "throughput_at_least_2x_default": ratio >= TARGETS["throughput_ratio_20_users"],
        "p95_1_user_within_100_ms":
            ours["serving"]["one_user"]["p95_ms"] <= TARGETS["p95_ms_1_user"],
        "stack_within_1_5_gb": ours["serving"]["stack_peak_rss_mb"] <= TARGETS["stack_rss_mb"],
        "nlu_within_10_ms": ours["nlu"]["ms_per_message"] <= TARGETS["nlu_ms_per_message"],
        "no_retraining_when_unchanged": not ours["training"]["retrained_on_second_call"],
    }


def main() -> None:
    BENCH_MODELS.mkdir(parents=True, exist_ok=True)
    report: dict = {"machine": {"cpus": subprocess.check_output(["nproc"], text=True).strip(),
                                "platform": platform.platform(),
                                "python": platform.python_version()},
                    "date": time.strftime("%Y-%m-%d %H:%M")}
    for name, config, out in (("ours", ROOT / "config.yml", ROOT / "models"),
                              ("default", DEFAULT_CONFIG, BENCH_MODELS)):
        training = train(config, out, "clea" if name == "ours" else name)
        if name == "ours":  # a second call must find the model up to date
            training["retrained_on_second_call"] = train(config, out, "clea")["retrained"]
        model = Path(training.pop("model"))
        step(f"{name}: evaluating NLU on the held-out set")
        report[name] = {
            "training": training, "model_mb": round(model.stat().st_size / 2**20, 1),
            "nlu": evaluate_nlu(model), "serving": measure_serving(name, model),
        }
    report["targets"] = verdicts(report)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print()
    print(table(report))
    print()
    for target, value in report["targets"].items():
        print(f"{target}: {value}")
    print(f"\nReport: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
