"""The `guidebot` command. Contracts (DESIGN.md) that other tools rely on:

    guidebot --home HOME ingest PATH...
    guidebot --home HOME ask --json "question"
    guidebot --home HOME ask --json --batch FILE
    guidebot --home HOME eval QUESTIONS.jsonl
    guidebot --home HOME chat | start | serve
    guidebot --home HOME invite create --store STORE --role ROLE

Every error is one readable line on stderr; GUIDEBOT_DEBUG=1 shows tracebacks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import ValidationError

from bot.settings import Settings
from ingest.settings import SettingsError

EXIT_USAGE = 2
EXIT_FAILED = 1


class CliError(Exception):
    """An error for the person at the terminal, shown as one line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guidebot", description="Knowledge and training assistant for store staff.")
    parser.add_argument("--home", type=Path, help="where the index and database live (env GUIDEBOT_HOME)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index files or folders (re-running skips unchanged files)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("ask", help="answer a question from the knowledge base")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--batch", type=Path, metavar="FILE", help="one question per line (UTF-8); '-' for stdin")

    p = sub.add_parser("eval", help="measure retrieval against a golden question set (JSONL)")
    p.add_argument("questions", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--misses", action="store_true", help="list questions that were missed")

    sub.add_parser("chat", help="chat with the knowledge base in the terminal")
    sub.add_parser("serve", help="run what serves people: the dashboard, and the Telegram bot when GUIDEBOT_TELEGRAM_TOKEN is set")

    p = sub.add_parser("people", help="people registered with the bot")
    people = p.add_subparsers(dest="people_command", required=True, metavar="ACTION")
    people.add_parser("list", help="list people: Telegram id, name, role, store, active")
    p = people.add_parser("deactivate", help="refuse a person from their next message on")
    p.add_argument("who", help="Telegram id, or the person's exact name")

    p = sub.add_parser("quiz", help="the quiz question bank")
    quiz = p.add_subparsers(dest="quiz_command", required=True, metavar="ACTION")
    p = quiz.add_parser("list", help="print the bank")
    p.add_argument("--json", action="store_true", help="one JSON object per question")
    p = quiz.add_parser("generate", help="(re)generate questions from the indexed content")
    p.add_argument("--llm", action="store_true", help="also have the configured LLM write questions")
    p.add_argument("--limit", type=int, default=20, help="passages to give the LLM (default 20)")
    p = quiz.add_parser("import", help="import a trainer's bank (YAML, CSV, XLSX, GIFT, Aiken)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    for action, text in (("disable", "stop asking a question"), ("enable", "ask it again")):
        p = quiz.add_parser(action, help=text)
        p.add_argument("question_id", metavar="ID")

    p = sub.add_parser("invite", help="invite codes for the Telegram bot")
    invite = p.add_subparsers(dest="invite_command", required=True, metavar="ACTION")
    p = invite.add_parser("create", help="print a new invite code (creates the store if needed)")
    p.add_argument("--store", required=True)
    p.add_argument("--role", required=True, choices=["guide", "trainer", "content_owner", "admin"])
    p.add_argument("--region", help="region the store belongs to")
    p.add_argument("--scope", choices=["store", "region"], default="store",
                   help="what a trainer who redeems it looks after: the store (default) or its region")
    p.add_argument("--days", type=float, default=14, help="valid for this many days (default 14)")
    p.add_argument("--uses", type=int, default=1, help="how many people may use it (default 1)")
    p = sub.add_parser("users", help="dashboard accounts")
    users = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    p = users.add_parser("add", help="create a dashboard account (password read from stdin)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["trainer", "content_owner", "admin"])
    p.add_argument("--region", action="append", default=[], help="a region a trainer looks after (repeatable)")
    p.add_argument("--store", action="append", default=[], help="a store a trainer looks after (repeatable)")
    p.add_argument("--password-stdin", action="store_true", required=True,
                   help="read the password from the first line of standard input")
    users.add_parser("list", help="list dashboard accounts")
    for action, text in (("deactivate", "refuse an account's sign-ins and end its sessions"),
                         ("activate", "let a deactivated account sign in again"),
                         ("signout", "end every session of an account (sign out everywhere)")):
        users.add_parser(action, help=text).add_argument("name")
    p = users.add_parser("password", help="set a new password (read from stdin); ends the account's sessions")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", required=True,
                   help="read the password from the first line of standard input")

    p = sub.add_parser("export", help="export records for trainers and HR")
    export = p.add_subparsers(dest="export_command", required=True, metavar="TABLE")
    p = export.add_parser("attempts", help="every quiz answer in a date range")
    p.add_argument("--from", dest="start", required=True, type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, type=_date, metavar="YYYY-MM-DD",
                   help="last day included (local time, quiz_timezone)")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--output", "-o", type=Path, help="file to write (csv default: stdout)")

    p = sub.add_parser("assign", help="assign practice to a store, region or person by a date")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--store")
    target.add_argument("--region")
    target.add_argument("--person", help="Telegram id, or the person's exact name")
    p.add_argument("--due", required=True, type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--topic", help="topic words (default: the whole bank)")
    p.add_argument("--questions", type=int, default=5)

    p = sub.add_parser("start", help="ingest the sample content, then chat (the README's main command)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="content to ingest (default: knowledge/ and sop/)")
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def keep_private(home: Path) -> None:
    """HOME holds password hashes, sign-in ids, invite codes and the content: only its
    owner may enter it, whatever the modes of the files inside."""
    home.mkdir(parents=True, exist_ok=True)
    if home.stat().st_mode & 0o077:
        try:
            home.chmod(0o700)
        except OSError as exc:  # someone else's folder: say so, carry on
            print(f"guidebot: warning: {home} is readable by others and cannot be changed ({exc.strerror})",
                  file=sys.stderr)


def load_settings(home: Path | None) -> Settings:
    try:
        return Settings(home=home) if home else Settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise CliError(f"invalid setting {where}: {first.get('msg')}") from None


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import ingest_content, report_lines

    report, questions = ingest_content(settings, args.paths)
    if args.json:
        print(json.dumps({**report.to_dict(), "questions": questions and questions.to_dict()},
                         ensure_ascii=False))
    else:
        print("\n".join(report_lines(report, questions)))
    return EXIT_FAILED if report.nothing_done else 0


def _questions(args: argparse.Namespace) -> Iterator[tuple[str, str | None]]:
    """(question, conversation) pairs: a batch line is a question, or a JSON object
    {"question": ..., "conversation": ...} whose turns are answered in context."""
    if args.batch is None:
        if not args.question or not args.question.strip():
            raise CliError("ask needs a question, or --batch FILE")
        yield args.question, None
        return
    try:
        stream = sys.stdin if str(args.batch) == "-" else open(args.batch, encoding="utf-8-sig")  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"cannot read {args.batch}: {exc.strerror}") from None
    try:
        for line in stream:
            if line.strip():
                yield _batch_line(line.strip())
    except UnicodeDecodeError:
        raise CliError(f"{args.batch} is not UTF-8 text") from None
    finally:
        if stream is not sys.stdin:
            stream.close()


def _batch_line(line: str) -> tuple[str, str | None]:
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return line, None
        if isinstance(data, dict) and isinstance(data.get("question"), str):
            conversation = data.get("conversation")
            return data["question"], str(conversation) if conversation is not None else None
    return line, None


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.followup import Turn
    from bot.service import Services

    answerer = Services(settings).answerer
    turns: dict[str, Turn] = {}
    for question, conversation in _questions(args):
        answer = answerer.answer(question, previous=turns.get(conversation) if conversation else None)
        if conversation is not None:
            turns[conversation] = answer.turn
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(answer.text + "\n", flush=True)
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from bot.evaluate import GoldenSetError, evaluate, load_golden, metrics, render, render_miss
    from bot.service import Services

    try:
        items = load_golden(args.questions)
    except GoldenSetError as exc:
        raise CliError(str(exc)) from None
    results = evaluate(Services(settings).answerer, items)
    metric = metrics(results)
    if args.json:
        print(json.dumps(metric, ensure_ascii=False))
    else:
        print(render(metric))
    if args.misses:
        for result in results:
            line = render_miss(result)
            if line:
                print(line)
    return 0


def cmd_chat(settings: Settings, _args: argparse.Namespace | None = None) -> int:
    from bot.channels.console import run_console_chat
    from bot.conversation import Conversation
    from bot.service import Services

    conversation = Conversation(settings, Services(settings))
    return run_console_chat(conversation, conversation.terminal_person())


def cmd_serve(settings: Settings, _args: argparse.Namespace | None = None) -> int:
    from bot.serve import ServeError, serve

    try:
        return serve(settings)
    except ServeError as exc:
        raise CliError(str(exc)) from None


def cmd_people(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.access import deactivate, find_person
    from bot.store import Person
    from ingest.db import session_factory

    with session_factory(settings.db_url).begin() as session:
        if args.people_command == "list":
            for person in session.scalars(select(Person).order_by(Person.id)):
                store = person.store.name if person.store else "-"
                state = "active" if person.active else "deactivated"
                print(f"{person.telegram_id or '-'}\t{person.name}\t{person.role}\t{store}\t{state}")
            return 0
        person = find_person(session, args.who)
        if person is None:
            raise CliError(f"no single person matches '{args.who}' (use the Telegram id)")
        deactivate(session, person)
        print(f"deactivated {person.name} ({person.telegram_id})")
    return 0


def cmd_quiz(settings: Settings, args: argparse.Namespace) -> int:
    from bot.quiz.bank import add_imported, bank, refresh_generated, set_status
    from ingest.db import session_factory

    sessions = session_factory(settings.db_url)
    if args.quiz_command == "list":
        with sessions() as session:
            for row in bank(session):
                if args.json:
                    print(json.dumps(row.to_contract(), ensure_ascii=False))
                else:
                    print(f"{row.id}  [{row.status}] {row.topic} — {row.stem}")
        return 0
    if args.quiz_command == "generate":
        print(refresh_generated(settings).render())
        if args.llm:
            return _llm_generate(settings, args.limit)
        return 0
    if args.quiz_command == "import":
        from bot.quiz.importers import import_banks

        result = import_banks(args.files, limits=(settings.load_timeout_s, settings.load_memory_mb))
        for problem in result.problems:
            print(f"{problem.path}:{problem.line}: {problem.message}", file=sys.stderr)
        with sessions.begin() as session:
            report = add_imported(session, result.questions)
        print(f"{report.render()}; {result.duplicates_merged} duplicates merged; "
              f"{len(result.problems)} problems")
        return EXIT_FAILED if not result.questions and result.problems else 0
    status = "disabled" if args.quiz_command == "disable" else "active"
    with sessions.begin() as session:
        changed = set_status(session, args.question_id, status)
        if changed is None:
            raise CliError(f"no question with id '{args.question_id}' (see `guidebot quiz list`)")
        print(f"{changed.id} {status}")
    return 0


def _llm_generate(settings: Settings, limit: int) -> int:
    from bot.llm import make_chat_model
    from bot.quiz.bank import add_imported
    from bot.quiz.llm_questions import llm_questions, used_chunks
    from ingest.db import session_factory
    from ingest.index import IndexReader

    model = make_chat_model(settings)
    if model is None:
        raise CliError("no LLM configured: set llm_provider and llm_model (GUIDEBOT_LLM_PROVIDER, GUIDEBOT_LLM_MODEL)")
    sessions = session_factory(settings.db_url)
    with sessions() as session:
        skip = used_chunks(session)
    questions, report = llm_questions(model, IndexReader(settings), limit, skip)
    with sessions.begin() as session:
        added = add_imported(session, questions).added
    print(f"LLM: {report.asked} passages, {report.kept} questions supported by their passage "
          f"({added} new), {report.rejected} dropped")
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from bot.access import AccessError, create_invite
    from ingest.db import session_factory

    try:
        with session_factory(settings.db_url).begin() as session:
            invite = create_invite(session, store=args.store, role=args.role, region=args.region,
                                   days=args.days, max_uses=args.uses, created_by="command line",
                                   reach=args.scope)
            code = invite.code
    except AccessError as exc:
        raise CliError(str(exc)) from None
    print(code)
    return 0


def cmd_start(settings: Settings, args: argparse.Namespace) -> int:
    paths = args.paths or sample_content_paths()
    if not paths:
        raise CliError("no content to ingest: pass PATH, or run from the project folder")
    from bot.content import ingest_content, report_lines

    report, questions = ingest_content(settings, paths)
    print("\n".join(report_lines(report, questions)))
    if report.nothing_done:
        return EXIT_FAILED
    if settings.telegram_token is not None:
        return cmd_serve(settings)
    return _chat_beside_dashboard(settings)


def _chat_beside_dashboard(settings: Settings) -> int:
    """No bot token: the dashboard in the background, the chat in the terminal."""
    from bot.channels.console import run_console_chat
    from bot.conversation import Conversation
    from bot.serve import ServeError, dashboard_in_background, dashboard_url
    from bot.service import Services

    services = Services(settings)
    try:
        server = dashboard_in_background(settings, services)
    except ServeError as exc:
        raise CliError(str(exc)) from None
    deadline = time.monotonic() + 30
    while not server.started:  # say where only once it listens
        if time.monotonic() > deadline:
            raise CliError(f"the dashboard did not start on {dashboard_url(settings)}")
        time.sleep(0.05)
    print(f"guidebot: dashboard at {dashboard_url(settings)} "
          "(create an account: guidebot users add NAME --role admin --password-stdin)", flush=True)
    conversation = Conversation(settings, services)
    try:
        return run_console_chat(conversation, conversation.terminal_person())
    finally:
        server.should_exit = True


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.dashboard.accounts import (
        AccountError,
        DashboardUser,
        create_user,
        end_sign_ins,
        find_user,
        set_active,
        set_password,
    )
    from ingest.db import session_factory

    sessions = session_factory(settings.db_url)
    command = args.users_command
    if command == "list":
        with sessions() as session:
            for user in session.scalars(select(DashboardUser).order_by(DashboardUser.name)):
                print(f"{user.name}\t{user.role}\t{'active' if user.active else 'inactive'}")
        return 0
    password = sys.stdin.readline().rstrip("\r\n") if command in ("add", "password") else ""
    try:
        with sessions.begin() as session:
            if command == "add":
                create_user(session, args.name, args.role, password, regions=args.region, stores=args.store)
                done = f"account {args.name.strip()} ({args.role}) created"
            else:
                user = find_user(session, args.name)
                if command == "password":
                    set_password(session, user, password)
                    done = f"new password set for {user.name}; its sessions ended"
                elif command == "signout":
                    done = f"{end_sign_ins(session, user)} sessions of {user.name} ended"
                else:
                    set_active(session, user, command == "activate")
                    done = f"{user.name} {command}d" + ("; its sessions ended" if command == "deactivate" else "")
    except AccountError as exc:
        raise CliError(str(exc)) from None
    print(done)
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from bot.quiz.progress import ATTEMPT_COLUMNS, attempt_rows
    from bot.tables import csv_text, write_table
    from ingest.db import session_factory

    if args.end < args.start:
        raise CliError("--to is before --from")
    zone = ZoneInfo(settings.quiz_timezone)

    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)

    with session_factory(settings.db_url)() as session:
        rows = attempt_rows(session, utc(args.start), utc(args.end + dt.timedelta(days=1)))
    if args.format == "csv" and args.output is None:
        sys.stdout.write(csv_text(ATTEMPT_COLUMNS, rows))
        return 0
    output = args.output or Path(f"attempts_{args.start}_{args.end}.{args.format}")
    try:
        write_table(ATTEMPT_COLUMNS, rows, args.format, output, title="attempts")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror}") from None
    print(f"{len(rows)} attempts written to {output}")
    return 0


def cmd_assign(settings: Settings, args: argparse.Namespace) -> int:
    from bot.quiz.plans import Plans
    from ingest.db import session_factory

    kind, target = next((k, v) for k in ("store", "region", "person") if (v := getattr(args, k)))
    made = Plans(settings, session_factory(settings.db_url)).assign(
        by=None, target_kind=kind, target=target, topic=args.topic, due_on=args.due,
        question_count=args.questions)
    if isinstance(made, str):
        reasons = {"unknown_target": f"no {kind} called '{target}'",
                   "no_questions": "no active questions on that topic (see `guidebot quiz list`)"}
        raise CliError(reasons.get(made, made))
    print(f"assignment {made.id}: {made.title} for {kind} {target}, due {made.due_on}")
    return 0


def sample_content_paths() -> list[Path]:
    """knowledge/ and sop/ of the project (the checkout this runs from, or the cwd)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        found = [base / name for name in ("knowledge", "sop") if (base / name).is_dir()]
        if found:
            return found
    return []


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "ingest": cmd_ingest, "ask": cmd_ask, "eval": cmd_eval, "chat": cmd_chat, "start": cmd_start,
    "serve": cmd_serve, "invite": cmd_invite, "people": cmd_people, "quiz": cmd_quiz,
    "export": cmd_export, "assign": cmd_assign, "users": cmd_users,
}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    from bot.redaction import protect_logs, redact, settings_secrets
    from ingest.embedder import EmbedderError
    from ingest.index import IndexBusy, IndexMissing
    from ingest.vectors import VectorStoreError

    secrets: list[str] = []

    def one_line(exc: BaseException) -> str:
        """Every error is one line, with no secret in it (drivers quote URLs)."""
        return " ".join(redact(str(exc), secrets).split())

    try:
        settings = load_settings(args.home)
        keep_private(settings.home)
        secrets = settings_secrets(settings)
        protect_logs(*secrets)
        return COMMANDS[args.command](settings, args)
    except (CliError, IndexMissing, IndexBusy, EmbedderError, VectorStoreError) as exc:
        print(f"guidebot: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("guidebot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("GUIDEBOT_DEBUG"):
            raise
        print(f"guidebot: unexpected error: {exc.__class__.__name__}: {one_line(exc)} "
              "(set GUIDEBOT_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
