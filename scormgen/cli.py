"""The ``scormgen`` command: each subcommand parses its arguments and calls the library."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from scormgen.diagnostics import AuthoringError, Diagnostics

content_argument = click.argument(
    "content_dir",
    default="content",
    type=click.Path(exists=True, file_okay=False, dir_okay=True),
)
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
release_option = click.option(
    "--release",
    is_flag=True,
    help="Refuse drafts (review markers, draft notices, support contacts unset); implies --strict.",
)


class ContentError(click.ClickException):
    """Authoring mistakes: printed as ``file:line: ...`` lines, exit status 1, no traceback."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        count = len(diagnostics.errors)
        super().__init__(
            f"{count} error{'s' if count != 1 else ''} in the content; nothing written"
        )

    def show(self, file=None) -> None:
        for diagnostic in self.diagnostics:
            click.echo(str(diagnostic), err=True)
        super().show(file)


def report(diagnostics: Diagnostics) -> None:
    """Print warnings of a run that goes on."""
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)


@click.group()
@click.version_option(package_name="peer-support-course")
def main() -> None:
    """Compile the course in content/ into SCORM 1.2 packages and an IMS Common Cartridge."""


@main.command()
@content_argument
@strict_option
@release_option
def check(content_dir: str, strict: bool, release: bool) -> None:
    """Load and check CONTENT_DIR (default: content) without writing anything."""
    from scormgen.drafts import drafts_summary, release_diagnostics
    from scormgen.load.loader import check_content

    course, diagnostics = check_content(content_dir)
    if course is not None and release:
        diagnostics.extend(release_diagnostics(course))
    if course is None or diagnostics.has_errors(strict or release):
        raise ContentError(diagnostics)
    report(diagnostics)
    questions = sum(len(s.questions) for s in course.sessions)
    click.echo(
        f"{course.title}: {len(course.sessions)} sessions, {questions} questions, "
        f"{len(course.scenarios)} scenarios, {len(course.assignments)} assignments: OK"
    )
    if summary := drafts_summary(course):
        click.echo(summary)


def load_or_fail(content_dir: str, strict: bool):
    """The course model, or a ``ContentError`` listing every authoring mistake."""
    from scormgen.load.loader import load_course

    try:
        return load_course(content_dir, strict=strict)
    except AuthoringError as error:
        raise ContentError(error.diagnostics) from None


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.2f} MB"


@main.command()
@content_argument
@click.option(
    "-o",
    "--output",
    "output_dir",
    default="dist",
    show_default=True,
    type=click.Path(file_okay=False, dir_okay=True, writable=True),
    help="Folder the packages are written to.",
)
@click.option(
    "--session",
    "sessions",
    multiple=True,
    metavar="ID",
    help="Package only this session (repeat for several). Default: every session.",
)
@click.option(
    "--mastery-score",
    type=click.IntRange(0, 100),
    metavar="N",
    help="Pass mark (0-100) for every session with a knowledge check, overriding the content.",
)
@click.option("--title", metavar="TITLE", help="The course package title shown in the LMS.")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["scorm", "cc"]),
    default=("scorm",),
    show_default=True,
    help="What to build (repeat for both): scorm, the SCORM 1.2 packages; cc, one IMS "
    "Common Cartridge 1.1 (<course-id>.imscc) with the sessions, quizzes and LTI links.",
)
@click.option(
    "--tool-url",
    envvar="LTI_TOOL_URL",
    metavar="URL",
    help="The LTI tool's base URL, where the cartridge's links launch "
    "(default: $LTI_TOOL_URL). Needed by --format cc.",
)
@click.option(
    "--canvas-client-id",
    metavar="ID",
    help="Canvas only: the ID of the tool's LTI 1.3 developer key in that Canvas, written "
    "into each LTI link so that Canvas binds the imported links to it.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Build, then build again on every save under CONTENT_DIR and the templates "
    "(for testing on a staging LMS); Ctrl-C to stop.",
)
@strict_option
@release_option
def build(
    content_dir: str,
    output_dir: str,
    sessions: tuple[str, ...],
    mastery_score: int | None,
    title: str | None,
    formats: tuple[str, ...],
    tool_url: str | None,
    canvas_client_id: str | None,
    watch: bool,
    strict: bool,
    release: bool,
) -> None:
    """Build the packages of CONTENT_DIR (default: content) into the output folder."""
    from scormgen.build import BuildError, cartridge_options
    from scormgen.build import build as build_packages
    from scormgen.drafts import drafts_summary

    formats = tuple(dict.fromkeys(formats))
    try:
        cartridge = cartridge_options(tool_url, canvas_client_id) if "cc" in formats else None
    except BuildError as error:
        raise click.ClickException(str(error)) from None

    def build_once() -> None:
        with contextlib.ExitStack() as stack:
            bars: list = []

            def progress(done: int, total: int, label: str) -> None:
                if not bars:
                    bars.append(
                        stack.enter_context(
                            click.progressbar(length=total, label="Building", file=sys.stderr)
                        )
                    )
                bars[0].label = f"Building {label}"
                bars[0].update(done - bars[0].pos)

            try:
                result = build_packages(
                    content_dir,
                    output_dir,
                    sessions=sessions or None,
                    mastery_score=mastery_score,
                    title=title,
                    strict=strict,
                    release=release,
                    progress=progress,
                    formats=formats,
                    cartridge=cartridge,
                )
            except AuthoringError as error:
                raise ContentError(error.diagnostics) from None
            except BuildError as error:
                raise click.ClickException(str(error)) from None
        report(result.diagnostics)
        for path in result.removed:
            click.echo(f"Removed {path}: no session corresponds to it any more", err=True)
        scorm = [p for p in result.packages if p.format == "scorm"]
        rows = [("package", "SCOs", "interactions", "size")] + [
            (str(p.path), str(p.scos), str(p.interactions), _size(p.size)) for p in scorm
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for number, row in enumerate(rows if scorm else ()):
            click.echo(
                f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  "
                f"{row[3]:>{widths[3]}}"
            )
            if number == 0:
                click.echo("  ".join("-" * width for width in widths))
        for package in result.packages:
            if package.format == "cc":
                click.echo(f"{package.path}: {package.contents}, {_size(package.size)}")
        if summary := drafts_summary(result.course):
            click.echo(summary, err=True)

    if not watch:
        return build_once()
    from scormgen.serve.watch import snapshot, source_roots
    from scormgen.serve.watch import watch as watch_files

    def rebuild() -> None:
        try:
            build_once()
        except click.ClickException as error:
            error.show()  # an authoring mistake does not stop the watch: fix it and save
        click.echo(f"Watching {content_dir} for changes (Ctrl-C to stop)", err=True)

    roots = source_roots(content_dir)
    output = Path(output_dir).resolve()
    if any(output.is_relative_to(root.resolve()) for root in roots):
        raise click.ClickException(
            f"--watch needs the output folder ({output_dir}) outside {content_dir} and the "
            "templates: each build would otherwise set off the next"
        )
    try:
        before = snapshot(roots)
        rebuild()
        watch_files(roots, rebuild, threading.Event(), since=before)
    except KeyboardInterrupt:
        click.echo("Stopped.")


@main.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@strict_option
def validate(packages: tuple[str, ...], strict: bool) -> None:
    """Check SCORM 1.2 zips and Common Cartridges (.imscc) the way an importing LMS would;
    one line per problem."""
    from scormgen.package.cartridge.validate import is_cartridge, validate_cartridge
    from scormgen.package.scorm.validate import validate_package

    errors = warnings = 0
    for package in packages:
        check = validate_cartridge if is_cartridge(package) else validate_package
        for problem in check(package):
            click.echo(problem.format(package))
            errors += problem.level == "error"
            warnings += problem.level == "warning"
    summary = f"{len(packages)} package{'s' if len(packages) != 1 else ''}: {errors} errors, {warnings} warnings"
    if errors or (strict and warnings):
        raise click.ClickException(summary)
    click.echo(summary)


@main.command()
@click.argument("package", type=click.Path(exists=True, dir_okay=False))
@click.option("--port", default=8765, show_default=True, help="Port on 127.0.0.1 (0: any free).")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a web browser.")
def preview(package: str, port: int, open_browser: bool) -> None:
    """Play PACKAGE's SCOs on localhost in a minimal LMS frame, with the data model beside them."""
    from scormgen.package.scorm.preview import PreviewError, start_preview

    try:
        server, scos = start_preview(package, port=port)
    except (PreviewError, OSError) as error:
        raise click.ClickException(str(error)) from None
    address = f"http://127.0.0.1:{server.server_address[1]}/"
    click.echo(f"Previewing {package} ({len(scos)} SCOs) at {address}  (Ctrl-C to stop)")

    def close() -> None:
        server.shutdown()
        server.server_close()

    serve_until_interrupted(address, open_browser, close)


def serve_until_interrupted(address: str, open_browser: bool, close: Callable[[], None]) -> None:
    """Open ``address`` if asked, then wait for Ctrl-C and ``close()`` the server."""
    if open_browser:
        click.launch(address)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        close()


@main.command()
@content_argument
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
def serve(content_dir: str, port: int, open_browser: bool) -> None:
    """Show CONTENT_DIR (default: content) session by session in preview's LMS frame, on
    localhost, rebuilt on every save; errors and SCORM budgets are shown in the page."""
    from scormgen.serve import start_serve

    try:
        serving = start_serve(content_dir, port=port, echo=lambda line: click.echo(line, err=True))
    except OSError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Serving {content_dir} at {serving.address}  (Ctrl-C to stop)")
    serve_until_interrupted(serving.address, open_browser, serving.close)
