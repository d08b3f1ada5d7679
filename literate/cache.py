"""
# Cache: what a build keeps for the next

A build keeps three things in its cache folder: each page as rendered
(see "Pages"), each tutorial's verdict (see "Judging every tutorial"),
and a record of each site it built (see "Record"). Each is kept under a
fingerprint of everything it was made from, and the same rules hold for
all three.

In: what a thing was made from (facts and files), the thing, and the
entry it goes to. Out: the fingerprint; the thing again when asked with
the same fingerprint, and nothing when the fingerprint differs or the
entry is missing, damaged or foreign.
"""

import contextlib
import hashlib
import json
import os
import pickle
import sys
import threading
from pathlib import Path


# A fingerprint is a hash of facts (anything JSON can write: versions,
# settings, names) and of files (name and bytes), in that order. A name
# ends where its bytes begin, so no two different lists of files hash alike.
def fingerprint(facts, files=()):
    digest = hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str).encode())
    for name, data in files:
        digest.update(f"\0{name}\0".encode() + data)
    return digest.hexdigest()


# An entry holds the fingerprint it was made under beside the thing. Pages
# are pickles, which only this program writes, like Python's own
# `__pycache__`; verdicts and site records are JSON, for a person to read.
# Whatever reading an entry raises, it is a miss: the thing is made again.
def load(entry, key, form="json"):
    try:
        if form == "pickle":
            stored = pickle.loads(Path(entry).read_bytes())
        else:
            stored = json.loads(Path(entry).read_text(encoding="utf-8"))
        return stored["value"] if stored["key"] == key else None
    except Exception:
        return None


# An entry is written whole or not at all: into a file of its own (per
# process and thread: a preview's tests end in threads), then renamed over
# the old one, so that a build killed halfway, or two builds at once, never
# leave half an entry. A cache that cannot be written costs time, not the
# build: it is a warning.
def store(entry, key, value, form="json"):
    entry = Path(entry)
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.{threading.get_ident()}")
    record = {"key": key, "value": value}
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        if form == "pickle":
            partial.write_bytes(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        else:
            partial.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, entry)
        return True
    except OSError as error:
        print(f"warning: cannot keep {entry.name} in {entry.parent}: {error}", file=sys.stderr)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        return False
