"""The benchmark behind `make bench`: our whole stack against a stock Rasa deployment of
the same assistant, and the scaled mode with 1 and 2 Rasa servers.

- NLU as a person sees it (a fallback is a miss) for both models: accuracy, macro-F1 and
  fallback rate on the held-out set, accuracy on the blind set, milliseconds per message.
- Both stacks side by side on SQLite, the same domain, data and action server:
  - ours: our configuration, channels and tracker store (`bot/endpoints.yml`);
  - stock: Rasa's default configuration (`bench/default-config.yml`), its `rest` channel
    and its SQL tracker store.
  - The per-turn curve of one conversation of 300 ordinary messages: p50/p95 per window
    of 50 turns, and p50 at turns 1-10 against 291-300.
  - 20 concurrent conversations of 40 turns (information, routing, the quiz by its
    buttons, a pre-dossier), alternating the stacks (ABAB), median of 3 rounds: the
    capacity (no pause between messages); then once more with people pausing 2 s on
    average between an answer and their next message: the latency they get.
  - Start-up time and the peak memory of our embedded stack (Rasa, actions, web app).
- The scaled mode (nginx, PostgreSQL, Redis, 2 action servers): 20 conversations with
  1 Rasa server, then 2, alternating, median of 3 rounds.
Prints what it does and a table; writes reports/bench.json. A model is trained only when
its inputs changed (`make train`'s script).
"""

import asyncio
import functools
import json
import platform
import random
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import yaml
from rasa.core.agent import Agent
from sqlalchemy import text

from deploy.scaled import ScaledStack, Settings
from dossiers.db import make_engine
from harness.evaluation import examples, parse_requests, quiet_parsing, summarise
from harness.processes import free_port
from harness.servers import ACTIONS_TOKEN, ROOT, SECRET, Servers, new_sender, rasa_env
from settings import current

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
BLIND = ROOT / "tests" / "nlu" / "blind.yml"
NLU_WARM_UP = 20
DEFAULT_CONFIG = ROOT / "bench" / "default-config.yml"
BENCH_MODELS = ROOT / "var" / "bench"
REPORT = ROOT / "reports" / "bench.json"
LIFTED_RATE = {"CLEA_CONVERSATION_RATE": "100000"}  # a person's 30 a minute, compressed
CURVE_TURNS = 300
CURVE_WINDOW = 50
# Six ordinary messages, one conversation: information, financing, a commune, thanks.
CURVE_MESSAGES = (
    "c'est quoi cléa",
    "qui paie la formation",
    "j'habite à Lens",
    "merci",
    "ça dure combien de temps",
    "je suis salarié",
)
CONCURRENT = 20
ROUNDS = 3
# People read the answer and type or click: seconds between messages. At no pause the
# load measures capacity, and its latency is bound to be near 20 / messages per second.
PAUSE_S = 2.0
BUTTON = None  # in a script: click the first button of the last answer ("oui" if none)
# 40 turns: information, routing, the quiz (21 questions by their buttons), a pre-dossier.
CONVERSATION = (
    "bonjour",
    "c koi clea",
    "c pour qui",
    "quels sont les 7 domaines",
    "ça dure combien de temps",
    "qui paie la formation",
    "j'habite à Lens",
    "et pour amiens ?",
    "merci",
    "je veux tester mon niveau",
    *[BUTTON] * 21,
    "je veux m'inscrire à cléa",
    "Arras",
    BUTTON,
    "Léa",
    "Durand",
    "06 12 34 56 78",
    "demandeur d'emploi",
    "Le matin",
    "/affirm",
)
TARGETS = {
    "curve_ratio": 1.3,
    "p95_ms_1_user": 100,
    "throughput_ratio": 2.0,
    "p95_ms_20_users": 300,
    "stack_rss_mb": 1536,
    "startup_s": 15,
    "nlu_ms_per_message": 10,
}


def step(text_: str) -> None:
    print(f"==> {text_}", flush=True)


def train(config: Path, out: Path, name: str) -> dict:
    """`make train`'s script (it trains only when the inputs changed); what it did."""
    arguments = [str(config.relative_to(ROOT)), str(out.relative_to(ROOT)), name]  # as make's
    output = subprocess.run(
        ["scripts/train.sh", *arguments],
        cwd=ROOT,
        env=rasa_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    step(f"{name}: {output.strip().splitlines()[-1].lstrip('= >')}")
    seconds = out / f"{name}.train-seconds"
    return {
        "seconds": float(seconds.read_text()) if seconds.exists() else None,
        "retrained": "up to date" not in output,
        "model": str(out / f"{name}.tar.gz"),
    }


def evaluate_nlu(model: Path) -> dict:
    """As a person sees it (a fallback is a miss) on the held-out and blind sets, and the
    NLU's time per message, parsed one by one in this process after a warm-up."""
    sets = {"heldout": examples(HELDOUT), "blind": examples(BLIND)}
    texts = [text_ for labelled in sets.values() for _, text_ in labelled]
    quiet_parsing()

    async def parse() -> tuple[list[list[dict]], float]:
        agent = Agent.load(str(model))
        for text_ in texts[:NLU_WARM_UP]:
            await agent.parse_message(text_)
        start = time.perf_counter()
        parsed = [await parse_requests(agent, text_) for text_ in texts]
        return parsed, (time.perf_counter() - start) * 1000 / len(texts)

    parsed, ms_per_message = asyncio.run(parse())
    results = iter(parsed)
    views = {
        name: summarise(labelled, [next(results) for _ in labelled])
        for name, labelled in sets.items()
    }
    return {
        "accuracy": views["heldout"]["accuracy"],
        "macro_f1": views["heldout"]["macro_f1"],
        "fallback_rate": views["heldout"]["fallback_rate"],
        "blind_accuracy": views["blind"]["accuracy"],
        "blind_fallback_rate": views["blind"]["fallback_rate"],
        "ms_per_message": round(ms_per_message, 2),
    }


def quantiles_ms(latencies: list[float]) -> dict:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1)}


async def converse(
    http: aiohttp.ClientSession,
    webhook: str,
    sender: str,
    script: tuple,
    latencies: list[float],
    pause_s: float = 0.0,
) -> int:
    """One conversation of `script`, `pause_s` between an answer and the next message
    (on average: from half to one and a half times); each message's latency added; the
    failures."""
    failures, last = 0, list[dict]()
    pauses = random.Random(sender)
    for scripted in script:
        if pause_s and last:
            await asyncio.sleep(pause_s * pauses.uniform(0.5, 1.5))
        message = scripted
        if scripted is BUTTON:
            buttons = (last[-1].get("buttons") if last else None) or [{"payload": "oui"}]
            message = buttons[0]["payload"]
        start = time.perf_counter()
        async with http.post(webhook, json={"sender": sender, "message": message}) as answer:
            last = await answer.json() if answer.status == 200 else []
            failures += answer.status != 200
        latencies.append(time.perf_counter() - start)
    return failures


async def curve(webhook: str) -> dict:
    """One conversation of `CURVE_TURNS` ordinary messages: the cost of a turn as it grows."""
    script = tuple(CURVE_MESSAGES[turn % len(CURVE_MESSAGES)] for turn in range(CURVE_TURNS))
    latencies: list[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        failures = await converse(http, webhook, new_sender(), script, latencies)
    windows = [
        {
            "turns": f"{first + 1}-{first + CURVE_WINDOW}",
            **quantiles_ms(latencies[first : first + CURVE_WINDOW]),
        }
        for first in range(0, CURVE_TURNS, CURVE_WINDOW)
    ]
    first, last = (
        statistics.median(latencies[:10]) * 1000,
        statistics.median(latencies[-10:]) * 1000,
    )
    return {
        "windows": windows,
        "failures": failures,
        "p50_ms_turns_1_10": round(first, 1),
        "p50_ms_turns_291_300": round(last, 1),
        "ratio": round(last / first, 2),
        "max_window_p95_ms": max(window["p95_ms"] for window in windows),
    }


async def load(webhook: str, conversations: int = CONCURRENT, pause_s: float = 0.0) -> dict:
    """`conversations` people at once, each through `CONVERSATION`, `pause_s` between an
    answer and their next message (none: the stack's capacity)."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http:
        start = time.perf_counter()
        failures = await asyncio.gather(
            *(
                converse(http, webhook, new_sender(), CONVERSATION, latencies, pause_s)
                for _ in range(conversations)
            )
        )
        elapsed = time.perf_counter() - start
    return {
        "messages": len(latencies),
        "failures": sum(failures),
        **quantiles_ms(latencies),
        "messages_per_s": round(len(latencies) / elapsed, 1),
    }


def median_round(rounds: list[dict]) -> dict:
    """The round of median throughput, with every round's throughput."""
    ordered = sorted(rounds, key=lambda result: result["messages_per_s"])
    return {
        **ordered[len(ordered) // 2],
        "rounds_messages_per_s": [result["messages_per_s"] for result in rounds],
    }


def load_in_new_loop(webhook: str) -> dict:
    """`load` run to its end in an event loop of its own."""
    return asyncio.run(load(webhook))


def alternate(stacks: dict[str, Callable[[], dict]]) -> dict[str, dict]:
    """Each stack's load, ABAB for `ROUNDS` rounds; the median round of each."""
    rounds: dict[str, list[dict]] = {name: [] for name in stacks}
    for number in range(1, ROUNDS + 1):
        for name, run in stacks.items():
            rounds[name].append(run())
            result = rounds[name][-1]
            step(
                f"round {number}, {name}: {result['messages_per_s']} messages/s, "
                f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                f"{result['failures']} failed"
            )
    return {name: median_round(results) for name, results in rounds.items()}


def peak_rss_mb(pid: int) -> float:
    """The process's resident-memory high-water mark (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stock_files(workdir: Path, actions_port: int) -> tuple[Path, Path]:
    """Rasa's stock SQL tracker store and `rest` channel, calling our action server."""
    endpoints, credentials = workdir / "endpoints.yml", workdir / "credentials.yml"
    endpoints.write_text(
        yaml.safe_dump(
            {
                "action_endpoint": {
                    "url": f"http://127.0.0.1:{actions_port}/webhook",
                    "headers": {"X-Clea-Actions-Token": ACTIONS_TOKEN},
                },
                "tracker_store": {
                    "type": "SQL",
                    "dialect": "sqlite",
                    "db": str(workdir / "trackers.db"),
                },
            }
        )
    )
    credentials.write_text(yaml.safe_dump({"rest": None}))
    return endpoints, credentials


def measure_embedded(ours_model: Path, stock_model: Path) -> dict:
    """Both stacks side by side: start-up, the 300-turn curve, 20 conversations ABAB."""
    with tempfile.TemporaryDirectory() as workdir:
        (Path(workdir) / "ours").mkdir()
        (Path(workdir) / "stock").mkdir()
        ours = Servers(Path(workdir) / "ours", ours_model)
        ours.env.update(LIFTED_RATE)
        stock = Servers(Path(workdir) / "stock", stock_model, actions_port=ours.actions_port)
        try:
            step("starting the action server, our Rasa server and our web app")
            ours.start_actions()
            start = time.monotonic()
            ours.start_rasa()
            startup = {"ours": round(time.monotonic() - start, 1)}
            ours.start_console()
            step("starting the stock Rasa server (stock rest channel and SQL tracker store)")
            start = time.monotonic()
            stock.start_rasa(*stock_files(Path(workdir) / "stock", ours.actions_port))
            startup["stock"] = round(time.monotonic() - start, 1)
            webhooks = {"ours": ours.webhook, "stock": stock.webhook}
            for webhook in webhooks.values():
                asyncio.run(load(webhook, conversations=2))  # warm-up
            curves = {}
            for name, webhook in webhooks.items():
                step(f"{name}: one conversation of {CURVE_TURNS} turns")
                curves[name] = asyncio.run(curve(webhook))
                step(
                    f"{name}: p50 {curves[name]['p50_ms_turns_1_10']} ms at turns 1-10, "
                    f"{curves[name]['p50_ms_turns_291_300']} ms at turns 291-300"
                )
            step(f"{CONCURRENT} conversations of {len(CONVERSATION)} turns, ABAB, {ROUNDS} rounds")
            concurrent = alternate(
                {
                    name: functools.partial(load_in_new_loop, webhook)
                    for name, webhook in webhooks.items()
                }
            )
            paced = {}
            for name, webhook in webhooks.items():
                step(
                    f"{name}: {CONCURRENT} conversations, {PAUSE_S:g} s between an answer "
                    "and the next message"
                )
                paced[name] = asyncio.run(load(webhook, pause_s=PAUSE_S))
                step(f"{name}: p50 {paced[name]['p50_ms']} ms, p95 {paced[name]['p95_ms']} ms")
            processes = {"rasa": ours.rasa, "actions": ours.actions, "web": ours.processes[-1]}
            rss = {label: round(peak_rss_mb(process.pid)) for label, process in processes.items()}
        finally:
            stock.stop()
            ours.stop()
    return {
        "startup_s": startup,
        "curve": curves,
        "concurrent": concurrent,
        "paced": paced,
        "ours_peak_rss_mb": rss,
        "ours_stack_peak_rss_mb": sum(rss.values()),
    }


def measure_scaled(model: Path) -> dict:
    """Our scaled stack with 2 Rasa servers; nginx sends to 1 of them, then to both."""
    schema = f"clea_bench_{uuid.uuid4().hex[:12]}"
    with make_engine(current().bench_postgres_url).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        with tempfile.TemporaryDirectory() as workdir:
            settings = Settings(
                workdir=Path(workdir),
                model=model,
                public_port=free_port(),
                rasa_ports=[free_port(), free_port()],
                actions_ports=[free_port(), free_port()],
                actions_lb_port=free_port(),
                rasa_lb_port=free_port(),
                web_port=free_port(),
                pg_schema=schema,
                redis_prefix=f"bench{uuid.uuid4().hex[:8]}",
            )
            stack = ScaledStack(settings)
            stack.env.update({"CLEA_SECRET_KEY": SECRET, **LIFTED_RATE})
            step(
                "starting the scaled mode: nginx, 2 Rasa servers, 2 action servers, "
                "PostgreSQL, Redis"
            )
            stack.start()
            webhook = f"http://127.0.0.1:{settings.rasa_lb_port}/webhooks/rest/webhook"
            try:
                asyncio.run(load(webhook, conversations=4))  # warm-up, both servers

                def servers(count: int) -> dict:
                    stack.reload_nginx(down=frozenset(settings.rasa_ports[count:]))
                    return asyncio.run(load(webhook))

                step(
                    f"{CONCURRENT} conversations through nginx, 1 then 2 Rasa servers, "
                    f"{ROUNDS} rounds"
                )
                results = alternate(
                    {"1 server": lambda: servers(1), "2 servers": lambda: servers(2)}
                )
            finally:
                stack.stop()
    finally:
        with make_engine(current().bench_postgres_url).begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    one, two = results["1 server"], results["2 servers"]
    return {
        "one_server": one,
        "two_servers": two,
        "ratio": round(two["messages_per_s"] / one["messages_per_s"], 2),
    }


def verdicts(report: dict) -> dict:
    embedded = report["embedded"]
    ours, stock = embedded["concurrent"]["ours"], embedded["concurrent"]["stock"]
    ratio = ours["messages_per_s"] / stock["messages_per_s"]
    curve_ = embedded["curve"]["ours"]
    return {
        "curve_ratio_291_300_vs_1_10": curve_["ratio"],
        "curve_within_1_3x": curve_["ratio"] <= TARGETS["curve_ratio"],
        "p95_1_user_within_100_ms_at_every_turn": curve_["max_window_p95_ms"]
        <= TARGETS["p95_ms_1_user"],
        "throughput_ratio_20_users": round(ratio, 2),
        "throughput_at_least_2x_stock": ratio >= TARGETS["throughput_ratio"],
        "p95_20_users_within_300_ms": ours["p95_ms"] <= TARGETS["p95_ms_20_users"],
        "p95_20_paced_users_within_300_ms": embedded["paced"]["ours"]["p95_ms"]
        <= TARGETS["p95_ms_20_users"],
        "stack_within_1_5_gb": embedded["ours_stack_peak_rss_mb"] <= TARGETS["stack_rss_mb"],
        "startup_within_15_s": embedded["startup_s"]["ours"] <= TARGETS["startup_s"],
        "macro_f1_at_least_stock": report["nlu"]["ours"]["macro_f1"]
        >= report["nlu"]["stock"]["macro_f1"],
        "nlu_within_10_ms": report["nlu"]["ours"]["ms_per_message"]
        <= TARGETS["nlu_ms_per_message"],
        "scaled_ratio_2_vs_1_server": report["scaled"]["ratio"],
        "no_retraining_when_unchanged": not report["training"]["ours"]["retrained_on_second_call"],
    }


def tables(report: dict) -> str:
    embedded, nlu = report["embedded"], report["nlu"]
    lines = [f"{'':44}{'ours':>22}{'stock Rasa':>22}"]

    def row(label: str, value: Callable[[str], str]) -> None:
        lines.append(f"{label:44}{value('ours'):>22}{value('stock'):>22}")

    row(
        "held-out accuracy / fallback, as seen",
        lambda s: f"{nlu[s]['accuracy']:.3f} / {nlu[s]['fallback_rate']:.1%}",
    )
    row("held-out macro-F1, as seen", lambda s: f"{nlu[s]['macro_f1']:.3f}")
    row(
        "blind accuracy / fallback, as seen",
        lambda s: f"{nlu[s]['blind_accuracy']:.3f} / {nlu[s]['blind_fallback_rate']:.1%}",
    )
    row("NLU ms per message", lambda s: f"{nlu[s]['ms_per_message']:.1f}")
    row(
        "p50 turns 1-10 / 291-300 (ms)",
        lambda s: "{p50_ms_turns_1_10} / {p50_ms_turns_291_300}".format(**embedded["curve"][s]),
    )

    def window_row(index: int, stack: str) -> str:
        return "{p50_ms} / {p95_ms}".format(**embedded["curve"][stack]["windows"][index])

    for index, window in enumerate(embedded["curve"]["ours"]["windows"]):
        row(f"  turns {window['turns']}: p50 / p95 (ms)", functools.partial(window_row, index))
    row(
        f"{CONCURRENT} conversations: messages/s",
        lambda s: str(embedded["concurrent"][s]["messages_per_s"]),
    )
    row(
        f"{CONCURRENT} conversations: p50 / p95 (ms)",
        lambda s: "{p50_ms} / {p95_ms}".format(**embedded["concurrent"][s]),
    )
    row(
        f"{CONCURRENT} conversations: failed messages",
        lambda s: str(embedded["concurrent"][s]["failures"]),
    )
    row(
        f"{CONCURRENT} paced conversations: p50 / p95 (ms)",
        lambda s: "{p50_ms} / {p95_ms}".format(**embedded["paced"][s]),
    )
    row("Rasa server start-up (s)", lambda s: str(embedded["startup_s"][s]))
    row("model size (MB)", lambda s: str(report["model_mb"][s]))
    lines.append(f"{'embedded stack peak RSS (MB)':44}{embedded['ours_stack_peak_rss_mb']:>22}")
    scaled = report["scaled"]
    lines.append("")
    lines.append(
        f"scaled mode, {CONCURRENT} conversations: 1 server "
        f"{scaled['one_server']['messages_per_s']} messages/s (p95 "
        f"{scaled['one_server']['p95_ms']} ms), 2 servers "
        f"{scaled['two_servers']['messages_per_s']} messages/s (p95 "
        f"{scaled['two_servers']['p95_ms']} ms): {scaled['ratio']}x"
    )
    return "\n".join(lines)


def main() -> None:
    BENCH_MODELS.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "machine": {
            "cpus": subprocess.check_output(["nproc"], text=True).strip(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    ours = train(ROOT / "config.yml", ROOT / "models", "clea")
    ours["retrained_on_second_call"] = train(ROOT / "config.yml", ROOT / "models", "clea")[
        "retrained"
    ]
    stock = train(DEFAULT_CONFIG, BENCH_MODELS, "default")
    models = {"ours": Path(ours.pop("model")), "stock": Path(stock.pop("model"))}
    report["training"] = {"ours": ours, "stock": stock}
    report["model_mb"] = {
        name: round(model.stat().st_size / 2**20, 1) for name, model in models.items()
    }
    report["nlu"] = {}
    for name, model in models.items():
        step(f"{name}: NLU on the held-out and blind sets")
        report["nlu"][name] = evaluate_nlu(model)
    report["embedded"] = measure_embedded(models["ours"], models["stock"])
    report["scaled"] = measure_scaled(models["ours"])
    report["targets"] = verdicts(report)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print()
    print(tables(report))
    print()
    for target, value in report["targets"].items():
        print(f"{target}: {value}")
    print(f"\nReport: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
