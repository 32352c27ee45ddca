"""The project's one exception type: a message a user can act on; and the fault points of its crash tests."""

from __future__ import annotations

import os
import signal


class BaocaoError(Exception):
    """Bad input or usage. The CLI prints ``str(error)`` on one line and exits 2."""

    exit_code = 2

    def __init__(self, message: str, path: object | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path is not None else message)


class ValidationFailed(BaocaoError):
    """The data package is not valid. The CLI exits 1."""

    exit_code = 1


def fault_point(name: str) -> None:
    """Kill the process (SIGKILL, no clean-up) here if ``BAOCAO_FAULT`` names this point.

    The crash tests set ``BAOCAO_FAULT=publish:after-first-rename`` (or a comma-separated
    list of points) to stop a real command at the worst moment; unset, this does nothing.
    """
    if name in os.environ.get("BAOCAO_FAULT", "").split(","):
        os.kill(os.getpid(), signal.SIGKILL)
