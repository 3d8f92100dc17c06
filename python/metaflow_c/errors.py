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


class MetaflowNamespaceMismatch(MetaflowCError):
    """A run (or a flow) named explicitly is not in the current namespace (namespace()): the
    message names the namespace, the run's own, and the call that reads it."""


class CorruptDataError(MetaflowCError):
    """An object, an index or a log in the datastore fails verification.

    `path` names the file. A corrupt value is never returned. The fix for an object is the C
    reader's (src/cas.h): resume the run, which runs the tasks that use it again and stores it anew.
    """

    def __init__(self, path, what, fix=("resume the run (the 'verify' command names the runs and tasks that use "
                                         "it): resume runs those tasks again, which stores the object anew")):
        self.path = path
        self.what = what
        super().__init__("'%s' is corrupt: %s; %s" % (path, what, fix))


class FormatVersionError(MetaflowCError):
    """The datastore was written in a format this package does not read (newer, or too old)."""
