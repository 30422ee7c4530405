"""Does a turn get dearer as the conversation grows? Turn 1 against turn 50 on a running Rasa.

    scripts/production.sh &                       # or scripts/run.sh: any Rasa with its tracker store
    python bench/tracker_growth.py --rasa http://127.0.0.1:5005 [--conversations 5] [--turns 50]

Each conversation sends ``--turns`` messages straight to Rasa's REST channel (the gateway's per-chat rate
limit would refuse 50 quick turns), alternating a small-talk turn and a policy question, so the tracker
grows by a handful of events per turn; the action server answers the policy questions. Printed: the
median time of turn 1 and of the last turn (over the conversations, each turn kind compared with itself),
their ratio (the goal is at most 1.2), and the events in the last tracker.

Rasa loads a conversation's tracker from the tracker store for every turn, but only the events since the
last ``session_started`` (``session_config.session_expiration_time`` in domain.yml ends a session after an
idle hour), so a long conversation costs what its current session holds. Only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import httpx

TURN_KINDS = ("hello", "how long do refunds take?")


def converse(client: httpx.Client, rasa: str, turns: int) -> tuple[list[float], str]:
    sender = f"bench-growth-{uuid.uuid4().hex[:10]}"
    seconds = []
    for turn in range(turns):
        started = time.perf_counter()
        response = client.post(
            f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": TURN_KINDS[turn % 2]}
        )
        seconds.append(time.perf_counter() - started)
        response.raise_for_status()
        if not response.json():
            raise SystemExit(f"turn {turn + 1} got no reply")
    return seconds, sender


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    parser.add_argument("--token", default="", help="Rasa's --auth-token, to count the tracker's events")
    parser.add_argument("--conversations", type=int, default=5)
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args()
    if not args.rasa.startswith(("http://127.0.0.1", "http://localhost")):
        raise SystemExit("this benchmark only talks to a Rasa on loopback")
    rasa = args.rasa.rstrip("/")
    last = args.turns - 1
    # compare like with like: turn 1 and the last turn of the same kind
    same_kind_as_first = last if last % 2 == 0 else last - 1
    firsts, lasts = [], []
    with httpx.Client(timeout=60) as client:
        converse(client, rasa, 2)  # warm-up: the first turn of a fresh process loads lazily
        sender = ""
        for _ in range(args.conversations):
            seconds, sender = converse(client, rasa, args.turns)
            firsts.append(seconds[0])
            lasts.append(seconds[same_kind_as_first])
        events = "?"
        if args.token:
            tracker = client.get(f"{rasa}/conversations/{sender}/tracker", params={"token": args.token})
            events = str(len(tracker.json().get("events", [])))
    first, final = statistics.median(firsts), statistics.median(lasts)
    print(f"conversations: {args.conversations}, turns each: {args.turns}")
    print(f"events in the last tracker: {events}")
    print(f"turn 1:  median {first * 1000:.1f} ms")
    print(f"turn {same_kind_as_first + 1}: median {final * 1000:.1f} ms")
    print(f"ratio: {final / first:.2f} (goal: at most 1.2)")


if __name__ == "__main__":
    main()
