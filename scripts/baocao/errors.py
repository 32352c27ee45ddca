"""The project's one exception type: a message a user can act on."""


class BaocaoError(Exception):
    """Bad input or usage. The CLI prints ``str(error)`` on one line and exits 2."""

    exit_code = 2

    def __init__(self, message: str, path: object | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path is not None else message)


class ValidationFailed(BaocaoError):
    """The data package is not valid. The CLI exits 1."""

    exit_code = 1
