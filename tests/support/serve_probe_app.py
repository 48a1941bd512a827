"""A stand-in for the session's `cockpit` that reports what the server relayed to it.

It speaks the protocol of Textual's web driver as textual-serve reads it: the `__GANGLION__`
line, then packets (one type byte, a 4-byte big-endian length, the payload) both ways. It
starts in a few milliseconds, so the server's own handling of hostile browsers can be tested
over the wire many times over; what it writes back is exact:

- at start, a data packet `{"type": "start", "width": COLUMNS, "height": ROWS, "pid": …}`;
- for every meta packet it gets, a data packet with that packet's JSON, unchanged;
- for stdin `alloc N`, it allocates N MiB (the memory limit is what ends it), `exit N` exits
  with status N, `garble` writes a meta packet that is not JSON, anything else is echoed as
  `{"type": "stdin", "text": …}`;
- on meta `quit` it sends meta `exit` and exits 0, as a Textual app does.
"""

from __future__ import annotations

import json
import os
import sys
from typing import BinaryIO

MIB = 1024 * 1024


def send(out: BinaryIO, kind: bytes, payload: bytes) -> None:
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
    out.flush()


def report(out: BinaryIO, message: dict[str, object]) -> None:
    send(out, b"D", json.dumps(message).encode())


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(b"__GANGLION__\n")
    start = {"type": "start", "pid": os.getpid()}
    start |= {"width": int(os.environ["COLUMNS"]), "height": int(os.environ["ROWS"])}
    report(stdout, start)
    while header := stdin.read(5):
        if len(header) < 5:
            return 0
        payload = stdin.read(int.from_bytes(header[1:], "big"))
        if header[:1] == b"M":
            meta = json.loads(payload)
            if meta["type"] == "quit":
                send(stdout, b"M", json.dumps({"type": "exit"}).encode())
                return 0
            send(stdout, b"D", payload)
            continue
        text = payload.decode()
        command, _, argument = text.partition(" ")
        if command == "alloc":
            hoard = bytearray(int(argument) * MIB)
            report(stdout, {"type": "allocated", "bytes": len(hoard)})
        elif command == "exit":
            return int(argument)
        elif command == "garble":
            send(stdout, b"M", b"{not json")
        else:
            report(stdout, {"type": "stdin", "text": text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
