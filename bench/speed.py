"""How fast `derivcheck derivations/` is, where the time goes, how it grows, and what a user would
otherwise reach for. Prints ratios against baselines measured in the same run.

    .venv/bin/python bench/speed.py            # everything (creates bench/.venv-mathverify once)
    .venv/bin/python bench/speed.py --quick    # skip the peers

1. Cold: the whole command in a fresh process (best of 3), against the 3 s target.
2. Split: import, reading (Markdown, rules, grammar) and deciding.
3. What honesty costs: the whole command with the second size set and the other readings of a text
   switched off (in the process, by patching), each against the command as shipped.
4. Growth: K = D = 2 … 6, each against K = D = 2.
5. Peers, on the same instantiated step pairs derivcheck decides: ``sympy.simplify(a - b) == 0``
   (5 s per pair at most), and Math-Verify's ``verify`` on the raw LaTeX pairs. Math-Verify needs
   antlr4-python3-runtime 4.13 (latex2sympy2 pins 4.7.2), so it runs in its own virtual environment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
TARGET_SECONDS = 3.0
PEER_SECONDS = 5


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - start


def cold() -> float:
    best = min(timed([PY, "-m", "derivcheck.run.cli", "derivations/", "--no-reports"]) for _ in range(3))
    print(f"cold `derivcheck derivations/`: {best:.2f} s = {best / TARGET_SECONDS:.2f} × the {TARGET_SECONDS:g} s target")
    return best


def split(total: float) -> None:
    imports = min(timed([PY, "-c", "import derivcheck.run.batch"]) for _ in range(3))
    code = ("import time; t=time.perf_counter(); import derivcheck.run.batch;"
            "from derivcheck.read.source import read_document; from derivcheck.verdict.checker import read;"
            "from derivcheck.notation.header import load_notation; from pathlib import Path; t0=time.perf_counter();"
            "[ [read(p.text, load_notation(d.header)) for c in d.chains for p in [c.first]+[l.piece for l in c.links]]"
            " for d in [read_document(str(f), f.read_text()) for f in sorted(Path('derivations').glob('*.md'))]];"
            "print(time.perf_counter()-t0)")
    out = subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    reading = float(out.stdout)
    deciding = max(0.0, total - imports - reading)
    print(f"  import {imports:.2f} s ({imports / total:.0%}) · reading {reading:.2f} s ({reading / total:.0%}) · "
          f"deciding and reporting {deciding:.2f} s ({deciding / total:.0%}), on {os.cpu_count()} cores")


#: Patches that switch one safeguard off, for measuring what it costs (never in the tool itself).
SAFEGUARDS_OFF = {
    "as shipped": "",
    "one size set": "orig = s.size_sets; s.size_sets = lambda *a: (orig(*a)[0], {})",
    "no other readings": "c.settled = lambda result: True",
}
SAFEGUARD_RUN = ("import sys, time; t = time.perf_counter();"
                 "import derivcheck.verdict.sizes as s, derivcheck.verdict.checker as c;"
                 "from derivcheck.run.cli import main; {patch}\n"
                 "sys.argv = ['derivcheck', 'derivations/', '--no-reports']\n"
                 "try: main()\nexcept SystemExit: pass\n"
                 "print(time.perf_counter() - t, file=sys.stderr)")


def safeguards() -> None:
    """The cost of the second size set and of the readings: each switched off, against the command as shipped."""
    times = {}
    for name, patch in SAFEGUARDS_OFF.items():
        runs = [subprocess.run([PY, "-c", SAFEGUARD_RUN.format(patch=patch)], cwd=ROOT, capture_output=True,
                               text=True, check=False) for _ in range(3)]
        times[name] = min(float(r.stderr.strip().splitlines()[-1]) for r in runs)
    shipped = times["as shipped"]
    for name, seconds in times.items():
        print(f"  {name}: {seconds:.2f} s = {seconds / shipped:.2f} × as shipped")


def growth() -> None:
    base = None
    for size in range(2, 7):
        t = timed([PY, "-m", "derivcheck.run.cli", "derivations/", "--no-reports", "--sizes", f"K={size},D={size}"])
        base = base or t
        print(f"  K = D = {size}: {t:6.2f} s = {t / base:5.2f} × K = D = 2")


# ----------------------------------------------------------------------------- peers

def step_pairs():
    """Every compared pair of every derivation: (texts, our verdict, instantiated value pairs)."""
    from derivcheck.verdict.checker import Options, check
    from derivcheck.verdict.decide import free_indices
    from derivcheck.meaning.indices import instances
    from derivcheck.meaning.values import EvaluationError, is_matrix
    from derivcheck.read.source import read_document
    from derivcheck.verdict.tasks import _read, context_for, notation_for, run_task
    pairs = []
    for path in sorted((ROOT / "derivations").glob("*.md")):
        walk = check(read_document(str(path), path.read_text()), Options())
        try:
            task = next(walk)
            while True:
                result = run_task(task)
                if task.kind == "compare" and result.outcome and result.outcome.status in ("proved", "refuted"):
                    ctx = context_for(task.spec)
                    notation = notation_for(task.spec)
                    lhs = notation.relabel(_read(task.lhs, "lhs"))
                    rhs = notation.relabel(_read(task.rhs, "rhs"))
                    values = []
                    try:
                        for env in instances(sorted(free_indices(lhs, notation) | free_indices(rhs, notation)),
                                             notation):
                            needs = {**ctx.labels_read(lhs, env), **ctx.labels_read(rhs, env)}
                            labels = tuple((k, 1) for k in sorted(needs))
                            a, b = ctx.value(lhs, env, labels), ctx.value(rhs, env, labels)
                            values += list(zip(a, b)) if is_matrix(a) and is_matrix(b) and a.shape == b.shape \
                                else [(a, b)] if not is_matrix(a) else []
                    except EvaluationError:
                        values = []
                    if values and task.relation == "=":
                        pairs.append({"lhs": task.lhs, "rhs": task.rhs, "equal": result.outcome.status == "proved",
                                      "values": values, "ctx": ctx})
                task = walk.send(result)
        except StopIteration:
            pass
    return pairs


class _Late(Exception):
    pass


def _alarm(signum, frame):
    raise _Late()


def ours_on(pairs) -> float:
    from derivcheck.verdict.identity import is_zero
    from derivcheck.verdict.refute import find_difference
    start = time.perf_counter()
    for p in pairs:
        p["ours"] = []
        for a, b in p["values"]:
            p["ours"].append(is_zero(a - b, p["ctx"].names) or (find_difference(a, b) is None and None))
    return time.perf_counter() - start


def simplify_on(pairs) -> tuple[float, int, int, int]:
    import sympy as sp
    signal.signal(signal.SIGALRM, _alarm)
    start = time.perf_counter()
    agree = total = late = 0
    for p in pairs:
        for (a, b), mine in zip(p["values"], p["ours"]):
            total += 1
            signal.alarm(PEER_SECONDS)
            try:
                theirs = sp.simplify(a - b) == 0
            except _Late:
                late += 1
                continue
            finally:
                signal.alarm(0)
            agree += bool(theirs) == bool(mine)
    return time.perf_counter() - start, agree, total, late


def mathverify_on(pairs) -> tuple[float, int, int] | None:
    venv = ROOT / "bench" / ".venv-mathverify"
    python = venv / "bin" / "python"
    if not python.exists():
        print("  creating bench/.venv-mathverify for Math-Verify (once) …")
        subprocess.run([PY, "-m", "venv", str(venv)], check=True)
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", "math-verify[antlr4_13_2]"],
                                 capture_output=True, text=True)
        if install.returncode != 0:
            print(f"  Math-Verify could not be installed: {install.stderr.strip().splitlines()[-1:]}")
            return None
    job = [{"lhs": p["lhs"], "rhs": p["rhs"]} for p in pairs]
    helper = ("import json,sys,time\nfrom math_verify import parse, verify\nout=[]\nt=time.perf_counter()\n"
              "for p in json.load(sys.stdin):\n"
              "    try: out.append(bool(verify(parse('$'+p['lhs']+'$'), parse('$'+p['rhs']+'$'))))\n"
              "    except Exception: out.append(None)\n"
              "print(json.dumps({'seconds': time.perf_counter()-t, 'verdicts': out}))\n")
    run = subprocess.run([str(python), "-c", helper], input=json.dumps(job), capture_output=True, text=True)
    if run.returncode != 0:
        print(f"  Math-Verify failed: {run.stderr.strip().splitlines()[-1:]}")
        return None
    data = json.loads(run.stdout)
    agree = sum(v is not None and v == p["equal"] for v, p in zip(data["verdicts"], pairs))
    return data["seconds"], agree, len(pairs)


def peers() -> None:
    pairs = step_pairs()
    n_values = sum(len(p["values"]) for p in pairs)
    ours = ours_on(pairs)
    print(f"peers on {len(pairs)} step pairs ({n_values} instantiated entry pairs):")
    print(f"  derivcheck (exact procedure, refutation when not proved): {ours:.2f} s")
    seconds, agree, total, late = simplify_on(pairs)
    print(f"  sympy.simplify(a - b) == 0: {seconds:.2f} s = {seconds / ours:.1f} × derivcheck; agrees on "
          f"{agree}/{total} = {agree / total:.2f} (gave no answer within {PEER_SECONDS} s on {late})")
    mv = mathverify_on(pairs)
    if mv:
        seconds, agree, total = mv
        print(f"  Math-Verify verify(raw LaTeX): {seconds:.2f} s = {seconds / ours:.1f} × derivcheck; agrees on "
              f"{agree}/{total} = {agree / total:.2f} step verdicts")


def main() -> None:
    total = cold()
    split(total)
    print("what the safeguards cost (each switched off):")
    safeguards()
    print("growth with K and D:")
    growth()
    if "--quick" not in sys.argv:
        peers()


if __name__ == "__main__":
    main()
