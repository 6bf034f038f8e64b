#!/usr/bin/env python3
"""Reproducer (a defect found by scripts/reliability, not yet fixed): 8 simultaneous first `accounts login` runs in a
fresh HOME (no cache yet) fail now and then with SQLite errors from the cache: IOERR_DELETE_NOENT (5898), "no such
table: attempts", "unable to open database file". On main: 8 of 120 runs, exit 2 or 1. Run from the repository after
`swift build`; exits 1 while the race is there."""
import importlib.machinery, importlib.util, subprocess, sys, tempfile
loader = importlib.machinery.SourceFileLoader("rel", __file__.replace("-first-login-race.py", ""))
spec = importlib.util.spec_from_loader("rel", loader); rel = importlib.util.module_from_spec(spec); loader.exec_module(rel)
work = tempfile.mkdtemp(); fake = rel.Fake(work); bin = rel.os.path.join(rel.REPO, ".build", "debug", "ecr-sessions")
hits = 0
for trial in range(15):
    box = rel.Sandbox(work, f"t{trial}", 8, fake.url, targets="docker")
    ps = [subprocess.Popen([bin, "accounts", "login", f"rel{k}"], env=box.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for k in range(1, 9)]
    for p in ps:
        out = p.communicate()[0].decode()
        if p.returncode:
            hits += 1; print(trial, p.returncode, [l for l in out.splitlines() if "rror" in l][:1])
print("failed runs:", hits, "of", 15 * 8)
fake.stop()
sys.exit(1 if hits else 0)
