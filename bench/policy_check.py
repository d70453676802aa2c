"""Advisory policy checking speed: a 20,000-character body against every seeded rule.

Run by hand: .venv/bin/python bench/policy_check.py
Goal: under 50 ms per check, measured as submission runs it (msgsys.policy.matching.check_message:
the text as written, then the body as readers see it rendered). Beside it, the limit it is measured against in the same run: one
pass of a single compiled regular expression over the same text (the least any check can cost).
Each round checks a text never seen before, so no cache helps.
"""
from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from msgsys.policy.matching import check_message, load_rules
from msgsys.sms.encoding import count_sms

PARAGRAPH = (
    "Starting February 19, the United States will begin to process eligible individuals in the MPP program. "
    "Our borders are not open. Do not approach the border until instructed. Registration will be virtual, "
    "from wherever you are; more at https://www.uscis.gov and www.dhs.gov. Las fronteras no están abiertas; "
    "#LaFronteraNoEstáAbierta. Crossing outside ports of entry puts you and your family in danger. "
)


SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"


def _prose() -> str:
    """Real prose for realistic word variety: the strategy document when it is beside the repo."""
    path = SOURCES / "collaborative-migration-management-strategy.txt"
    if path.exists():
        return path.read_text(encoding="utf-8")
    return PARAGRAPH * 100


PROSE = _prose()


def text(round_no: int, size: int = 20_000) -> str:
    """A body of `size` characters that no earlier round used (a different stretch of the prose)."""
    start = (round_no * 997) % max(1, len(PROSE) - size)
    body = (PROSE * 2)[start:start + size - 12]
    return f"{body} r{round_no:09d}"


def timed(fn, rounds: int) -> list[float]:
    out = []
    for i in range(rounds):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def main() -> None:
    """Print the median and p95 of a full check, and of the one-regex limit."""
    rules = load_rules()
    segments = lambda t: count_sms(t).segments  # noqa: E731
    probe = re.compile(r"border|frontera|https?://\S+")
    rounds = 30
    full = timed(lambda i: check_message({"title": "Advisory", "body": text(i), "sms_text": "Do not approach the border until instructed."},
                                        locale="en", kind="advisory", rules=rules, sms_segments=segments), rounds)
    limit = timed(lambda i: probe.findall(text(10_000 + i)), rounds)
    print(f"rules: {len(rules)}; body: {len(text(0))} characters of {'the strategy document' if SOURCES.exists() else 'sample text'}; {rounds} rounds")
    print(f"{'what':40} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'check against every seeded rule':40} {statistics.median(full):10.2f} {full[int(rounds * 0.95) - 1]:8.2f}")
    print(f"{'limit: one regex pass over the text':40} {statistics.median(limit):10.2f} {limit[int(rounds * 0.95) - 1]:8.2f}")


if __name__ == "__main__":
    main()
