# SPDX-License-Identifier: Apache-2.0
"""client.py - Metaflow's client objects over a metaflow-c datastore root.

Metaflow -> Flow -> Run -> Step -> Task -> DataArtifact, each iterable over its children and
indexable by their id, with the attributes a Metaflow user expects (latest_successful_run,
task.data.NAME, run.data, stdout, tags, ...). Runs, steps and tasks come from the run metadata
(_meta.py); artifacts from the task indexes and objects (_store.py), verified on every read.

Objects read lazily and cache what they read: a Run is a snapshot of its metadata row when it was
made; make a new one (or iterate the Flow again) to see later changes.

Namespaces, as Metaflow's: a namespace is a tag; a Flow lists the runs having it, and a run named
outside it raises MetaflowNamespaceMismatch. The default is $MF_NAMESPACE when set ('' is the
global namespace), else 'user:NAME' of whoever reads; namespace(ns) switches it for every object
made afterwards (an object keeps the namespace it was made in), namespace(None) is the global one.
"""

import datetime
import json
import os
import pwd

from . import _graph, _store
from ._meta import Meta
from .errors import MetaflowCError, MetaflowNamespaceMismatch, MetaflowNotFound

DEFAULT_ROOT = ".metaflow"


class ArtifactNotFound(MetaflowNotFound, AttributeError):
    """A task has no artifact of that name. Both a KeyError (task['x']) and an AttributeError
    (task.data.x, hasattr)."""


def resolve_root(datastore_root=None):
    """The datastore root: the argument, else $MF_DATASTORE_ROOT, else .metaflow in the current
    directory; made absolute so that later chdir() calls do not move it."""
    root = datastore_root or os.environ.get("MF_DATASTORE_ROOT") or DEFAULT_ROOT
    return os.path.abspath(os.fspath(root))


class _Root:
    """What every object of one datastore root shares: its path and its metadata connection."""

    _open = {}  # absolute root -> _Root, so that objects of one root share one connection

    def __init__(self, path):
        self.path = path
        self.meta = Meta(path)

    @classmethod
    def get(cls, datastore_root):
        path = resolve_root(datastore_root)
        if path not in cls._open:
            cls._open[path] = cls(path)
        return cls._open[path]


TAG_MAX = 500  # bytes of UTF-8, as metaflow-c's tags (src/meta_tags.c)

_current_namespace = [False]  # False: not chosen yet, the default on first use; None: global


def _check_tag(tag, what):
    """A namespace is a tag: 1 to 500 bytes of UTF-8 text without control characters."""
    if not isinstance(tag, str):
        raise ValueError("%s must be a str (a tag), or None for every run; got %r" % (what, tag))
    size = len(tag.encode("utf-8", "surrogatepass"))
    if not 1 <= size <= TAG_MAX:
        raise ValueError("invalid %s '%s': a tag is 1 to %d bytes of UTF-8 text, this one has %d"
                         % (what, tag[:60], TAG_MAX, size))
    bad = next((c for c in tag if ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF), None)
    if bad is not None:
        raise ValueError("invalid %s %r: it holds %r; a tag is printable UTF-8 text" % (what, tag, bad))


def _user_name():
    """Who reads: $USER, else the password database's name (as the runs' user: tag is made)."""
    user = os.environ.get("USER")
    if user:
        return user
    try:
        return pwd.getpwuid(os.getuid()).pw_name or "unknown"
    except KeyError:
        return "unknown"


def namespace(ns):
    """Switches the namespace, for every object made afterwards: a tag ('user:alice',
    'project:x'), or None (or '') for the global namespace, every run. Returns get_namespace()."""
    if ns is not None and ns != "":
        _check_tag(ns, "namespace")
    _current_namespace[0] = ns or None
    return get_namespace()


def get_namespace():
    """The current namespace: a tag, or None for the global one."""
    if _current_namespace[0] is False:
        default_namespace()
    return _current_namespace[0]


def default_namespace():
    """Back to the default namespace: $MF_NAMESPACE when set ('' is the global one), else
    'user:NAME' of whoever reads. Returns get_namespace()."""
    env = os.environ.get("MF_NAMESPACE")
    if env is not None and env != "":
        _check_tag(env, "MF_NAMESPACE")
    _current_namespace[0] = (env or None) if env is not None else "user:" + _user_name()
    return _current_namespace[0]


def _tag_list(tags):
    if isinstance(tags, (str, bytes)):
        raise ValueError("tags to add or remove are a list of tags, not one str: %r" % (tags,))
    return list(tags)


def _in_namespace(row, ns):
    return ns is None or ns in row.tags or ns in row.system_tags


def _mismatch(flow, row, ns):
    own = next((t for t in sorted(row.system_tags) if t.startswith("user:")), None)
    if own is None:
        return MetaflowNamespaceMismatch("run '%s/%s' is not in namespace '%s': namespace(None) reads it"
                                         % (flow, row.run_id, ns))
    return MetaflowNamespaceMismatch("run '%s/%s' is not in namespace '%s' (it is in '%s'): namespace('%s') or "
                                     "namespace(None) reads it" % (flow, row.run_id, ns, own, own))


def _time(t):
    return datetime.datetime.fromtimestamp(t) if t else None


def _listing(ids, limit=20):
    ids = list(ids)
    text = ", ".join(ids[:limit]) + (", ..." if len(ids) > limit else "")
    return text or "(none)"


def _split(pathspec, n, kind):
    parts = pathspec.split("/") if isinstance(pathspec, str) else []
    if len(parts) != n or not all(parts):
        form = "/".join(["FLOW", "RUN", "STEP", "TASK", "NAME"][:n])
        raise ValueError("%s pathspec '%s' is malformed: use %s" % (kind, pathspec, form))
    return parts


class MetaflowObject:
    """What Flow, Run, Step, Task and DataArtifact share: id, pathspec, parent, iteration."""

    _NAME = "object"

    def __init__(self, root, parent, id_):
        self._root = root
        self._parent = parent
        self.id = id_

    @property
    def pathspec(self):
        return self.id if self._parent is None else self._parent.pathspec + "/" + self.id

    @property
    def path_components(self):
        return self.pathspec.split("/")

    @property
    def parent(self):
        return self._parent

    @property
    def datastore_root(self):
        return self._root.path

    def _children(self):  # pragma: no cover - every subclass defines it
        return []

    def __iter__(self):
        return iter(self._children())

    def __contains__(self, id_):
        try:
            self[id_]
            return True
        except (KeyError, MetaflowNamespaceMismatch):
            return False

    def __repr__(self):
        return "%s('%s')" % (type(self).__name__, self.pathspec)

    __str__ = __repr__

    def __eq__(self, other):
        return type(self) is type(other) and self.pathspec == other.pathspec and self._root is other._root

    def __hash__(self):
        return hash((type(self).__name__, self.pathspec))


class Metaflow:
    """The entry point: the flows with runs under a datastore root (in a namespace, the flows
    with a run in it)."""

    def __init__(self, datastore_root=None):
        self._root = _Root.get(datastore_root)

    @property
    def datastore_root(self):
        return self._root.path

    @property
    def flows(self):
        return list(self)

    def __iter__(self):
        flows = [Flow(name, _root=self._root, _namespace_check=False) for name in self._root.meta.flows()]
        return iter([f for f in flows if f._ns is None or f._children()])

    def __getitem__(self, name):
        return Flow(name, _root=self._root)

    def __repr__(self):
        return "Metaflow('%s')" % self._root.path


class Flow(MetaflowObject):
    """A flow: its runs in the namespace, newest first. A flow without a run in the namespace
    raises MetaflowNamespaceMismatch, as Metaflow's."""

    def __init__(self, pathspec, datastore_root=None, _root=None, _namespace_check=True):
        root = _root or _Root.get(datastore_root)
        name = _split(pathspec, 1, "flow")[0]
        super().__init__(root, None, name)
        self._ns = get_namespace()
        self._runs = root.meta.runs(name)
        if not self._runs:
            raise MetaflowNotFound("flow '%s' has no runs under '%s'; flows there: %s"
                                   % (name, root.path, _listing(root.meta.flows())))
        if _namespace_check and not self._children():
            raise MetaflowNamespaceMismatch("flow '%s' has no runs in namespace '%s' (%d in other namespaces): "
                                            "namespace(None) reads every run" % (name, self._ns, len(self._runs)))

    def _children(self):
        return [Run(None, _flow=self, _row=r) for r in self._runs if _in_namespace(r, self._ns)]

    def _run_row(self, run_id):
        for r in self._runs:
            if r.run_id == run_id:
                return r
        raise MetaflowNotFound("run '%s' of flow '%s' does not exist; its runs are: %s"
                               % (run_id, self.id, _listing(r.run_id for r in self._runs)))

    def __getitem__(self, run_id):
        r = self._run_row(str(run_id))
        if not _in_namespace(r, self._ns):
            raise _mismatch(self.id, r, self._ns)
        return Run(None, _flow=self, _row=r)

    def runs(self, *tags):
        """Runs (newest first) that have every one of `tags`."""
        want = set(tags)
        return [r for r in self if want <= r.tags]

    @property
    def latest_run(self):
        """The newest run; a scratch run of `spin` (system tag runtime:spin) is never the latest."""
        return next((r for r in self if "runtime:spin" not in r.system_tags), None)

    @property
    def latest_successful_run(self):
        return next((r for r in self if r.successful and "runtime:spin" not in r.system_tags), None)

    @property
    def created_at(self):
        return _time(min(r.start for r in self._runs))


class Run(MetaflowObject):
    """A run: its steps, status, tags, parameters and times."""

    def __init__(self, pathspec, datastore_root=None, _flow=None, _row=None):
        if _flow is None:
            flow, run_id = _split(pathspec, 2, "run")
            _flow = Flow(flow, datastore_root=datastore_root, _namespace_check=False)
            _row = _flow[run_id]._row  # refused outside the namespace
        super().__init__(_flow._root, _flow, _row.run_id)
        self._row = _row
        self._params = None

    def _steps(self):
        return self._root.meta.steps(self._parent.id, self.id)

    def _children(self):
        return [Step(None, _run=self, _name=s) for s in self._steps()]

    def __getitem__(self, step):
        steps = self._steps()
        if step not in steps:
            raise MetaflowNotFound("run '%s' has no step '%s' with tasks; its steps are: %s"
                                   % (self.pathspec, step, _listing(steps)))
        return Step(None, _run=self, _name=step)

    @property
    def status(self):
        """'running', 'succeeded', 'failed', or 'died' (its scheduler process is gone)."""
        return self._row.status

    @property
    def successful(self):
        return self._row.status == "succeeded"

    @property
    def finished(self):
        """True when the run ended, successfully or not (a run that died counts as ended)."""
        return self._row.status in ("succeeded", "failed", "died")

    @property
    def created_at(self):
        return _time(self._row.start)

    @property
    def finished_at(self):
        return _time(self._row.end) if self._row.status in ("succeeded", "failed") else None

    @property
    def user(self):
        return self._row.user

    @property
    def tags(self):
        """User and system tags, as Metaflow's Run.tags."""
        return frozenset(self._row.tags) | frozenset(self._row.system_tags)

    @property
    def user_tags(self):
        return frozenset(self._row.tags)

    @property
    def system_tags(self):
        """Recorded with the run, never changed: user:, runtime:, metaflow_c_version:, date:."""
        return frozenset(self._row.system_tags)

    # -- changing tags, as Metaflow's Run.add_tag and its kin --------------------------------

    def add_tag(self, tag):
        """Adds a user tag; one of the run's system tags is not added, and no error."""
        self.replace_tags([], [tag])

    def add_tags(self, tags):
        self.replace_tags([], tags)

    def remove_tag(self, tag):
        """Removes a user tag (one the run does not have: nothing happens); removing a system tag
        raises ValueError."""
        self.replace_tags([tag], [])

    def remove_tags(self, tags):
        self.replace_tags(tags, [])

    def replace_tag(self, tag_to_remove, tag_to_add):
        self.replace_tags([tag_to_remove], [tag_to_add])

    def replace_tags(self, tags_to_remove, tags_to_add):
        """Removes then adds user tags in one transaction of the run metadata, as `tag replace`
        does: every tag is checked first (1 to 500 bytes of UTF-8 text without control characters)
        and a bad one, or a system tag to remove, raises ValueError and changes nothing. The run's
        tags (this object's too) are what the metadata holds afterwards."""
        remove, add = _tag_list(tags_to_remove), _tag_list(tags_to_add)
        for tag in remove + add:
            _check_tag(tag, "tag")
        self._row.tags = self._root.meta.replace_tags(self._parent.id, self.id, remove, add)

    @property
    def origin_pathspec(self):
        """The run a resume started from, as 'FLOW/RUN', or None."""
        o = self._row.origin_run_id
        return "%s/%s" % (self._parent.id, o) if o else None

    @property
    def memo_hits(self):
        """How many of the run's tasks were memo hits: reused from an earlier run, not run
        (docs/memoisation.md). metaflow-c only: Metaflow has no memoisation."""
        return self._row.memo_hits

    @property
    def parameters(self):
        """The run's parameters, {name: value}, read (and verified) from its parameter index."""
        if self._params is None:
            path = os.path.join(self._root.path, self._parent.id, self.id, "_parameters", "0", "index")
            ix = _store.read_index(path)
            self._params = ({} if ix is None else
                            {name: _store.load_value(self._root.path, ix, rec) for name, rec in ix.records.items()})
        return self._params

    @property
    def parameters_json(self):
        """The parameters as the metadata records them (JSON), without reading the datastore."""
        return json.loads(self._row.params_json or "{}")

    @property
    def end_task(self):
        if "end" not in self._steps():
            return None
        return self["end"].task

    @property
    def data(self):
        """The end task's artifacts (run.data.x is run['end'].task.data.x); None before end ran."""
        t = self.end_task
        return t.data if t is not None and t.finished else None


class Step(MetaflowObject):
    """A step of a run: its tasks, by task id."""

    def __init__(self, pathspec, datastore_root=None, _run=None, _name=None):
        if _run is None:
            flow, run_id, _name = _split(pathspec, 3, "step")
            _run = Run(flow + "/" + run_id, datastore_root=datastore_root)
            _run[_name]  # raises MetaflowNotFound listing the steps
        super().__init__(_run._root, _run, _name)
        self._rows = None

    def _task_rows(self):
        if self._rows is None:
            self._rows = self._root.meta.tasks(self._parent._parent.id, self._parent.id, self.id)
        return self._rows

    def _children(self):
        return [Task(None, _step=self, _row=r) for r in self._task_rows()]

    def __getitem__(self, task_id):
        task_id = str(task_id)
        for r in self._task_rows():
            if r.task_id == task_id:
                return Task(None, _step=self, _row=r)
        raise MetaflowNotFound("step '%s' has no task '%s'; its tasks are: %s"
                               % (self.pathspec, task_id, _listing(r.task_id for r in self._task_rows())))

    def tasks(self):
        return list(self)

    @property
    def task(self):
        """A task of the step (the first by id): the task, for a step that ran once."""
        return next(iter(self), None)

    @property
    def created_at(self):
        rows = self._task_rows()
        return _time(min(r.start for r in rows)) if rows else None

    @property
    def finished_at(self):
        rows = self._task_rows()
        if not rows or any(r.status == "running" for r in rows):
            return None
        return _time(max(r.end for r in rows))


class Task(MetaflowObject):
    """A task: its artifacts (task.data.NAME, task['NAME'].data), logs, attempts and status."""

    def __init__(self, pathspec, datastore_root=None, _step=None, _row=None):
        if _step is None:
            flow, run_id, step, task_id = _split(pathspec, 4, "task")
            _step = Step("%s/%s/%s" % (flow, run_id, step), datastore_root=datastore_root)
            _row = _step[task_id]._row
        super().__init__(_step._root, _step, _row.task_id)
        self._row = _row
        self._index = False  # not read yet; None when the task has no index
        self._artifacts = {}

    # -- the artifact index ------------------------------------------------------------------

    def _dir(self):
        run = self._parent._parent
        return os.path.join(self._root.path, run._parent.id, run.id, self._parent.id, self.id)

    def _read_index(self):
        if self._index is False:
            self._index = _store.read_index(os.path.join(self._dir(), "index"))
        return self._index

    def _not_finished(self):
        r = self._row
        how = r.status
        if r.status == "failed":
            how = ("failed (exit code %d)" % r.exit_code if r.exit_code >= 0 else
                   "failed (signal %d)" % r.signal if r.signal else "failed")
        return MetaflowNotFound("task '%s' has not finished: its attempt %d %s" % (self.pathspec, r.attempt,
                                                                                  "is running" if how == "running"
                                                                                  else how))

    def _artifact(self, name):
        if name in self._artifacts:
            return self._artifacts[name]
        ix = self._read_index()
        if ix is None:
            raise self._not_finished()
        rec, owner = ix.records.get(name), ix
        if rec is None:
            params = self._params_index()
            rec, owner = (params.records.get(name), params) if params else (None, None)
        if rec is None:
            raise ArtifactNotFound("task '%s' has no artifact '%s'; its artifacts are: %s"
                                   % (self.pathspec, name, _listing(ix.records)))
        a = DataArtifact(None, _task=self, _record=rec, _index=owner)
        self._artifacts[name] = a
        return a

    def _params_index(self):
        run = self._parent._parent
        return _store.read_index(os.path.join(self._root.path, run._parent.id, run.id, "_parameters", "0", "index"))

    def _children(self):
        ix = self._read_index()
        return [] if ix is None else [self._artifact(n) for n in ix.records]

    def __getitem__(self, name):
        return self._artifact(name)

    @property
    def artifacts(self):
        """The task's own artifacts as DataArtifact objects, by attribute (task.artifacts.x)."""
        return _Namespace(self, lambda a: a)

    @property
    def data(self):
        """The task's artifact values by attribute: task.data.x (parameters of the run too)."""
        return _Namespace(self, lambda a: a.data)

    @property
    def index(self):
        """The task's position in the innermost foreach around it, as mf_index() gives it; None
        outside any foreach or before the task finished. The split stack is "STEP:TASK:INDEX:COUNT"
        frames, innermost last; a frame is a foreach's when its splitting task's index has
        num_splits (a branch's has -1)."""
        ix = self._read_index()
        if ix is None or not ix.stack:
            return None
        run = self._parent._parent
        for frame in reversed(ix.stack.split(",")):
            step, task, index, _count = frame.rsplit(":", 3)
            split = _store.read_index(os.path.join(self._root.path, run._parent.id, run.id, step, task, "index"))
            if split is not None and split.num_splits >= 0:
                return int(index)
        return None

    @property
    def input(self):
        """The item of the foreach list this task ran for (Metaflow's self.input in the step), read
        from the list its split task's index names; None outside any foreach. A store written before
        format version 3 does not record the list's name: MetaflowCError says so."""
        ix = self._read_index()
        if ix is None:
            raise self._not_finished()
        run = self._parent._parent
        for frame in reversed(ix.stack.split(",") if ix.stack else []):
            step, task, index, _count = frame.rsplit(":", 3)
            split = _store.read_index(os.path.join(self._root.path, run._parent.id, run.id, step, task, "index"))
            if split is None or split.num_splits < 0:
                continue
            if split.foreach is None:
                raise MetaflowCError("the foreach item of task '%s' is not known: the index of split task "
                                     "'%s/%s' was written before format version 3 (an older metaflow-c), which "
                                     "does not record the list's name" % (self.pathspec, step, task))
            rec = split.records.get(split.foreach)
            if rec is None:
                raise MetaflowCError("split task '%s/%s' has no artifact '%s', the list it fanned out over"
                                     % (step, task, split.foreach))
            return _store.load_item(self._root.path, split, rec, int(index))
        return None

    # -- the runtime graph -------------------------------------------------------------------

    def _input_paths(self):
        """The task's input paths: its index's (format version 3), else the run metadata's."""
        ix = self._read_index()
        if ix is not None and ix.inputs:
            return ix.inputs
        if not self._row.input_paths and self._parent.id != "start":
            raise MetaflowNotFound("the inputs of task '%s' are not recorded: its index was written before "
                                   "format version 3 (an older metaflow-c) and the run metadata has none (it was "
                                   "rebuilt)" % self.pathspec)
        return self._row.input_paths

    def _run_tasks(self, pairs):
        """Task objects of this run for (step, task_id) pairs, sharing one metadata read per step."""
        run, steps = self._parent._parent, {}
        for step, task_id in pairs:
            if step not in steps:
                steps[step] = Step(None, _run=run, _name=step)
            yield steps[step][task_id]

    @property
    def parent_task_pathspecs(self):
        """Pathspecs of the tasks this one ran after, in input order (none for start; every input of
        a join), as Metaflow's Task.parent_task_pathspecs."""
        run = self._parent._parent
        for step, task_id in _graph.expand(self._input_paths()):
            yield "%s/%s/%s/%s" % (run._parent.id, run.id, step, task_id)

    @property
    def parent_tasks(self):
        """The tasks this one ran after (Task objects), in input order."""
        return self._run_tasks(_graph.expand(self._input_paths()))

    def _children_rows(self):
        run = self._parent._parent
        rows = self._root.meta.tasks(run._parent.id, run.id)
        for r in rows:
            if not r.input_paths and r.step != "start":
                raise MetaflowNotFound("the children of task '%s' are not known: the run metadata does not record "
                                       "the inputs of task '%s/%s/%s' (it was rebuilt from a store written before "
                                       "format version 3)" % (self.pathspec, run.id, r.step, r.task_id))
        return [r for r in rows if _graph.names(r.input_paths, self._parent.id, self.id)]

    @property
    def child_task_pathspecs(self):
        """Pathspecs of the tasks that ran after this one, by task id."""
        run = self._parent._parent
        for r in self._children_rows():
            yield "%s/%s/%s/%s" % (run._parent.id, run.id, r.step, r.task_id)

    @property
    def child_tasks(self):
        """The tasks that ran after this one (Task objects), by task id."""
        return self._run_tasks((r.step, r.task_id) for r in self._children_rows())

    @property
    def inputs(self):
        """A join task's inputs, as a join step sees them (Metaflow's `inputs`): iterate them in input
        order, take one by position (inputs[0]) or by the step its branch came from (inputs.a,
        inputs['a']). Raises MetaflowCError for a task that is not a join (parent_tasks gives any
        task's inputs)."""
        tasks = list(self.parent_tasks)
        if not tasks:
            raise MetaflowCError("task '%s' is the start step's: it has no inputs" % self.pathspec)
        ix = self._read_index()
        own = ix.stack if ix is not None else self._row.stack or ""
        first = tasks[0]._read_index()
        in_stack = first.stack if first is not None else tasks[0]._row.stack or ""
        if len(tasks) == 1 and _graph.frames(in_stack) <= _graph.frames(own):
            raise MetaflowCError("task '%s' is not a join: its one input is '%s'; parent_tasks gives any task's "
                                 "inputs" % (self.pathspec, tasks[0].pathspec))
        return Inputs(self, tasks)

    @property
    def exception(self):
        """The failure of a task that failed or whose failure was caught, else None. A caught one is
        the value of its catch artifact (a dict: type, reason, exit_code, signal, timed_out, attempt,
        stderr); a failed one is the same dict made from the run metadata and the tail of its stderr
        log (type 'exit', 'signal' or 'timeout')."""
        ix = self._read_index()
        if ix is not None:
            return self[ix.caught].data if ix.caught else None
        r = self._row
        if r.status != "failed":
            return None
        kind = "timeout" if r.timed_out else "signal" if r.signal else "exit"
        lines = self._log("stderr", r.attempt).splitlines()
        errors = [line for line in lines if line.startswith("error: ")]
        reason = (errors[-1][len("error: "):] if errors else
                  "timed out" if r.timed_out else "killed by signal %d" % r.signal if r.signal else
                  "exit code %d" % r.exit_code)
        return {"type": kind, "reason": reason, "exit_code": r.exit_code, "signal": r.signal,
                "timed_out": bool(r.timed_out), "attempt": r.attempt,
                "stderr": "\n".join(lines[-20:]) + ("\n" if lines else "")}

    # -- status ------------------------------------------------------------------------------

    @property
    def finished(self):
        """True when the task has an artifact index: it succeeded (its data is readable)."""
        return self._read_index() is not None

    @property
    def successful(self):
        return self.finished

    @property
    def status(self):
        """Of the last attempt: 'running', 'succeeded' or 'failed'."""
        return self._row.status

    @property
    def attempt(self):
        return self._row.attempt

    @property
    def attempts(self):
        return self._row.attempts

    @property
    def exit_code(self):
        return self._row.exit_code

    @property
    def origin_pathspec(self):
        """The task this one was cloned from (by resume, or a memo hit), as 'FLOW/RUN/STEP/TASK', or None."""
        o = self._row.origin
        return "%s/%s" % (self._parent._parent._parent.id, o) if o else None

    @property
    def memo_hit(self):
        """True when the task was not run but reused from an earlier run's memo entry (its origin).
        metaflow-c only."""
        return self._row.memo_hit

    @property
    def created_at(self):
        return _time(self._row.start)

    @property
    def finished_at(self):
        return _time(self._row.end)

    # -- logs --------------------------------------------------------------------------------

    def _log(self, stream, attempt=None):
        task, seen = self, set()
        while task._row.origin and attempt is None and task.pathspec not in seen:
            seen.add(task.pathspec)  # a clone ran no code: its log is its origin's (clones of clones)
            task = _origin_task(task)
        n = task._row.attempt if attempt is None else attempt
        try:
            with open(os.path.join(task._dir(), "%d.%s" % (n, stream)), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""  # a stream that printed nothing has no file

    @property
    def stdout(self):
        return self._log("stdout")

    @property
    def stderr(self):
        return self._log("stderr")

    def loglines(self, stream="stdout", attempt=None):
        """Lines of one stream ('stdout' or 'stderr') of an attempt (default: the last)."""
        if stream not in ("stdout", "stderr"):
            raise ValueError("stream '%s' is neither 'stdout' nor 'stderr'" % stream)
        return self._log(stream, attempt).splitlines()


def _origin_task(task):
    """The task a clone was cloned from, in whatever namespace its run is (a resume by one user
    of another's run reads the logs of the tasks that ran)."""
    flow, run_id, step, task_id = _split(task.origin_pathspec, 4, "task")
    f = Flow(flow, _root=task._root, _namespace_check=False)
    run = Run(None, _flow=f, _row=f._run_row(run_id))
    return Step(None, _run=run, _name=step)[task_id]


class DataArtifact(MetaflowObject):
    """One artifact of a task: .data (read and verified on first use), .sha, .type, .size."""

    def __init__(self, pathspec, datastore_root=None, _task=None, _record=None, _index=None):
        if _task is None:
            flow, run_id, step, task_id, name = _split(pathspec, 5, "artifact")
            other = Task("/".join((flow, run_id, step, task_id)), datastore_root=datastore_root)
            src = other[name]
            _task, _record, _index = src._parent, src._record, src._index
        super().__init__(_task._root, _task, _record.name)
        self._record, self._index = _record, _index
        self._loaded = False
        self._value = None

    @property
    def data(self):
        if not self._loaded:
            self._value = _store.load_value(self._root.path, self._index, self._record)
            self._loaded = True
        return self._value

    @property
    def sha(self):
        """SHA-256 of the value's encoding: equal values have equal shas, across tasks and runs."""
        return self._record.sha

    @property
    def type(self):
        """The value's type as metaflow-c names it: 'int', 'f64 array', 'map', ..."""
        return self._record.type

    @property
    def size(self):
        """Length of the value's encoding in bytes."""
        return self._record.size

    @property
    def created_at(self):
        return self._parent.finished_at

    finished_at = created_at


class Inputs:
    """A join task's inputs (Task.inputs): in input order, by position, or by the name of the step
    a branch came from, as Metaflow's `inputs` in a join step (inputs.a, inputs['a'], inputs[0])."""

    def __init__(self, task, tasks):
        self._task, self._tasks = task, tasks

    def __iter__(self):
        return iter(self._tasks)

    def __len__(self):
        return len(self._tasks)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._tasks[key]
        for t in self._tasks:
            if t._parent.id == key:
                return t
        raise MetaflowNotFound("no input of join '%s' comes from step '%s'; its inputs come from %s"
                               % (self._task.pathspec, key, _listing(sorted({t._parent.id for t in self._tasks}))))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except MetaflowNotFound as e:
            raise AttributeError(str(e)) from None

    def __repr__(self):
        return "<inputs of %s: %s>" % (self._task.pathspec, ", ".join(t.pathspec for t in self._tasks))


class _Namespace:
    """task.data / task.artifacts: attribute access to a task's artifacts."""

    def __init__(self, task, pick):
        self._task, self._pick = task, pick

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._pick(self._task._artifact(name))

    def __getitem__(self, name):
        return self._pick(self._task._artifact(name))

    def __contains__(self, name):
        try:
            self._task._artifact(name)
            return True
        except KeyError:
            return False

    def __iter__(self):
        return iter([self._pick(a) for a in self._task._children()])

    def __dir__(self):
        return [a.id for a in self._task._children()]

    def __repr__(self):
        return "<data of %s: %s>" % (self._task.pathspec, ", ".join(self.__dir__()))
