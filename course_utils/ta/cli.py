"""``backprop-course``: the TA's commands, in the order of a grading round.

    backprop-course release                 # release/ from source/ (nbgrader generate_assignment)
    backprop-course check-release           # is the committed release/ current? (CI)
    backprop-course students                # names from students.csv / submitted/ into the gradebook
    backprop-course grade --workers 4       # autograde submitted/ in parallel, table + who needs attention
    backprop-course feedback                # feedback/<student>/<assignment>/*.html
    backprop-course export -o grades.csv    # one row per student, a column per graded exercise
    backprop-course export --format canvas -o canvas.csv   # a Canvas gradebook import
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import Course, CourseError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).
    """
    args = _parser().parse_args(argv)
    try:
        course = Course.find(args.course)
        return args.run(course, args)
    except CourseError as e:
        print(f"backprop-course: {e}", file=sys.stderr)
        return 2


def _release(course: Course, args: argparse.Namespace) -> int:
    from .release import release

    assignments = course.assignments(args.assignments)
    failed = release(course, assignments)
    for a, log in failed:
        print(f"{a}: nbgrader generate_assignment failed:\n{log}", file=sys.stderr)
    print(f"released {len(assignments) - len(failed)} of {len(assignments)} assignments into {course.root / 'release'}")
    return 1 if failed else 0


def _check_release(course: Course, args: argparse.Namespace) -> int:
    from .release import check_release

    assignments = course.assignments(args.assignments)
    differ, failed = check_release(course, assignments)
    for a, log in failed:
        print(f"{a}: nbgrader generate_assignment failed:\n{log}", file=sys.stderr)
    if differ:
        print("release/ is not what source/ generates:\n" + "\n".join(f"  {p}" for p in differ)
              + "\nrun `backprop-course release` and commit release/.", file=sys.stderr)
    if differ or failed:
        return 1
    print(f"release/ is current ({', '.join(assignments)})")
    return 0


def _grade(course: Course, args: argparse.Namespace) -> int:
    from .grade import REFUSED_HELP, UNSAFE_WARNING, format_report, grade

    if args.unsafe_no_sandbox:
        print(UNSAFE_WARNING, file=sys.stderr)
    report = grade(course, course.assignments(args.assignments), students=args.students, workers=args.workers,
                   force=args.force, timeout=args.timeout, progress=not args.quiet,
                   unsafe_no_sandbox=args.unsafe_no_sandbox)
    if report.refused is not None:
        print(f"backprop-course: {REFUSED_HELP}\n  nbgrader said: {report.refused}", file=sys.stderr)
        return 2
    print(format_report(course, report))
    failed = len(report.failed)
    print(f"\n{report.submissions} submissions ({report.graded} graded, {failed} not graded) in "
          f"{report.seconds:.0f} s with {report.processes} nbgrader processes; "
          f"graded copies in {course.root / 'autograded'}")
    if args.unsafe_no_sandbox:
        print(UNSAFE_WARNING, file=sys.stderr)
    return 1 if report.failed or report.strays else 0


def _students(course: Course, args: argparse.Namespace) -> int:
    from .gradebook import open_gradebook
    from .roster import ROSTER, read_roster, register
    from .submissions import scan

    roster = read_roster(course)
    found = scan(course)
    with open_gradebook(course) as gb:
        changed = register(gb, found.students, roster)
        total = len(gb.students)
    source = f"{ROSTER} and submitted/" if roster else f"submitted/ (no {ROSTER})"
    print(f"{total} students in the gradebook; {changed} added or renamed from {source}")
    return 0


def _feedback(course: Course, args: argparse.Namespace) -> int:
    from .feedback import feedback

    status = 0
    for a in course.assignments(args.assignments):
        result = feedback(course, a, force=args.force)
        print(result.summary())
        for line in result.problems:
            print(f"  {line}", file=sys.stderr)
        status |= bool(result.failed)
    return status


def _export(course: Course, args: argparse.Namespace) -> int:
    from .export import export

    output = Path(args.output or ("grades_canvas.csv" if args.format == "canvas" else "grades.csv"))
    summary = export(course, output, course.assignments(args.assignments), fmt=args.format)
    what = ("a Canvas gradebook import (Student, ID, SIS User ID, SIS Login ID, Section, one column per "
            "assignment, a Points Possible row)" if args.format == "canvas" else "a max-points row")
    line = f"wrote {output}: {summary.students} students and {what}; {summary.with_note} students with a note"
    if summary.ungraded:
        line += (f"; {summary.ungraded} submission(s) not graded "
                 f"({'left empty' if args.format == 'canvas' else 'scored 0, noted'}: see `backprop-course grade`)")
    print(line)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-course",
        description="TA tools for Backprop by Hand: release, check, grade, hand back and export. "
                    "Run from the course root (the folder with nbgrader_config.py) or pass --course.",
        epilog="A grading round: release, check-release, (students submit; nbgrader collect), "
               "grade, feedback, export.")
    parser.add_argument("--course", metavar="DIR", help="the course root (default: the working directory or a parent)")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, run, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                       help="assignments to work on, e.g. 01_chain_rule (default: every folder in source/)")
        p.set_defaults(run=run)
        return p

    command("release", _release, "Generate release/ from source/ (nbgrader generate_assignment --force).")
    command("check-release", _check_release,
            "Exit 1, naming the files, when release/ differs from what source/ generates now.")
    p = command("grade", _grade,
                "Autograde every submission in submitted/<student>/<assignment>/ in parallel; print a score "
                "table and the submissions that need attention (exit 1 if one could not be graded).")
    p.add_argument("--workers", type=int, metavar="N", help="parallel nbgrader processes (default: number of CPUs)")
    p.add_argument("--students", nargs="+", metavar="ID", help="grade only these students")
    p.add_argument("--force", action="store_true", help="regrade submissions that were graded already")
    p.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                   help="kill the grading of a submission after this long (default: 600)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade even where no sandbox can be made: student code then runs as you, with your files "
                        "and gradebook in reach (passes --JudgedExecute.unsafe_no_sandbox=True to nbgrader; every "
                        "such submission is listed under \"Needs attention\"). Without it, grading stops and says "
                        "to install bubblewrap (apt-get install bubblewrap).")
    p = sub.add_parser("students", help="Add every student in submitted/ to the gradebook with a readable name",
                       description="Add or update every student found in submitted/ (and in students.csv, if the "
                                   "course root has one: columns id,first_name,last_name,email[,section]) in the "
                                   "gradebook, so the formgrader shows names, not \"None, None\". `grade` does "
                                   "the same before it grades.")
    p.set_defaults(run=_students)
    p = command("feedback", _feedback,
                "Generate feedback/<student>/<assignment>/*.html for every graded submission (assignments "
                "without one are skipped); one summary line per assignment.")
    p.add_argument("--force", action="store_true", help="regenerate existing feedback")
    p = command("export", _export,
                "Write the gradebook to a CSV. --format csv (default): one row per student, a column per graded "
                "exercise, totals per assignment and overall, a '(max points)' row under the header, and a note "
                "for every zero (no submission, not graded: why, blank, not attempted, tests failed) and every "
                "flagged submission. --format canvas: Canvas's gradebook import layout: columns 'Student' "
                "('Last, First'), 'ID' (empty: Canvas's own user id), 'SIS User ID' and 'SIS Login ID' (the "
                "nbgrader student id), 'Section', then one column per assignment named '<assignment> "
                "(<course_id>)', e.g. '01_chain_rule (backprop)', with a 'Points Possible' row after the header.")
    p.add_argument("--format", choices=("csv", "canvas"), default="csv",
                   help="csv: generic, with notes (default); canvas: a Canvas gradebook import")
    p.add_argument("-o", "--output", help="the CSV file (default: grades.csv, or grades_canvas.csv for canvas)")
    return parser
