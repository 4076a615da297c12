"""Benchmark of ``scormgen build`` (not a timed test): cold builds, process start to exit.

    .venv/bin/python bench/build.py [--runs N]

Times, as the median of several runs, a cold ``scormgen build`` of the shipped
course and of a generated course of 100 sessions (the shipped sessions repeated
with fresh ids), and prints the package sizes against the targets of issue 3:
shipped course < 0.5 s, 100 sessions < 2 s, every session package < 150 KB.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SCORMGEN = Path(sys.executable).parent / "scormgen"

COURSE_TARGET = 0.5
HUNDRED_TARGET = 2.0
SESSION_SIZE_TARGET = 150 * 1024

_ID_LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)id:\s*(?P<id>[a-z0-9][a-z0-9-]*)\s*$", re.M)


def generate_course(target: Path, sessions: int) -> Path:
    """A course of ``sessions`` sessions: the shipped ones, repeated with unique ids."""
    shutil.copytree(CONTENT, target, ignore=shutil.ignore_patterns("sessions"))
    (target / "sessions").mkdir()
    shipped = sorted((CONTENT / "sessions").glob("*.md"))
    for number in range(1, sessions + 1):
        text = shipped[(number - 1) % len(shipped)].read_text(encoding="utf-8")
        suffix = f"-{number:03d}"
        text = _ID_LINE.sub(lambda m, s=suffix: f"{m['lead']}id: {m['id'][:56]}{s}", text)
        (target / "sessions" / f"{number:03d}-session.md").write_text(text, encoding="utf-8")
    return target


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_build(content: Path, runs: int) -> tuple[float, list[float], Path]:
    """Median wall time of ``runs`` cold builds, each in a fresh process and output folder.

    Also prints the median CPU time (user + system) of the build processes, which a
    busy machine inflates much less than wall time.
    """
    times = []
    cpu = []
    output = Path()
    for run in range(runs):
        output = Path(tempfile.mkdtemp(prefix=f"bench-out-{run}-"))
        cpu_start = _children_cpu()
        start = time.perf_counter()
        subprocess.run(
            [str(SCORMGEN), "build", str(content), "-o", str(output)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - cpu_start)
        if run < runs - 1:
            shutil.rmtree(output)
    print(f"  (median CPU time of the build process: {statistics.median(cpu):.3f} s)")
    return statistics.median(times), times, output


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per course (median)")
    parser.add_argument("--sessions", type=int, default=100, help="sessions in the big course")
    args = parser.parse_args()
    missed = False

    median, times, output = time_build(CONTENT, args.runs)
    sessions = sorted((output / "sessions").glob("*.zip"))
    course_zip = next(output.glob("*.zip"))
    missed |= median >= COURSE_TARGET
    print(
        f"shipped course ({len(sessions)} sessions): median {median:.3f} s "
        f"(runs: {', '.join(f'{t:.3f}' for t in times)}) target < {COURSE_TARGET} s: "
        f"{verdict(median < COURSE_TARGET)}"
    )
    print(f"  {course_zip.name}: {course_zip.stat().st_size / 1024:.1f} KB")
    for path in sessions:
        size = path.stat().st_size
        missed |= size >= SESSION_SIZE_TARGET
        print(
            f"  sessions/{path.name}: {size / 1024:.1f} KB "
            f"(target < 150 KB: {verdict(size < SESSION_SIZE_TARGET)})"
        )
    shutil.rmtree(output)

    with tempfile.TemporaryDirectory(prefix="bench-course-") as folder:
        content = generate_course(Path(folder) / "content", args.sessions)
        median, times, output = time_build(content, max(3, args.runs // 2))
        big = next(output.glob("*.zip"))
        sizes = [p.stat().st_size for p in (output / "sessions").glob("*.zip")]
        missed |= median >= HUNDRED_TARGET
        print(
            f"generated course ({args.sessions} sessions): median {median:.3f} s "
            f"(runs: {', '.join(f'{t:.3f}' for t in times)}) target < {HUNDRED_TARGET} s: "
            f"{verdict(median < HUNDRED_TARGET)}"
        )
        print(
            f"  {big.name}: {big.stat().st_size / 1024:.1f} KB; session packages "
            f"{min(sizes) / 1024:.1f}-{max(sizes) / 1024:.1f} KB"
        )
        shutil.rmtree(output)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
