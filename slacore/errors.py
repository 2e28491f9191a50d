"""The one exception type a user may see.

Everything that reaches the UI or the command line as a refusal is a `UserError`: one sentence that says what is
wrong and what to do. Anything else is a bug, and the UI/CLI wrap it in a generic message instead of a traceback.
"""


class UserError(Exception):
    """A problem with the user's input or environment, explained in one sentence."""
