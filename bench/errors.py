"""The project's own error types: each message says what is wrong and what to do."""


class BenchError(Exception):
    """Base class for errors shown to the user as one line, without a traceback."""


class UsageError(BenchError):
    """An option is invalid, found before any work starts (bench/validate.py); exit status 2."""


class DataError(BenchError, ValueError):
    """A dataset file or option is malformed; the message names the file and line."""


class RunFolderError(BenchError):
    """A run folder is missing, incomplete or not trustworthy."""


class TrainingError(BenchError):
    """Training diverged (NaN/inf loss) or could not proceed."""
