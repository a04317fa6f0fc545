"""The README and docs/ say what is true: the commands CI runs, links that lead somewhere, a
regeneration command a user can run."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from derivcheck.read.source import split_header

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_the_readme_opens_with_the_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, tests = shell_blocks(readme)[:2]
    assert install.strip() == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/derivcheck derivations/"
    assert tests.strip() == ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    assert "derivcheck derivations/" in ci and ".venv/bin/python -m pytest" in ci
    assert readme.index("```sh") < readme.index("## ")          # before any section


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file(page):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert broken == []


def test_the_regeneration_command_rebuilds_the_seeds_as_students_wrote_them(tmp_path):
    """The README's command strips each derivation's header; what is left is the seed, byte for byte
    but for a final newline."""
    if shutil.which("awk") is None:
        pytest.skip("awk not found")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in shell_blocks(readme) if "build/seeds" in b)
    assert "--out reports/grades" in block and "../" not in block
    script = block.split("\n.venv/bin/derivcheck grade")[0].replace("build/seeds", str(tmp_path))
    subprocess.run(["bash", "-c", script], cwd=ROOT, check=True, timeout=60)
    for derivation in sorted((ROOT / "derivations").glob("*.md")):
        text = derivation.read_text(encoding="utf-8")
        seed = (tmp_path / f"{derivation.stem}.txt").read_text(encoding="utf-8")
        assert seed.rstrip("\n") == text[split_header(text)[1]:].rstrip("\n"), derivation.name


def test_the_format_reference_says_a_header_is_optional():
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    assert "It is optional" in text and "part of every file" not in text
