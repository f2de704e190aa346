"""What a newcomer and ops meet first: the two make targets, the Procfile the README shows, .env.example."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _dry_run(target: str, tmp_path) -> str:
    """`make -n` against an empty virtualenv path: the commands a fresh machine would run."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # under make test
    fresh = [f"VENV={tmp_path / 'venv'}", f"AXE={tmp_path / 'node_modules' / 'axe.min.js'}"]  # nothing installed
    proc = subprocess.run(["make", "-n", target, *fresh], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_make_run_installs_only_what_the_app_needs(tmp_path):
    out = _dry_run("run", tmp_path)
    assert "-r requirements.txt" in out
    assert "requirements-dev.txt" not in out and "npm" not in out


def test_make_test_adds_the_dev_tools_and_axe_core(tmp_path):
    out = _dry_run("test", tmp_path)
    assert "-r requirements.txt" in out and "-r requirements-dev.txt" in out
    assert "npm ci" in out


def test_dev_tools_stay_out_of_the_runtime_requirements():
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for tool in ("pytest", "playwright", "moto", "aiosmtpd", "ruff"):
        assert tool not in runtime


def test_ci_runs_make_test():
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_readme_shows_the_real_procfile():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("`Procfile` (the file itself, verbatim):\n\n```\n", 1)[1].split("```", 1)[0]
    assert block == (ROOT / "Procfile").read_text()


def _config_settings() -> set[str]:
    source = (ROOT / "config.py").read_text()
    return set(re.findall(r'(?:env_str|env_int|env_bool|environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"', source))


def test_env_example_lists_every_setting_with_a_comment():
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = {}
    for i, line in enumerate(lines):
        m = re.match(r"^(?:# )?([A-Z][A-Z0-9_]*)=", line)
        if m:
            documented[m.group(1)] = i
    settings = _config_settings()
    assert len(settings) > 30  # the parse above really found config.py's settings
    missing = settings - documented.keys()
    assert not missing, f".env.example lacks {sorted(missing)}"
    for name, i in documented.items():
        # Each variable sits under an explanatory comment (a shared comment may cover a pair).
        above = next(j for j in range(i - 1, -1, -1) if not re.match(r"^(?:# )?[A-Z][A-Z0-9_]*=", lines[j]))
        assert lines[above].startswith("# ") and len(lines[above]) > 4, name
