"""bin/_setup's apt steps (sourced by bin/demo and bin/test), run against a stand-in
apt-get that plays another apt holding the lock, or a failing install."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FAKE_APT = """#!/usr/bin/env bash
echo "$*" >> "$CALLS"
echo "Reading package lists... Building dependency tree... (apt's chatter)"
calls=$(wc -l < "$CALLS")
if [ "$calls" -le "${LOCKED_CALLS:-0}" ]; then
    echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)"
    exit 100
fi
case "$*" in *libbroken*) echo "E: Unable to locate package libbroken"; exit 100;; esac
exit 0
"""


@pytest.fixture
def fake_apt(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("apt-get", FAKE_APT), ("sudo", '#!/bin/sh\nexec "$@"\n')):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls"
    calls.touch()
    return bin_dir, calls


def _apt_install(fake_apt, package, **env):
    bin_dir, calls = fake_apt
    script = f"source bin/_setup && apt_install {package}"
    return subprocess.run(
        ["bash", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls),
             **env})


def test_apt_waits_for_another_apt_and_keeps_its_output_off_the_console(fake_apt):
    result = _apt_install(fake_apt, "libzbar0", LOCKED_CALLS="1",
                          SCANSCORE_APT_LOCK_TIMEOUT="30")
    assert result.returncode == 0, result.stderr
    calls = fake_apt[1].read_text().splitlines()
    assert len(calls) == 3  # update refused while locked, update again, install
    assert all("-o DPkg::Lock::Timeout=30" in call for call in calls)
    assert calls[-1].endswith("install -y -qq --no-install-recommends libzbar0")
    assert "chatter" not in result.stdout + result.stderr and result.stderr == ""


def test_a_failed_apt_step_is_named_and_shows_apts_output(fake_apt):
    result = _apt_install(fake_apt, "libbroken")
    assert result.returncode != 0
    assert "E: Unable to locate package libbroken" in result.stderr
    assert ("bin: step 'apt-get install -y -qq --no-install-recommends libbroken' failed"
            in result.stderr)
    assert "chatter" not in result.stdout
