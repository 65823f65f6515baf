"""Benchmark: Loupe's user-agent classification beside its peers, on public labelled agents.

Usage: python bench/user_agents.py [--cache bench/.cache] [--sample 5000] [--speed-sample 600]

Not a test. The labelled agents are the fixtures that the packages themselves publish, fetched
with pip into the cache directory (not committed):
- device_detector's sdist: tests/fixtures/upstream/*.yml, every agent with its device type, and
  bots.yml (bots with their category);
- crawlerdetect's sdist: tests/fixtures/user_agent/crawlers.txt and devices.txt (people);
- crawler-user-agents' installed JSON: each pattern's `instances`.

Each classifier is run on the same distinct agents. A suite that is one of a classifier's own
fixtures is marked `own` in its row: Loupe's bots come from all three lists,
its device types (where the platform token does not decide) from device_detector. Prints per
suite: bot recall, humans flagged as bots (with the kinds of client flagged, and the share
without HTTP libraries), device-type accuracy per type (browsers, and all
clients) and the cost per new distinct agent.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import yaml

from loupe.jobs import agent_classifier

_DD_TYPES = {
    "smartphone": "mobile",
    "phablet": "mobile",
    "feature phone": "mobile",
    "wearable": "mobile",
    "tablet": "tablet",
    "desktop": "desktop",
}


def _sdist(cache: Path, name: str) -> Path:
    """The extracted sdist of the installed version of `name`, fetched once into `cache`."""
    version = metadata.version(name)
    target = cache / f"{name}-{version}"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        subprocess.run(
            [*pip, "-d", str(cache), f"{name}=={version}"],
            check=True,
            capture_output=True,
        )
        archive = next(cache.glob(f"{name.replace('-', '_')}-{version}.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    return next(target.iterdir())


def _yaml(path: Path) -> list:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(), Loader=loader) or []


def _sample(agents: dict, size: int) -> dict:
    keys = sorted(agents)
    return {key: agents[key] for key in random.Random(7).sample(keys, min(size, len(keys)))}


def load_suites(cache: Path, size: int) -> dict[str, dict]:
    """Suites: name -> {agents: {agent: label} (at most `size`), own: classifiers it is of}."""
    dd_root = _sdist(cache, "device_detector") / "device_detector/tests/fixtures/upstream"
    people: dict[str, tuple[str, bool]] = {}
    for path in sorted(dd_root.glob("*.yml")):
        if path.name == "bots.yml" or path.name.startswith("clienthints"):
            continue
        for row in _yaml(path):
            kind = (row.get("device") or {}).get("type") or ""
            browser = (row.get("client") or {}).get("type") == "browser"
            people.setdefault(row["user_agent"], (_DD_TYPES.get(kind, "other"), browser))
    dd_bots = {row["user_agent"]: "bot" for row in _yaml(dd_root / "bots.yml")}
    cd_root = _sdist(cache, "crawlerdetect") / "tests/fixtures/user_agent"
    cd_bots = {line: "bot" for line in (cd_root / "crawlers.txt").read_text().splitlines() if line}
    cd_people = {line: ("?", True) for line in (cd_root / "devices.txt").read_text().splitlines()}
    cua = json.loads(
        (
            Path(agent_classifier.crawleruseragents.__file__).parent / "crawler-user-agents.json"
        ).read_text()
    )
    cua_bots = {agent: "bot" for entry in cua for agent in entry["instances"]}
    suites = {
        "device_detector people": {"agents": people, "own": {"device_detector", "loupe"}},
        "device_detector bots": {"agents": dd_bots, "own": {"device_detector", "loupe"}},
        "crawler-user-agents": {"agents": cua_bots, "own": {"crawler-user-agents", "loupe"}},
        "crawlerdetect bots": {"agents": cd_bots, "own": {"crawlerdetect", "loupe"}},
        "crawlerdetect people": {
            "agents": {agent: label for agent, label in cd_people.items() if agent},
            "own": {"crawlerdetect", "loupe"},
        },
    }
    for suite in suites.values():
        suite["agents"] = _sample(suite["agents"], size)
    return suites


def _device_detector(agent: str) -> str:
    from device_detector import DeviceDetector

    found = DeviceDetector(agent, check_cache=False).parse()
    if found.is_bot():
        return "bot"
    return _DD_TYPES.get(str(found.device_type()), "other")


def _crawlerdetect(agent: str) -> str:
    return "bot" if agent_classifier._crawlerdetect().is_crawler(agent) else "?"


def _crawler_user_agents(agent: str) -> str:
    return "bot" if agent_classifier.crawleruseragents.is_crawler(agent) else "?"


def _loupe(agent: str) -> str:
    return agent_classifier.classify(agent)["device_type"]


def _held_out_bot(agent: str, suite_name: str) -> str:
    """Loupe's bot rule without the list whose fixtures the suite is: recall on unseen bots."""
    held_out = suite_name.rsplit(" ", 1)[0] if " " in suite_name else suite_name
    lists = tuple(name for name in agent_classifier.BOT_LISTS if name != held_out)
    return "bot" if agent_classifier.is_bot(agent, lists) else "?"


def _client_kind(agent: str) -> str:
    """Device Detector's kind of client (browser, library, mobile app...) of a flagged agent."""
    from device_detector import DeviceDetector

    found = DeviceDetector(agent, skip_bot_detection=True, check_cache=False).parse()
    return str(found.client_type()) or "unknown"


CLASSIFIERS: dict[str, Callable[[str], str]] = {
    "loupe": _loupe,
    "device_detector": _device_detector,
    "crawlerdetect": _crawlerdetect,
    "crawler-user-agents": _crawler_user_agents,
}
DEVICE_CLASSIFIERS = {"loupe", "device_detector"}


def evaluate(name: str, classify: Callable[[str], str], suite: dict) -> dict:
    """Bot recall or humans flagged, and device accuracy per type, of one classifier."""
    agents = suite["agents"]
    answers = {agent: classify(agent) for agent in agents}
    if all(label == "bot" for label in agents.values()):
        caught = sum(answer == "bot" for answer in answers.values())
        return {"bot recall": caught / len(agents)}
    flagged = [agent for agent, answer in answers.items() if answer == "bot"]
    kinds = Counter(_client_kind(agent) for agent in flagged)
    people = len(agents) - kinds["library"]
    result: dict = {
        "humans flagged": len(flagged) / len(agents),
        "flagged, HTTP libraries not counted as people": (len(flagged) - kinds["library"]) / people,
        "flagged kinds": dict(kinds.most_common()),
        "flagged": flagged[:5],
    }
    if name in DEVICE_CLASSIFIERS and any(label != "?" for label, _ in agents.values()):
        for scope in ("browsers", "all"):
            right, total = Counter(), Counter()
            for agent, (label, browser) in agents.items():
                if scope == "browsers" and not browser:
                    continue
                total[label] += 1
                right[label] += answers[agent] == label
            result[f"device {scope}"] = sum(right.values()) / sum(total.values())
            result[f"per type {scope}"] = {t: right[t] / total[t] for t in sorted(total)}
    return result


def cost_ms(classify: Callable[[str], str], agents: list[str]) -> float:
    """Milliseconds per new distinct agent (no cache: each agent is classified once)."""
    started = time.perf_counter()
    for agent in agents:
        classify(agent)
    return (time.perf_counter() - started) / len(agents) * 1000


def main() -> None:
    """Load the suites, run every classifier on them and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache")
    parser.add_argument("--sample", type=int, default=5_000, help="agents per suite at most")
    parser.add_argument("--speed-sample", type=int, default=600)
    parser.add_argument("--only", nargs="*", default=list(CLASSIFIERS))
    args = parser.parse_args()
    suites = load_suites(args.cache, args.sample)
    for name in args.only:
        classify = CLASSIFIERS[name]
        classify("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/120 Mobile")
        for suite_name, suite in suites.items():
            own = " (own)" if name in suite["own"] else ""
            figures = evaluate(name, classify, suite)
            print(f"{name} | {suite_name}{own} | {len(suite['agents'])} agents | {figures}")
        if name == "loupe":
            for suite_name, suite in suites.items():
                if suite_name.endswith("people"):
                    continue
                figures = evaluate(name, lambda a, n=suite_name: _held_out_bot(a, n), suite)
                print(f"loupe without its list | {suite_name} | {figures}")
        mixed = sorted({agent for suite in suites.values() for agent in suite["agents"]})
        sample = random.Random(11).sample(mixed, args.speed_sample)
        print(f"{name} | cost per new agent | {cost_ms(classify, sample):.2f} ms")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
