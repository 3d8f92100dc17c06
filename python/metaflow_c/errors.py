# SPDX-License-Identifier: Apache-2.0
"""errors.py - the exceptions of metaflow_c, one per thing a caller may want to catch.

MetaflowNotFound is also a KeyError, so `run['nope']` and `'nope' in run` behave as with
Metaflow's client, and code written for Metaflow that catches KeyError keeps working.
"""


class MetaflowCError(Exception):
    """Base class of every error this package raises."""


class MetaflowNotFound(MetaflowCError, KeyError):
    """A flow, run, step, task or artifact that does not exist (the message lists what does)."""

    def __str__(self):
        # KeyError quotes its argument; a message reads better without quotes.
        return str(self.args[0]) if self.args else ""


class CorruptDataError(MetaflowCError):
    """An object, an index or a log in the datastore fails verification.

    `path` names the file. A corrupt value is never returned: the fix is to delete the file and
    re-run (or resume) the task that wrote it.
    """

    def __init__(self, path, what, fix="delete the file and re-run the task that wrote it"):
        self.path = path
        self.what = what
        super().__init__("'%s' is corrupt: %s; %s" % (path, what, fix))


class FormatVersionError(MetaflowCError):
    """The datastore was written in a format this package does not read (newer, or too old)."""
