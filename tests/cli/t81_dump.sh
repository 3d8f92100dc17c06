#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t81: dump gives whole values - --full never summarises, a summary is named
# in the task's "summarised" list (so a user's map with the same keys is not
# taken for one), and --file writes one artifact's raw content.
. "$(dirname "$0")/lib.sh"
F=$FLOWS/dump_flow
PY=/usr/bin/python3

run_ok "the flow runs" "$F" run --quiet
run_ok "dump --json" "$F" dump 1/start/1 --json
assert_true "... summarises the large values and says which they are" $PY -c '
import json,sys
t=json.load(open(sys.argv[1]))[0]
assert t["summarised"]==["big","blob","names","text"], t["summarised"]
a=t["artifacts"]
assert a["big"]=={"type":"f64 array","length":100,"head":[0.0,0.5,1.0,1.5,2.0],"tail":[49.0,49.5]}, a["big"]
assert a["lookalike"]=={"head":[0.0],"length":100,"tail":[49.5],"type":"f64 array"}
assert a["small"]==7' "$OUT"
run_ok "dump --json --full" "$F" dump 1/start/1 --json --full
assert_true "... gives every value whole and summarises nothing" $PY -c '
import json,sys,base64
t=json.load(open(sys.argv[1]))[0]
assert t["summarised"]==[]
a=t["artifacts"]
assert a["big"]==[i*0.5 for i in range(100)]
assert base64.b64decode(a["blob"])==bytes(range(256))
assert a["text"]==("abcdefghijklmnopqrstuvwxyz"*12)[:300]
assert a["names"]==["n%d"%i for i in range(30)]' "$OUT"
run_ok "dump --full (text)" "$F" dump 1/start/1 --full --artifact big
assert_contains "... the whole array" "$(cat "$OUT")" "49.0,49.5]"
run_ok "dump --file of an f64 array" "$F" dump 1/start/1 --artifact big --file big.bin
assert_contains "... says what it wrote" "$(cat "$ERR")" "wrote 800 bytes (f64 array 'big' of 1/start/1) to big.bin"
assert_true "... little-endian doubles" $PY -c '
import struct,sys
assert open(sys.argv[1],"rb").read()==struct.pack("<100d",*[i*0.5 for i in range(100)])' big.bin
run_ok "dump --file of bytes" "$F" dump 1/start/1 --artifact blob --file out/blob.bin
assert_true "... the bytes as they are" $PY -c '
import sys; assert open(sys.argv[1],"rb").read()==bytes(range(256))' out/blob.bin
run_ok "dump --file of a string" "$F" dump 1/start/1 --artifact text --file text.txt
assert_eq "... its text" "$(printf 'abcdefghijklmnopqrstuvwxyz%.0s' $(seq 12) | head -c 300)" "$(cat text.txt)"
run_ok "dump --file of an int" "$F" dump 1/start/1 --artifact small --file small.json
assert_eq "... as JSON" "7" "$(cat small.json)"
expect_fail "dump --file needs one task" 2 "$F" dump 1/start --artifact big --file x
assert_contains "... says what to give" "$(cat "$ERR")" "--file writes one artifact of one task"
expect_fail "dump --file needs --artifact" 2 "$F" dump 1/start/1 --file x
expect_fail "dump --file of a missing artifact" 1 "$F" dump 1/start/1 --artifact nope --file x
assert_true "... writes nothing" test ! -e x
finish
