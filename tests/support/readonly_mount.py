"""Helper for tests/integration/test_timeline_file_safety.py (not a test module itself).

python tests/support/readonly_mount.py DIR COMMAND [ARG...]
    run inside a private mount namespace (`unshare -m`): bind-mount DIR onto itself read-only,
    then exec COMMAND. Outside the namespace nothing changes.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main(argv: list[str]) -> None:
    folder, command = argv[1], argv[2:]
    subprocess.run(["mount", "--bind", "-o", "ro", folder, folder], check=True)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
