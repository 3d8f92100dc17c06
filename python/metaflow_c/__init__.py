# SPDX-License-Identifier: Apache-2.0
"""metaflow_c - read metaflow-c runs from Python, with Metaflow's client API.

    from metaflow_c import Flow
    run = Flow('BranchFlow').latest_successful_run
    run['join'].task.data.total

Pure Python over cbor2, zstandard (for compressed objects) and sqlite3; numpy is optional (numeric
arrays are numpy arrays when it is installed, array.array otherwise). Everything read is verified
as the C library verifies it. docs/python.md is the walkthrough.

The version follows the on-disk format: the major number is the datastore format this package
reads (the task index version, 3; objects are version 1), the minor number the metadata schema (3). A store written in a
newer format is refused with a message, never misread.
"""

from ._meta import SCHEMA_VERSION
from ._store import INDEX_VERSION, OBJECT_VERSION
from .client import (ArtifactNotFound, DataArtifact, Flow, Metaflow, MetaflowObject, Run, Step, Task,
                     default_namespace, get_namespace, namespace, resolve_root)
from .errors import (CorruptDataError, FormatVersionError, MetaflowCError, MetaflowNamespaceMismatch,
                     MetaflowNotFound)

FORMAT_VERSION = INDEX_VERSION  # the datastore format: the newest task index read (objects: OBJECT_VERSION)
__version__ = "%d.%d.0" % (FORMAT_VERSION, SCHEMA_VERSION)

__all__ = [
    "Metaflow", "Flow", "Run", "Step", "Task", "DataArtifact", "MetaflowObject",
    "MetaflowCError", "MetaflowNotFound", "ArtifactNotFound", "CorruptDataError", "FormatVersionError",
    "MetaflowNamespaceMismatch", "namespace", "get_namespace", "default_namespace",
    "FORMAT_VERSION", "OBJECT_VERSION", "INDEX_VERSION", "SCHEMA_VERSION", "resolve_root", "__version__",
]
