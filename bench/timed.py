"""Run a command; write its wall time and peak memory as JSON to a file:
python -m bench.timed RESULT.json COMMAND [ARG ...]

A separate small process, because Linux counts a child's peak memory from the memory of
the process it was forked from: started by the benchmark itself, every command would
seem to need at least the benchmark's own memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> None:
    result, *command = sys.argv[1:]
    began = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    with open(result, "w") as out:
        json.dump(
            {
                "seconds": seconds,
                "peak_mb": usage.ru_maxrss / 1024,
                "returncode": os.waitstatus_to_exitcode(status),
            },
            out,
        )


if __name__ == "__main__":
    main()
