"""The one kind of error an operations command reports: one line, for the person running it."""


class OperationsError(Exception):
    """A refusal or failure worth one clear line (no traceback): the command exits non-zero."""
