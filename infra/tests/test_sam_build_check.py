"""scripts/sam-build-check's verdict on what `sam build` made, tried on fake build
directories: it passes a correct one and fails one where a function got another's
binary, a binary of another architecture, no binary, or the built template points a
function elsewhere. (The real build, which takes minutes, runs in .ci/run.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

import template_checks as tc

SCRIPT = tc.REPO / "scripts" / "sam-build-check"
AARCH64, X86_64 = 0xB7, 0x3E


def fake_elf(binary: str, machine: int = AARCH64, markers: list[str] | None = None) -> bytes:
    header = bytearray(64)
    header[0:7] = b"\x7fELF\x02\x01\x01"  # 64-bit, little-endian, version 1
    header[16:18] = (3).to_bytes(2, "little")  # ET_DYN
    header[18:20] = machine.to_bytes(2, "little")
    body = b"".join(b"\x00satark-function=" + m.encode() + b"\x00" for m in (markers if markers is not None else [binary]))
    return bytes(header) + b"\x00" * 256 + body + b"\x00" * 256


def make_build(root: Path) -> Path:
    build = root / "build"
    for lid, binary in tc.BINARIES.items():
        (build / lid).mkdir(parents=True)
        bootstrap = build / lid / "bootstrap"
        bootstrap.write_bytes(fake_elf(binary))
        bootstrap.chmod(0o755)
    # What sam build writes: each function's CodeUri is its artifact directory.
    text = tc.TEMPLATE.read_text(encoding="utf-8")
    by_binary = {b: lid for lid, b in tc.BINARIES.items()}
    text = re.sub(r"CodeUri: functions/(\w+)", lambda m: f"CodeUri: {by_binary[m.group(1)]}", text)
    (build / "template.yaml").write_text(text, encoding="utf-8")
    return build


def verify(build: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, SATARK_PYTHON=sys.executable)
    return subprocess.run(
        ["bash", str(SCRIPT), "--verify-only", str(build)],
        capture_output=True, text=True, env=env, timeout=120,
    )


def test_a_correct_build_passes(tmp_path: Path) -> None:
    result = verify(make_build(tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"{len(tc.BINARIES)} functions, each bootstrap an AArch64 ELF of its own function" in result.stdout
    for lid in tc.BINARIES:
        assert lid in result.stdout


def _swap(build: Path) -> None:
    web, media = build / "WebhookFunction" / "bootstrap", build / "MediaFunction" / "bootstrap"
    a, b = web.read_bytes(), media.read_bytes()
    web.write_bytes(b)
    media.write_bytes(a)


def _cli_everywhere(build: Path) -> None:
    """The bug this guards against: one binary without any function's marker (the CLI)
    installed as every bootstrap."""
    for lid in tc.BINARIES:
        (build / lid / "bootstrap").write_bytes(fake_elf("satark", markers=[]))


# Each breaks a different function, so one build directory holds them all (the script
# reports every failure, not only the first): fewer runs, each fragment still required.
BREAKAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "two functions swapped": (_swap, "FAIL WebhookFunction: bootstrap holds satark-function=media"),
    "an x86-64 binary": (
        lambda b: (b / "NotifierFunction" / "bootstrap").write_bytes(fake_elf("notifier", machine=X86_64)),
        "FAIL NotifierFunction: ",
    ),
    "a binary with every marker": (
        lambda b: (b / "SweeperFunction" / "bootstrap").write_bytes(
            fake_elf("sweeper", markers=sorted(tc.BINARIES.values()))
        ),
        "FAIL SweeperFunction: bootstrap holds satark-function=classifier",
    ),
    "a missing bootstrap": (
        lambda b: (b / "ClassifierFunction" / "bootstrap").unlink(),
        "FAIL ClassifierFunction: no ",
    ),
    "the built template deploys another artifact": (
        lambda b: (b / "template.yaml").write_text(
            (b / "template.yaml").read_text(encoding="utf-8").replace("CodeUri: DashboardFunction", "CodeUri: WebhookFunction"),
            encoding="utf-8",
        ),
        "FAIL DashboardFunction: the built template deploys 'WebhookFunction'",
    ),
}


def test_a_wrong_build_fails_with_every_fault_named(tmp_path: Path) -> None:
    build = make_build(tmp_path)
    for mutate, _fragment in BREAKAGES.values():
        mutate(build)
    (build / "MediaFunction" / "bootstrap").chmod(0o644)
    result = verify(build)
    assert result.returncode != 0, result.stdout
    for case, (_mutate, fragment) in BREAKAGES.items():
        assert fragment in result.stderr, f"{case}: {fragment!r} not in\n{result.stderr}"
    assert "FAIL NotifierFunction: " in result.stderr and "is not a 64-bit AArch64 ELF" in result.stderr
    assert "FAIL MediaFunction: bootstrap is not executable" in result.stderr


def test_the_cli_in_every_function_fails(tmp_path: Path) -> None:
    build = make_build(tmp_path)
    _cli_everywhere(build)
    result = verify(build)
    assert result.returncode != 0, result.stdout
    for lid, binary in tc.BINARIES.items():
        assert f"FAIL {lid}: bootstrap lacks the marker satark-function={binary}" in result.stderr
