#!/usr/bin/env python3
"""Turns scripts/benchmark's measurements (one JSON object a line) into BENCHMARKS.md's table, with ratios and goals.

Everything below the marker line of an existing report (the profile notes, written by hand) is kept, so a rerun
replaces the figures and not the explanation of them. Prints the table on stdout too.
"""
import argparse, datetime, json, os, platform, subprocess

MARKER = "<!-- Notes below this line are kept when scripts/benchmark rewrites this file. -->"


def load(path):
    values = {}
    with open(path) as lines:
        for line in lines:
            entry = json.loads(line)
            values.setdefault(entry.pop("key"), {}).update(entry)
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("results", "output", "command", "commit", "configuration"):
        parser.add_argument(f"--{name}", required=True)
    for name in ("few", "sweep", "profiles", "latency-ms", "concurrency", "large-concurrency", "binary-size",
                 "smoke"):
        parser.add_argument(f"--{name}", type=int, required=True)
    args = parser.parse_args()
    m = load(args.results)

    def ms(key):
        return m[key]["mean"]

    def timing(key):
        return f"{ms(key):.1f} ms"

    def spread(key):
        return f"{ms(key):.1f} ms (± {m[key]['stddev']:.1f}, min {m[key]['min']:.1f})"

    def instructions(key):
        value = m[key].get("instructions")
        if value is None:
            return None
        try:
            return f"{int(value) / 1e6:.1f} M instr."
        except ValueError:
            return value  # "valgrind failed"

    def rss(key):
        return m[key]["rss_kib"] and int(m[key]["rss_kib"]) / 1024

    def figures(key):
        parts = [spread(key), instructions(key)]
        if "rss_kib" in m[key]:
            parts.append(f"{rss(key):.0f} MiB")
        return ", ".join(part for part in parts if part)

    def met(ok):
        return "**met**" if ok else "missed"

    few, sweep, large, latency = args.few, args.sweep, args.profiles, args.latency_ms
    hello = ms("hello")
    rows = []

    help_ratio = ms("help") / hello
    shown = f"{help_ratio:.1f}× plain"
    try:
        shown += f" ({int(m['help']['instructions']) / int(m['hello']['instructions']):.1f}× its instructions)"
    except (KeyError, ValueError):
        pass
    rows.append(("`--help` (start-up floor)", figures("help"),
                 f"plain Swift hello {figures('hello')}; Foundation hello {figures('hello_foundation')}",
                 shown, "≤ 2× plain hello", met(help_ratio <= 2)))
    for key, name in (("status_large", f"`status`, {large:,} rows"),
                      ("status_json_large", f"`status --json`, {large:,} rows")):
        ratio = ms(key) / hello
        rows.append((name, figures(key), f"plain hello {timing('hello')}", f"{ratio:.1f}× plain",
                     "≤ 3× plain hello", met(ratio <= 3)))
    # The cost of one more row: the two HOMEs' fastest runs apart, over the rows between them (means are noisier).
    per_row = (m["refresh_large"]["min"] - m["refresh_few"]["min"]) / (large - few) * 1000
    ratio = ms("refresh_large") / hello
    try:
        per_row_instructions = (int(m["refresh_large"]["instructions"]) - int(m["refresh_few"]["instructions"])) / (
            large - few)
        per_row_text = f", {per_row_instructions / 1000:.0f} k instr. per row"
    except (KeyError, ValueError):
        per_row_text = ""
    rows.append((f"`refresh --quiet`, nothing due, {large:,} rows",
                 f"{figures('refresh_large')}; {per_row:.1f} µs per row (min to min){per_row_text}"
                 f" ({few} rows: {timing('refresh_few')})", f"plain hello {timing('hello')}", f"{ratio:.1f}× plain",
                 "≤ 3× plain hello, ≤ 5 µs per row", met(ratio <= 3 and per_row <= 5)))
    # No goal of its own: what an idle refresh costs when it plans everything again (its inputs changed, or the
    # hourly full run), beside the row above, whose runs find nothing changed.
    ratio = ms("refresh_full_large") / hello
    rows.append((f"`refresh --quiet`, nothing due, {large:,} rows, planning every registry (after a change; "
                 "at least hourly)", f"{figures('refresh_full_large')} ({few} rows: {timing('refresh_full_few')})",
                 f"plain hello {timing('hello')}", f"{ratio:.1f}× plain", "—", "—"))
    for scale, count in (("few", few), ("large", large)):
        ratio = ms(f"ecr_login_{scale}") / ms(f"helper_{scale}")
        rows.append((f"`credential-helper get`, {count:,} profiles", figures(f"helper_{scale}"),
                     f"amazon-ecr-credential-helper cached get {timing(f'ecr_login_{scale}')}",
                     f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower",
                     "faster than ecr-login", met(ratio > 1)))
    for scale, count in (("few", few), ("large", large)):
        ratio = ms(f"aws_cli_{scale}") / ms(f"password_{scale}")
        versus_helper = ms(f"ecr_login_{scale}") / ms(f"password_{scale}")
        rows.append((f"cached `get-login-password`, {count:,} profiles", figures(f"password_{scale}"),
                     f"`aws ecr get-login-password` {timing(f'aws_cli_{scale}')}; ecr-login get "
                     f"{timing(f'ecr_login_{scale}')}", f"{ratio:.0f}× the AWS CLI; {versus_helper:.1f}× ecr-login",
                     "≥ 50× the AWS CLI, faster than ecr-login's get", met(ratio >= 50 and versus_helper > 1)))
    for scale, count, concurrency in (("sweep", sweep, args.concurrency), ("large", large, args.large_concurrency)):
        bound = count * latency / concurrency
        ratio = ms(f"login_{scale}") / bound if bound else float("nan")
        peer = f"bound N×{latency} ms/{concurrency} = {bound:.0f} ms; `curl --parallel` {timing(f'curl_{scale}')}"
        goal, ok = "≤ 1.15× the bound", bool(bound) and ratio <= 1.15
        if scale == "large":
            loop = count * ms("aws_cli_large")
            loop_ratio = loop / ms(f"login_{scale}")
            peer += f"; AWS CLI loop ≈ {loop / 1000:.0f} s (N × one call)"
            goal += "; ≥ 500× the AWS CLI loop"
            ok = ok and loop_ratio >= 500
            shown = f"{ratio:.2f}× bound; {loop_ratio:.0f}× the AWS CLI loop"
        else:
            shown = f"{ratio:.2f}× bound"
        shown += f"; {ms(f'login_{scale}') / ms(f'curl_{scale}'):.2f}× curl"
        rows.append((f"`accounts login --all`, N={count:,}, concurrency {concurrency}", figures(f"login_{scale}"),
                     peer, shown, goal, met(ok)))
    sign, distinct, botocore = m["sign"], m["sign_distinct"], m["botocore_sign"]
    ratio = float(sign["rate"]) / float(botocore["rate"])
    rows.append(("SigV4 signing", f"{float(sign['rate']) / 1000:.1f} k/s ({float(sign['us']):.1f} µs); a new key each "
                 f"time {float(distinct['rate']) / 1000:.1f} k/s", f"botocore `add_auth` "
                 f"{float(botocore['rate']) / 1000:.1f} k/s ({float(botocore['us']):.1f} µs)", f"{ratio:.1f}×",
                 "≥ 10× botocore", met(ratio >= 10)))
    quiet = ["status_large", "status_json_large", "refresh_large", "refresh_full_large", "helper_large",
             "password_large"]
    quiet_peak = max(rss(key) for key in quiet)
    login_peak = rss("login_large")
    rows.append((f"peak RSS at {large:,}", f"{quiet_peak:.0f} MiB without network (max of status, status --json, "
                 f"refresh either way, get, get-login-password); {login_peak:.0f} MiB for login", "—", "—",
                 "≤ 20 MiB without network, ≤ 30 MiB for login", met(quiet_peak <= 20 and login_peak <= 30)))

    table = ["| what | ecr-sessions | peer or bound | ratio | goal | |", "|---|---|---|---|---|---|"]
    table += ["| " + " | ".join(row) + " |" for row in rows]
    try:
        valgrind = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        valgrind = "no valgrind"
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# ecr-sessions benchmarks",
        "",
        f"One run of `{args.command}`: {when}, commit {args.commit}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPU(s) (shared), {swift[0] if swift else 'swift'}, {valgrind}, the {args.configuration} "
        f"binary ({args.binary_size / 2**20:.1f} MiB). Times are hyperfine's mean (± σ, min) over its runs; ratios "
        f"compare means of this same run. A local fake ECR (`scripts/benchmark-ecr.py`) answers each call after "
        f"{latency} ms; HOMEs of {few}, {sweep} and {large:,} profiles with static keys, one registry each over "
        "four regions. Instructions are callgrind's; peak RSS is GNU time's maximum resident set.",
        "",
    ]
    if args.smoke:
        header += ["**Smoke run** (tiny HOMEs, the debug binary, one run each): the figures only show the script "
                   "works.", ""]
    notes = ""
    if os.path.exists(args.output):
        text = open(args.output).read()
        if MARKER in text:
            notes = text.split(MARKER, 1)[1]
    with open(args.output, "w") as report:
        report.write("\n".join(header + table) + "\n\n" + MARKER + (notes or "\n"))
    print("\n".join(table))


if __name__ == "__main__":
    main()
