"""A bot that breaks some of the conformance kit's obligations on purpose.

Raw websockets, no SDK: ``python broken_bot.py WS_URL TOKEN``. It says hello
correctly and answers pings (the websocket library does), but

- tables an incomplete package (no option for the last issue) before a valid one;
- never votes, and sends ``pass`` in the ballot instead (wrong phase);
- writes a note under the ref of a command it already sent (a reused ref);
- never reconnects: when its connection drops it exits with status 3.
"""

from __future__ import annotations

import itertools
import json
import sys

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def main(url: str, token: str) -> int:
    refs = (f"broken-{n}" for n in itertools.count(1))
    issues: list[dict] = []
    per_round = 1
    with connect(url, max_size=None) as ws:

        def send(message: dict) -> str:
            ref = message.setdefault("ref", next(refs))
            ws.send(json.dumps(message))
            return ref

        ws.send(json.dumps({"type": "hello", "version": 1, "token": token}))
        try:
            for data in ws:
                message = json.loads(data)
                kind = message.get("type")
                if kind == "talks_opened":
                    issues = message["scenario"]["issues"]
                    per_round = message["scenario"]["rules"]["proposals_per_round"]
                elif kind == "phase_started":
                    phase = message["phase"]
                    if phase == "tabling":
                        package = {i["id"]: i["options"][0] for i in issues}
                        incomplete = dict(list(package.items())[:-1])
                        send({"type": "propose", "package": incomplete})
                        tabled = send({"type": "propose", "package": package})
                        send({"type": "note", "text": "tabled", "ref": tabled})
                        if per_round > 1:
                            send({"type": "pass"})
                    elif phase == "ballot":
                        send({"type": "pass"})
                    elif phase == "action":
                        send({"type": "action", "choice": "comply"})
                    elif phase == "verification":
                        send({"type": "pass"})
                elif kind == "talks_concluded":
                    ws.close()
                    return 0
        except ConnectionClosed:
            pass
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
