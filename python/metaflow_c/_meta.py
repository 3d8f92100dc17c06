# SPDX-License-Identifier: Apache-2.0
"""_meta.py - the run metadata database, ROOT/metadata.db (docs/metadata.md).

Reads go through a connection opened with a read-only URI, never created or migrated. The one
write, a run's user tags (Run.add_tags and its kin), opens a connection of its own for that change,
as the C writer (src/meta_tags.c) does it: removals then additions in one transaction. A store on a read-only
file system (or one this user may not write) cannot get the `-shm` file a WAL reader needs; then,
when no write-ahead log is pending, the file is opened as immutable, which needs none. Several
statements that must agree (a run and its tags) run in one read transaction.
"""

import os
import socket
import sqlite3
import urllib.parse

from .errors import FormatVersionError, MetaflowCError, MetaflowNotFound

SCHEMA_VERSION = 5  # PRAGMA user_version this package reads (5: memo hits are marked and counted)

RUN_COLUMNS = ("SELECT flow, run_id, status, user, params_json, origin_run_id, start, \"end\", host, pid, "
               "pid_start, memo_hits FROM runs")
NEWEST_FIRST = " ORDER BY start DESC, run_num DESC, run_id DESC"
TASK_COLUMNS = ("SELECT step, task_id, attempt, status, start, \"end\", exit_code, signal, timed_out, stack, "
                "origin, input_paths, memo_hit FROM tasks")


class RunRow:
    __slots__ = ("flow", "run_id", "status", "user", "params_json", "origin_run_id", "start", "end", "tags",
                 "system_tags", "memo_hits")


class TaskRow:
    """The last attempt of one task, and how many attempts it had."""
    __slots__ = ("step", "task_id", "attempt", "status", "start", "end", "exit_code", "signal", "timed_out",
                 "stack", "origin", "input_paths", "attempts", "memo_hit")


def _uri(path, **query):
    return "file:%s?%s" % (urllib.parse.quote(os.path.abspath(path)), urllib.parse.urlencode(query))


def _wal_pending(path):
    try:
        return os.path.getsize(path + "-wal") > 0
    except OSError:
        return False


def _start_ticks(pid):
    """Field 22 of /proc/PID/stat (start time in clock ticks), 0 when unknown (as liveness.c)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            line = f.read(1023).decode("ascii", "replace")
    except OSError:
        return 0
    rest = line[line.rfind(")") + 2:].split(" ")
    try:
        return int(rest[19])
    except (IndexError, ValueError):
        return 0


def _scheduler_gone(host, pid, pid_start):
    """True when a run's scheduler was on this host and its process is gone (docs/metadata.md)."""
    if not pid or pid <= 0 or not host or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    now = _start_ticks(pid)
    return bool(pid_start and pid_start > 0 and now > 0 and now != pid_start)


class Meta:
    """A read-only connection to ROOT/metadata.db, opened on first use."""

    def __init__(self, root):
        self.root = root
        self.path = os.path.join(root, "metadata.db")
        self._db = None

    def db(self):
        if self._db is None:
            self._db = self._open()
        return self._db

    def close(self):
        if self._db is not None:
            self._db.close()
            self._db = None

    def _open(self):
        if not os.path.exists(self.path):
            raise MetaflowNotFound("nothing was run under '%s' yet: run a flow there first, or open the root it "
                                   "used (datastore_root=, $MF_DATASTORE_ROOT, or .metaflow in the current "
                                   "directory)" % self.root)
        try:
            db = sqlite3.connect(_uri(self.path, mode="ro"), uri=True, isolation_level=None,
                                 check_same_thread=False)
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.OperationalError as e:
            if _wal_pending(self.path):
                raise MetaflowCError("metadata database '%s': %s (it has a write-ahead log that only a "
                                     "reader able to create '%s-shm' can see)" % (self.path, e, self.path)) from e
            db = sqlite3.connect(_uri(self.path, immutable=1), uri=True, isolation_level=None,
                                 check_same_thread=False)
            version = db.execute("PRAGMA user_version").fetchone()[0]
        db.execute("PRAGMA busy_timeout = 10000")
        self._check_version(db, version)
        return db

    def _check_version(self, db, version):
        if version != SCHEMA_VERSION and db is self._db:
            self._db = None
        if version > SCHEMA_VERSION:
            db.close()
            raise FormatVersionError(
                "metadata database '%s' has schema version %d, newer than the %d this metaflow_c reads: "
                "upgrade the metaflow_c package to the version of the metaflow-c that wrote it"
                % (self.path, version, SCHEMA_VERSION))
        if version < SCHEMA_VERSION:
            db.close()
            raise FormatVersionError(
                "metadata database '%s' has schema version %d, older than %d: run any writing command of "
                "a flow program once (a run, or `tag add`) to upgrade it" % (self.path, version, SCHEMA_VERSION))

    def _query(self, sql, args=()):
        try:
            return self.db().execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise MetaflowCError("metadata database '%s': %s" % (self.path, e)) from e

    def flows(self):
        return [r[0] for r in self._query("SELECT name FROM flows ORDER BY name")]

    def _run_rows(self, rows):
        out = []
        for r in rows:
            run = RunRow()
            (run.flow, run.run_id, run.status, run.user, run.params_json, run.origin_run_id, run.start, run.end,
             host, pid, pid_start, run.memo_hits) = r
            if run.status == "running" and _scheduler_gone(host, pid, pid_start):
                run.status = "died"
            out.append(run)
        return out

    def runs(self, flow, run_id=None):
        """Runs of `flow` newest first (or the one run `run_id`), with their tags, one snapshot."""
        db = self.db()
        try:
            db.execute("BEGIN")
            # Checked again at each listing: a program may upgrade the store while this one is open.
            self._check_version(db, db.execute("PRAGMA user_version").fetchone()[0])
            if run_id is None:
                rows = db.execute(RUN_COLUMNS + " WHERE flow = ?" + NEWEST_FIRST, (flow,)).fetchall()
            else:
                rows = db.execute(RUN_COLUMNS + " WHERE flow = ? AND run_id = ?", (flow, run_id)).fetchall()
            tags = {}
            for run, tag in db.execute("SELECT run_id, tag FROM tags WHERE flow = ? ORDER BY tag", (flow,)):
                tags.setdefault(run, []).append(tag)
            system_tags = {}
            for run, tag in db.execute("SELECT run_id, tag FROM system_tags WHERE flow = ? ORDER BY tag", (flow,)):
                system_tags.setdefault(run, []).append(tag)
            db.execute("COMMIT")
        except sqlite3.Error as e:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise MetaflowCError("metadata database '%s': %s" % (self.path, e)) from e
        runs = self._run_rows(rows)
        for r in runs:
            r.tags = tags.get(r.run_id, [])
            r.system_tags = system_tags.get(r.run_id, [])
        return runs

    def tasks(self, flow, run_id, step=None):
        """One TaskRow per task (its last attempt), ordered by task id, of a run or one step."""
        sql = TASK_COLUMNS + " WHERE flow = ? AND run_id = ?"
        args = [flow, run_id]
        if step is not None:
            sql += " AND step = ?"
            args.append(step)
        rows = self._query(sql + " ORDER BY task_num, task_id, attempt, step", args)
        last = {}
        for r in rows:
            t = TaskRow()
            (t.step, t.task_id, t.attempt, t.status, t.start, t.end, t.exit_code, t.signal, t.timed_out, t.stack,
             t.origin, t.input_paths, t.memo_hit) = r
            t.memo_hit = bool(t.memo_hit)
            t.input_paths = t.input_paths or ""
            prev = last.get((t.step, t.task_id))
            t.attempts = (prev.attempts if prev else 0) + 1
            last[(t.step, t.task_id)] = t
        return list(last.values())

    def replace_tags(self, flow, run_id, remove, add):
        """Removes then adds user tags of a run in one write transaction, as `tag replace` does:
        removing a system tag of the run raises ValueError and changes nothing; adding one of its
        system tags, adding a tag it has or removing one it has not changes nothing for that tag.
        Returns the run's user tags after the change, sorted."""
        if not os.path.exists(self.path):
            raise MetaflowNotFound("nothing was run under '%s' yet: there are no runs to tag" % self.root)
        try:
            db = sqlite3.connect(_uri(self.path, mode="rw"), uri=True, isolation_level=None, timeout=10)
        except sqlite3.Error as e:
            raise MetaflowCError("metadata database '%s' cannot be written: %s" % (self.path, e)) from e
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            db.execute("BEGIN IMMEDIATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise FormatVersionError(
                    "metadata database '%s' has schema version %d, not the %d this metaflow_c writes: %s"
                    % (self.path, version, SCHEMA_VERSION,
                       "run any writing command of a flow program once (a run, or `tag add`) to upgrade it"
                       if version < SCHEMA_VERSION else "upgrade the metaflow_c package"))
            if db.execute("SELECT 1 FROM runs WHERE flow = ? AND run_id = ?", (flow, run_id)).fetchone() is None:
                raise MetaflowNotFound("run '%s' of flow '%s' does not exist" % (run_id, flow))
            system = {r[0] for r in db.execute("SELECT tag FROM system_tags WHERE flow = ? AND run_id = ?",
                                               (flow, run_id))}
            for tag in remove:
                if tag in system:
                    raise ValueError("'%s' is a system tag of run '%s': system tags cannot be removed"
                                     % (tag, run_id))
                db.execute("DELETE FROM tags WHERE flow = ? AND run_id = ? AND tag = ?", (flow, run_id, tag))
            for tag in add:
                if tag not in system:
                    db.execute("INSERT OR IGNORE INTO tags(flow, run_id, tag) VALUES(?, ?, ?)",
                               (flow, run_id, tag))
            tags = [r[0] for r in db.execute("SELECT tag FROM tags WHERE flow = ? AND run_id = ? ORDER BY tag",
                                             (flow, run_id))]
            db.execute("COMMIT")
            return tags
        except sqlite3.Error as e:
            raise MetaflowCError("metadata database '%s': %s" % (self.path, e)) from e
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.close()

    def steps(self, flow, run_id):
        """Steps of a run with tasks, in the order their first task started."""
        rows = self._query("SELECT step, MIN(start) AS first, MIN(task_num) FROM tasks WHERE flow = ? AND "
                           "run_id = ? GROUP BY step ORDER BY first, 3, step", (flow, run_id))
        return [r[0] for r in rows]
