"""The one exception type the CLI turns into a clean one-line error message."""


class AlignError(Exception):
    """Bad input or an unusable setting: the message is meant for the user as-is."""
