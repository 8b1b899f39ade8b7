"""``backprop-course``: the TA's commands, in the order of a grading round.

    backprop-course release                 # release/ from source/ (nbgrader generate_assignment)
    backprop-course check-release           # is the committed release/ current? (CI)
    backprop-course grade --workers 4       # autograde submitted/ in parallel, table + who needs attention
    backprop-course feedback                # feedback/<student>/<assignment>/*.html
    backprop-course export -o grades.csv    # one row per student, a column per graded exercise
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
    from .grade import format_report, grade

    report = grade(course, course.assignments(args.assignments), students=args.students, workers=args.workers,
                   force=args.force, timeout=args.timeout, progress=not args.quiet)
    print(format_report(course, report))
    notebooks = sum(len(s) for s in report.students.values())
    print(f"\n{notebooks} submissions in {report.seconds:.0f} s with {report.processes} nbgrader processes; "
          f"graded copies in {course.root / 'autograded'}")
    return 1 if report.failed else 0


def _feedback(course: Course, args: argparse.Namespace) -> int:
    status = 0
    for a in course.assignments(args.assignments):
        extra = ["--force"] if args.force else []
        proc = course.nbgrader("generate_feedback", a, *extra)
        if proc.returncode != 0:
            print(f"{a}: nbgrader generate_feedback failed:\n{proc.stdout}{proc.stderr}", file=sys.stderr)
            status = 1
        files = sorted((course.root / "feedback").glob(f"*/{a}/*.html"))
        print(f"{a}: {len(files)} feedback files in {course.root / 'feedback'}/<student>/{a}/")
    return status


def _export(course: Course, args: argparse.Namespace) -> int:
    from .gradebook import export_csv

    output = Path(args.output)
    students, notes = export_csv(course, output, course.assignments(args.assignments))
    print(f"wrote {output}: {students} students, {notes} with a note")
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
    p = command("feedback", _feedback, "Generate feedback/<student>/<assignment>/*.html from the graded copies.")
    p.add_argument("--force", action="store_true", help="regenerate existing feedback")
    p = command("export", _export,
                "Write a CSV from the gradebook: one row per student, a column per graded exercise, "
                "totals per assignment and overall, and a note for missing or flagged submissions.")
    p.add_argument("-o", "--output", default="grades.csv", help="the CSV file (default: grades.csv)")
    return parser
