"""Findings -> what people and tools read: Markdown that renders on GitHub, JSON, a terminal table.

This is the only module that turns findings into words (messages.py holds the sentences).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..verdict.findings import Counterexample, DerivationResult, Repair, StepResult
from ..verdict.messages import CarriesError, Recovered
from .display import display

MARK = {"valid": "✅", "invalid": "❌", "garbled": "🩹", "unsupported": "🚫", "undecided": "❓"}
FINAL_MARK = {"correct": "✅", "incorrect": "❌", "undecided": "❓", "unsupported": "🚫", "none": "—"}
#: A valid step that follows from a wrong one, and one that returns to the last correct expression:
#: valid as steps (the JSON says ``valid``), but a reader must not take them for correct lines.
CARRIED_MARK, RECOVERED_MARK = "➡️", "↩️"
LEGEND = ("✅ valid (proved exactly) · ❌ invalid (with a counterexample) · 🩹 garbled (damaged LaTeX; the "
          "repaired reading is checked too) · 🚫 unsupported · ❓ undecided · ➡️ follows from an earlier "
          "error (the step itself is valid, the expression is still wrong) · ↩️ recovers after an error "
          "(proved equal to the last correct expression)")


# ----------------------------------------------------------------------------- JSON

def to_json(results: list[DerivationResult], errors: list[str] | None = None) -> str:
    data = {"derivcheck": __version__, "derivations": [derivation_data(r) for r in results],
            "errors": list(errors or [])}
    return json.dumps(data, indent=2, ensure_ascii=False)


def derivation_data(r: DerivationResult) -> dict:
    return {
        "file": r.file,
        "source": r.source,
        "title": r.title,
        "sizes": r.sizes,
        "summary": summary_counts(r),
        "steps": [step_data(s) for s in r.steps],
        "displays": [{"line": d.line, "latex": d.latex, "reason": d.reason, "notes": d.notes} for d in r.displays],
        "final": {"verdict": r.final.verdict,
                  "targets": [_target_data(t) for t in r.final.targets]},
        "error": r.error,
        "notation": notation_data(r),
        "reading": reading_data(r),
    }


def reading_data(r: DerivationResult) -> dict | None:
    """Where the text admits several readings: the one the verdicts are under, and what the others change."""
    if r.reading is None:
        return None
    return {"adopted": r.reading.adopted,
            "others": [{"name": name, "changes": changes} for name, changes in r.reading.others]}


def notation_data(r: DerivationResult) -> dict:
    """Where the notation came from: the file's header, or inferred from its text (and how)."""
    if r.inferred is None:
        return {"inferred": False}
    return {"inferred": True, "header": r.notation,
            "notes": [{"kind": x.kind, "text": x.text, "line": x.line} for x in r.inferred]}


def _target_data(t) -> dict:
    data = {"of": t.of, "wrt": t.wrt, "at": t.step, "verdict": t.verdict, "reason": t.reason,
            "counterexample": cex_data(t.counterexample)}
    if t.reference is not None:
        data["reference"] = {"verdict": t.reference.verdict, "reason": t.reference.reason,
                             "target": t.reference.target, "counterexample": cex_data(t.reference.counterexample)}
    return data


def step_data(s: StepResult) -> dict:
    return {
        "id": s.id, "line": s.line, "latex": s.latex, "verdict": s.verdict, "reason": str(s.reason),
        "counterexample": cex_data(s.counterexample), "repair": repair_data(s.repair),
        "kind": s.kind, "relation": s.relation, "notes": s.notes, "tag": s.tag,
        "source_line": s.source_line, "compared_with": s.compared_with, "justification": s.justification,
        "location": s.location,
    }


def cex_data(c: Counterexample | None) -> dict | None:
    if c is None:
        return None
    return {"indices": dict(c.indices), "labels": dict(c.labels), "inputs": dict(c.inputs), "lhs": c.lhs,
            "rhs": c.rhs, "entry": list(c.entry) if c.entry else None,
            "shapes": list(c.shapes) if c.shapes else None, "note": c.note, "sizes": dict(c.sizes)}


def repair_data(r: Repair | None) -> dict | None:
    if r is None:
        return None
    return {"kind": r.kind, "change": r.change, "latex": r.latex, "verdict": r.verdict,
            "reason": str(r.reason) if r.reason else None, "counterexample": cex_data(r.counterexample),
            "repair": repair_data(r.repair), "alternatives": [repair_data(a) for a in r.alternatives]}


def summary_counts(r: DerivationResult) -> dict:
    counts = {v: r.count(v) for v in MARK}
    counts["steps"] = len(r.steps)
    return counts


# ----------------------------------------------------------------------------- terminal

def table(results: list[DerivationResult]) -> str:
    rows = [("file", "steps", "valid", "invalid", "garbled", "other", "final")]
    names = Counter(Path(r.file).name for r in results)
    for r in results:
        # a file's name, or its path when two files of the run share the name
        name = Path(r.file).name if names[Path(r.file).name] == 1 else r.file
        if r.error:
            rows.append((name, "-", "-", "-", "-", "-", "error"))
            continue
        other = r.count("unsupported") + r.count("undecided")
        rows.append((name, str(len(r.steps)), str(r.count("valid")), str(r.count("invalid")),
                     str(r.count("garbled")), str(other), r.final.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- Markdown

def markdown(r: DerivationResult, name: str | None = None, folder: str | Path = "reports") -> str:
    """The report a person reads; ``name`` is the report's own name (unique per input path) and
    ``folder`` where it is written, so the link back to the derivation works from there."""
    name = name or Path(r.file).stem
    out = [f"# {name}: {r.title}", ""]
    source = f"`{r.source}`" if r.source else "this file"
    sizes = ", ".join(f"{k} = {v}" for k, v in r.sizes.items())
    out += [f"Checked from {source} ([derivation]({_rel(r.file, folder)})) at {sizes or 'the declared sizes'} "
            f"by derivcheck {__version__}.", ""]
    if r.error:
        out += [f"**This derivation could not be checked:** {r.error}", ""]
        return "\n".join(out)
    out += [_summary_line(r), ""]
    if r.reading is not None:
        out += [_reading_line(r), ""]
    out += ["| step | line | verdict | why |", "|---:|---:|---|---|"]
    for s in r.steps:
        out.append(f"| [{s.id}](#step-{s.id}) | {s.line} | {step_label(s)} | {_short(s)} |")
    out += ["", f"<sub>{LEGEND}</sub>", ""]
    if r.final.targets:
        out += ["## Final result", ""]
        for t in r.final.targets:
            out.append(f"- {FINAL_MARK[t.verdict]} **{t.verdict}**: $\\partial {_inline(t.of)} / \\partial "
                       f"{_inline(t.wrt)}$ at {t.step or '—'}: {t.reason}")
            if t.counterexample:
                out += ["", _counterexample(t.counterexample, "the true derivative", "the final expression")]
        out.append("")
    out += ["## Steps", ""]
    for s in r.steps:
        out += step_section(s)
    if r.inferred is not None:
        out += _notation_section(r)
    if r.displays:
        out += ["## Displays that are not steps", ""]
        for d in r.displays:
            out += [f"- line {d.line}: {d.reason}", "", _math(d.latex), ""]
            out += [f"  - ⚠️ {note}" for note in d.notes]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _reading_line(r: DerivationResult) -> str:
    """The reading adopted where the text admits several, and what each other one would change."""
    parts = []
    for name, changes in r.reading.others:
        changed = ", ".join(f"step {k} {v}" for k, v in sorted(changes.items(), key=lambda kv: int(kv[0])))
        parts.append(f"read “{name}”, {changed or 'no verdict would change'}")
    return f"**Reading adopted**: “{r.reading.adopted}” (most steps hold under it); " + "; ".join(parts) + "."


def step_label(s: StepResult) -> str:
    """The mark and words for a step's verdict. A valid step that carries an earlier error, or that
    recovers from one, gets its own mark: a ✅ beside it would read as "this line is right"."""
    if isinstance(s.reason, CarriesError):
        return f"{CARRIED_MARK} follows from the error in step {s.reason.origin}"
    if isinstance(s.reason, Recovered) and s.reason.shown_wrong:
        return f"{RECOVERED_MARK} recovers after the error in step {s.reason.wrong}"
    return f"{MARK[s.verdict]} {s.verdict}"


NOTE_MARK = {"stated": "📄", "convention": "📐", "undefined": "⚠️", "ignored": "↷"}
NOTE_WORD = {"stated": "stated in the text", "convention": "a convention (the text does not say)",
             "undefined": "never defined", "ignored": "not used"}


def _notation_section(r: DerivationResult) -> list[str]:
    """The notation derivcheck inferred (no header): what it read, on what grounds, and the
    header itself, which an instructor can copy into the file and correct."""
    import yaml
    out = ["## Notation (inferred from the text)", "",
           "This file has no notation header, so derivcheck read the notation from the text itself:", ""]
    for note in r.inferred:
        out.append(f"- {NOTE_MARK.get(note.kind, '-')} *{NOTE_WORD.get(note.kind, note.kind)}*: {note.text}")
    header = {k: v for k, v in (r.notation or {}).items() if k != "inferred"}
    text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=100)
    out += ["", "<details><summary>The header this amounts to (put it at the top of the file to fix or "
            "change it)</summary>", "", *_code("---\n" + text + "---", "yaml"), "", "</details>", ""]
    return out


def _summary_line(r: DerivationResult) -> str:
    n = len(r.steps)
    carried = sum(1 for s in r.steps if isinstance(s.reason, CarriesError))
    parts = [f"**{r.count('valid')} of {n} steps valid**"
             + (f" ({carried} of them {'follows' if carried == 1 else 'follow'} from an earlier error)"
                if carried else "")]
    for verdict in ("invalid", "garbled", "unsupported", "undecided"):
        if r.count(verdict):
            parts.append(f"{r.count(verdict)} {verdict}")
    first = next((s for s in r.steps if s.verdict == "invalid"), None)
    if first:
        parts.append(f"first invalid step: [step {first.id}](#step-{first.id}) (line {first.line})")
    parts.append(f"final result: {FINAL_MARK[r.final.verdict]} {r.final.verdict}")
    return " · ".join(parts)


def _short(s: StepResult) -> str:
    text = s.reason.short()
    if isinstance(s.reason, CarriesError):
        text = "proved equal to the expression before it, which is wrong: the error is carried forward"
    elif isinstance(s.reason, Recovered):
        text = text.removeprefix("recovers: ")
    elif s.verdict == "garbled" and s.repair is not None:
        text = f"damaged LaTeX; the repaired reading is {s.repair.verdict}"
        if s.repair.repair is not None:
            text += f" (did you mean {_after(s.repair.repair.change)}?)"
    elif s.verdict == "invalid" and s.repair is not None:
        text = f"did you mean {_after(s.repair.change)}?"
    elif s.verdict == "invalid":
        text = "see the counterexample"
    if s.notes:
        text += " ⚠️"
    return _cell(text)


def _after(change: str) -> str:
    """"σ(z_i) → σ(z_j)" -> "$σ(z_j)$"; other kinds of change as they are."""
    if " → " in change:
        return f"${change.split(' → ', 1)[1]}$"
    return f"to {change}"


def _change_text(change: str) -> str:
    if " → " in change:
        before, after = change.split(" → ", 1)
        where = ""
        m = re.match(r"(the \w+ |in the entry `[^`]*` \([^)]*\): )", before)
        if m:
            where, before = m.group(0), before[m.end():]
        if where.startswith("in "):
            return f"${after}$ instead of ${before}$ {where.rstrip(': ')}"
        return f"${after}$ instead of {where}${before}$"
    return f"to {change}"


def step_section(s: StepResult) -> list[str]:
    out = [f'<a id="step-{s.id}"></a>', "", f"### Step {s.id} · line {s.line}"
           + (f" · equation ({s.tag})" if s.tag else "") + f" · {step_label(s)}", ""]
    if s.justification:
        out += [f"> {_plain(s.justification)}", ""]
    relation = "=" if s.relation == "=" else s.relation
    if s.kind == "display":
        out += ["As written:", ""] + _code(s.latex)
    elif s.verdict == "garbled":
        out += ["As written (damaged):", ""] + _code(s.latex)
    elif s.equation or s.kind == "definition":
        out += [_math(s.latex), ""]
    elif s.verdict == "valid":
        out += [_math(f"{relation} {s.latex}"), ""]
    else:
        out += [f"The expression before it (step {s.compared_with}):" if s.compared_with and
                s.compared_with[0].isdigit() else "The expression before it:", "", _math(s.lhs_latex), "",
                "This step:", "", _math(f"{relation} {s.latex}"), ""]
    out += [_verdict_sentence(s), ""]
    if s.counterexample:
        sides = ("the left side", "the right side") if s.equation else ("the expression before it", "this step")
        out += [_counterexample(s.counterexample, *sides), ""]
    if s.repair:
        out += _repair(s.repair)
    for note in s.notes:
        out.append(f"- ⚠️ notation: {note}")
    if s.notes:
        out.append("")
    return out


def _verdict_sentence(s: StepResult) -> str:
    if isinstance(s.reason, CarriesError):
        return (f"**Follows from the error in step {s.reason.origin}** (verdict `valid`, as a step): {s.reason}. "
                f"The expression itself is still wrong; correct step {s.reason.origin} and this line follows.")
    if isinstance(s.reason, Recovered) and s.reason.shown_wrong:
        return f"**Recovers after the error in step {s.reason.wrong}** (verdict `valid`): {s.reason}."
    return f"**{s.verdict.capitalize()}**: {s.reason}."


def _repair(rep: Repair, depth: int = 0) -> list[str]:
    out = []
    if rep.kind == "damage" and rep.repair is None and rep.verdict == "valid":
        out += [f"🩹 **Repaired reading** ({rep.change}): {MARK[rep.verdict]} **valid**, proved exactly:", "",
                _math(rep.latex), ""]
        return out
    if rep.kind == "damage":
        out += [f"🩹 **Repaired reading** ({rep.change}), checked instead: "
                f"{MARK[rep.verdict]} **{rep.verdict}**" + (f": {rep.reason}." if rep.reason else "."), "",
                _math(rep.latex), ""]
        if rep.counterexample:
            out += [_counterexample(rep.counterexample), ""]
        if rep.repair:
            out += _repair(rep.repair, depth + 1)
        return out
    out += [f"💡 **Did you mean** {_change_text(rep.change)}? With that change the step is "
            f"{MARK[rep.verdict]} {rep.verdict}, proved exactly:", "", _math(rep.latex), ""]
    for alt in rep.alternatives:
        out += [f"Equally valid: {_change_text(alt.change)}:", "", _math(alt.latex), ""]
    return out


def _counterexample(c: Counterexample, left: str = "the expression before it",
                    right: str = "this step") -> str:
    where = ", ".join(f"${k} = {v}$" for k, v in c.indices)
    labels = ", ".join(f"${k} = {v}$" for k, v in c.labels)
    context = " and ".join(x for x in (where, f"label {labels}" if labels else "") if x) or "every index"
    if c.sizes:
        context += " with sizes " + ", ".join(f"${k} = {v}$" for k, v in c.sizes)
    if c.note:
        return f"**Counterexample** at {context}: {c.note}."
    if c.shapes:
        return f"**Counterexample** at {context}: {left} is a {c.shapes[0]}, {right} a {c.shapes[1]}."
    inputs = ", ".join(f"${_var(k)} = {v}$" for k, v in c.inputs) or "any input"
    entry = f" (entry {', '.join(map(str, c.entry))})" if c.entry else ""
    return (f"**Counterexample** at {context}, with {inputs}: {left} is {c.lhs}, "
            f"{right} is {c.rhs}{entry}.")


def _var(name: str) -> str:
    """An input's name as LaTeX: ``x[2]`` (entry 2 of x) -> ``x_{[2]}``; ``w_{1}[2]`` -> ``(w_{1})_{[2]}``,
    since a second subscript is a math error."""
    m = re.fullmatch(r"(.*?)\[([0-9,]+)\]", name)
    if not m:
        return name
    base = f"({m.group(1)})" if "_" in m.group(1) else m.group(1)
    return f"{base}_{{[{m.group(2)}]}}"


def _code(text: str, language: str = "latex") -> list[str]:
    """A fenced block that the author's text cannot close early (the fence outgrows any run of ```)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence, ""]


def _math(latex: str) -> str:
    """A display-math block that renders on GitHub; text that could close it early (a ``$``) or that
    no renderer would read (unbalanced braces, see display.py) is shown as code instead."""
    text = display(latex) if "`" not in latex else None
    if text is None:
        return "\n".join(_code(latex)[:-1])
    return f"$$\n{text}\n$$"


def _inline(latex: str) -> str:
    return " ".join(latex.split())


def _plain(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _plain(text).replace("|", "\\|")


def _rel(path: str, folder: str | Path) -> str:
    """``path`` as a link from a report in ``folder`` (escaped: a space or a parenthesis would end it)."""
    return quote(Path(os.path.relpath(os.path.abspath(path), os.path.abspath(folder))).as_posix())


def index(reports: dict[str, dict]) -> str:
    """The index of a reports folder: one row per report in it (name -> its derivation's JSON data,
    as ``derivation_data`` writes it), whichever run wrote it."""
    out = ["# derivcheck reports", "", f"derivcheck {__version__}: every step of every derivation, proved or "
           f"refuted. {LEGEND}.", "",
           "| derivation | steps | ✅ | ❌ | 🩹 | other | first invalid | final |", "|---|---:|---:|---:|---:|---:|---|---|"]
    for name, data in sorted(reports.items()):
        link = f"[{_cell(name)}]({quote(name)}.md)"
        if data.get("error"):
            out.append(f"| {link} | — | — | — | — | — | — | could not be read: {_cell(str(data['error']))} |")
            continue
        steps = data.get("steps") or []
        count = Counter(s.get("verdict") for s in steps)
        first = next((s for s in steps if s.get("verdict") == "invalid"), None)
        first_text = f"[step {first['id']}]({quote(name)}.md#step-{first['id']})" if first else "—"
        final = (data.get("final") or {}).get("verdict", "none")
        out.append(f"| {link} | {len(steps)} | {count['valid']} | {count['invalid']} | {count['garbled']} | "
                   f"{count['unsupported'] + count['undecided']} | {first_text} | "
                   f"{FINAL_MARK.get(final, '')} {final} |")
    return "\n".join(out) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write-then-rename, so a reader never sees half a report. The file gets the mode any new file
    of this process gets (0666 less the umask), not mkstemp's private 0600: a published reports
    folder must be readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process umask (reading it means setting it; it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
