# SPDX-License-Identifier: Apache-2.0
"""_graph.py - the runtime graph of a run: a task's input paths, parsed.

A task records the tasks it ran after as input paths, "STEP/ID[-LAST],..." in input order (a foreach
join names its N inputs as one range): in its index from format version 3 (field 'inputs'), and in
the run metadata (tasks.input_paths) as the scheduler passed them. Parents are those paths expanded;
children are the tasks whose paths name a task, found without expanding ranges.
"""

import re

_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)/([0-9]+)(?:-([0-9]+))?\Z")


def parse(paths):
    """[(step, first, last)] of an input path list; ValueError naming a malformed entry."""
    out = []
    for entry in paths.split(",") if paths else []:
        m = _ENTRY.match(entry)
        if not m:
            raise ValueError("malformed input path '%s' in '%s': expected STEP/TASK or STEP/FIRST-LAST"
                             % (entry, paths))
        first = int(m.group(2))
        last = int(m.group(3)) if m.group(3) else first
        if last < first:
            raise ValueError("malformed input path '%s' in '%s': the range ends before it starts" % (entry, paths))
        out.append((m.group(1), first, last))
    return out


def expand(paths):
    """(step, task_id) of every task the paths name, in input order."""
    for step, first, last in parse(paths):
        for i in range(first, last + 1):
            yield step, str(i)


def names(paths, step, task_id):
    """True when the paths name task STEP/task_id."""
    try:
        i = int(task_id)
        return any(s == step and first <= i <= last for s, first, last in parse(paths))
    except ValueError:
        return False


def frames(stack):
    """Split frames of a stack ("" has none)."""
    return len(stack.split(",")) if stack else 0
