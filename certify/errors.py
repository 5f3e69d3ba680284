"""The one exception every stage may raise to say "this fact could not be established"."""


class CheckError(Exception):
    """A check could not establish its fact (server down, missing role...): ERROR, one line.

    Raised by targets and kinds; the engine turns it into an ERROR outcome with this message
    as the reason, and the hypothesis becomes UNKNOWN.
    """
