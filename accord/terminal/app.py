"""``accord join``: a seat at the talks in a full-screen terminal (textual).

Panes: on the left the brief, the agenda and the statements; on the right
the state (phase, round or period, countdown, what to do, implementation
periods, scores), the packages of the round with their utility for this seat
and their tallies, and the events in words.
At the bottom, the answer to the last command and the command line; the
frequent actions also have keys when the command line is not focused.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Input, RichLog, Static

from accord.bots.seat_view import PackageLine
from accord.protocol.events import Event
from accord.terminal.commands import HELP, KEYS, CommandError, parse
from accord.terminal.connection import Refused, SeatClient, Sent
from accord.terminal.words import (
    agenda_lines,
    answer_line,
    brief_lines,
    count_text,
    event_lines,
    state_lines,
    statement_lines,
    utility_text,
    verdict_text,
)


class SeatApp(App[None]):
    """The full-screen client of one seat; its ``return_code`` is the exit status."""

    TITLE = "accord"
    CSS = """
    #left { width: 2fr; }
    #right { width: 3fr; }
    #brief, #agenda, #statements, #state, #packages, #events {
        border: round $primary-darken-1;
        border-title-color: $text-accent;
        padding: 0 1;
        height: auto;
    }
    #state { border: round $secondary; }
    #packages { max-height: 12; }
    #events { height: 1fr; min-height: 6; }
    #answer { height: auto; padding: 0 1; color: $text-muted; }
    #answer.refused { color: $text-error; }
    #answer.accepted { color: $text-success; }
    """
    BINDINGS = [
        Binding("y", "vote('yes')", "yes"),
        Binding("n", "vote('no')", "no"),
        Binding("a", "vote('abstain')", "abstain"),
        Binding("v", "veto", "veto"),
        Binding("w", "withdraw", "withdraw"),
        Binding("p", "line('pass')", "pass"),
        Binding("c", "line('act comply')", "comply"),
        Binding("d", "line('act defect')", "defect"),
        Binding("question_mark", "line('help')", "help"),
        Binding("q", "quit", "quit"),
        Binding("escape", "focus_packages", "packages", show=False),
        Binding("colon,slash", "focus_command", "command line", show=False),
    ]

    def __init__(
        self,
        url: str,
        token: str,
        *,
        wait: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.clock = clock
        self.client = SeatClient(
            url,
            token,
            on_event=self._event,
            on_status=self._status,
            on_answer=self._answer,
            first_contact=wait,
        )
        self.failure: str | None = None
        """Why the seat could not be played (a refusal, an unreachable server)."""
        self.log_lines: list[str] = []
        """Every line the events pane has shown, in order."""
        self._columns: tuple[str, ...] = ()
        self._rows: tuple[str, ...] = ()
        """The package ids the packages pane shows, in order."""

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with VerticalScroll(id="left"):
                yield Static(id="brief")
                yield Static(id="agenda")
                yield Static(id="statements")
            with Vertical(id="right"):
                yield Static(id="state")
                yield DataTable(id="packages", cursor_type="row", zebra_stripes=True)
                yield RichLog(id="events", wrap=True, markup=False, highlight=False)
        yield Static(id="answer")
        yield Input(
            id="command",
            placeholder="table ISSUE=OPTION … · vote PKG yes · say TEXT · act comply · help",
        )
        yield Footer()

    def on_mount(self) -> None:
        for pane, title in (
            ("#brief", "Your brief (private)"),
            ("#agenda", "Agenda"),
            ("#statements", "Statements"),
            ("#state", "State"),
            ("#packages", "Packages this round"),
            ("#events", "Events"),
        ):
            self.query_one(pane).border_title = title
        self._refresh()
        self.query_one("#command", Input).focus()
        self.set_interval(0.5, self._refresh_state)
        self.write("Joining… (type help for the commands; Esc moves to the packages)")
        self.run_worker(self._play(), name="seat", exit_on_error=False)

    async def _play(self) -> None:
        try:
            await self.client.run()
        except Refused as exc:
            self._failed(f"the server refused this seat: {exc}")
        except Exception as exc:  # an unreachable server and the like: say it, do not crash
            self._failed(str(exc) or type(exc).__name__)
        else:
            if self.client.state.concluded is not None:
                self.write("The talks are over. Type quit (or press Ctrl+Q) to leave.")

    def _failed(self, reason: str) -> None:
        self.failure = reason
        if self.client.welcomes == 0:
            # nothing to look at: back to the shell, where run_app prints the reason
            self.exit(return_code=1)
            return
        self._say(f"✗ {reason}", "refused")
        self.write(f"✗ {reason}. Type quit (or press Ctrl+Q) to leave.")

    # --- what the client reports --------------------------------------------------------------

    def write(self, *lines: str) -> None:
        """Add lines to the events pane (as text: statements are never markup)."""

        log = self.query_one("#events", RichLog)
        for line in lines:
            self.log_lines.append(line)
            log.write(Text(line))

    def _event(self, event: Event) -> None:
        self.write(*event_lines(event, self.client.state, self.clock()))
        self._refresh()

    def _status(self, status: str) -> None:
        if status == "connected":
            state = self.client.state
            self.sub_title = f"{state.seat} · room {self.client.room}"
            again = f"; resuming after event {state.last_seq}" if state.last_seq else ""
            self.write(f"Connected to room {self.client.room} as {state.seat}{again}.")
        elif status == "reconnecting":
            self.write("Connection lost — reconnecting…")
        self._refresh_state()

    def _answer(self, sent: Sent) -> None:
        line = answer_line(sent)
        self.write(line)
        if self._last_sent() is sent:  # the line under the command shows the latest command
            self._say(line, "accepted" if line.startswith("✓") else "refused")

    def _last_sent(self) -> Sent | None:
        return next(reversed(self.client.sent.values()), None)

    def _say(self, text: str, kind: str = "") -> None:
        answer = self.query_one("#answer", Static)
        answer.set_classes(kind)
        answer.update(Text(text))

    # --- panes ---------------------------------------------------------------------------------

    def _refresh(self) -> None:
        state = self.client.state
        self.query_one("#brief", Static).update(Text("\n".join(brief_lines(state))))
        self.query_one("#agenda", Static).update(Text("\n".join(agenda_lines(state))))
        self.query_one("#statements", Static).update(Text("\n".join(statement_lines(state))))
        self._refresh_state()
        self._refresh_packages()

    def _refresh_state(self) -> None:
        lines = state_lines(self.client.state, self.clock(), self.client.status)
        self.query_one("#state", Static).update(Text("\n".join(lines)))

    def _refresh_packages(self) -> None:
        state = self.client.state
        table = self.query_one("#packages", DataTable)
        scenario = state.scenario
        issues = tuple(i.id for i in scenario.issues) if scenario is not None else ()
        columns = ("#", "package", "by", *issues, "utility", "you", "result", "tally")
        packages = state.packages()
        rows = tuple(p.package_id for p in packages)
        if columns == self._columns and rows == self._rows:
            # the same rows: change their cells in place, so the cursor stays put
            for n, p in enumerate(packages, start=1):
                for column, cell in enumerate(self._cells(n, p, issues)):
                    table.update_cell_at(Coordinate(n - 1, column), Text(cell))
            return
        selected = self.selected()
        if columns != self._columns:
            table.clear(columns=True)
            table.add_columns(*columns)
            self._columns = columns
        else:
            table.clear()
        for n, p in enumerate(packages, start=1):
            table.add_row(*(Text(cell) for cell in self._cells(n, p, issues)), key=p.package_id)
        self._rows = rows
        if selected is not None and selected.package_id in rows:
            table.move_cursor(row=rows.index(selected.package_id))

    def _cells(self, n: int, p: PackageLine, issues: tuple[str, ...]) -> list[str]:
        state = self.client.state
        return [
            str(n),
            p.package_id,
            p.seat,
            *(p.package.get(i, "") for i in issues),
            utility_text(p.utility),
            p.my_vote or "",
            verdict_text(p, state),
            count_text(p, state),
        ]

    def selected(self) -> PackageLine | None:
        """The package under the cursor in the packages pane."""

        table = self.query_one("#packages", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key is None else self.client.state.package(key)

    # --- commands ------------------------------------------------------------------------------

    async def on_input_submitted(self, message: Input.Submitted) -> None:
        line = message.value
        message.input.value = ""
        await self.run_line(line)

    async def run_line(self, line: str) -> None:
        """Do what a command line says: send it, or answer it here."""

        try:
            parsed = parse(line, self.client.state)
        except CommandError as exc:
            self.write(f"› {line.strip()}", f"✗ {line.strip()}: {exc}")
            self._say(f"✗ {line.strip()}: {exc}", "refused")
            return
        if parsed is None:
            return
        if parsed.local == "help":
            self.write(*HELP.splitlines(), *KEYS.splitlines())
            self._say("The commands and keys are listed in the events pane.")
        elif parsed.local == "quit":
            await self.action_quit()
        elif parsed.command is not None:
            self.write(f"› {line.strip()}")
            self._say(
                f"… {line.strip()}: sent"
                + ("" if self.client.status == "connected" else " (goes out once reconnected)")
            )
            await self.client.submit(parsed.command, line.strip())

    async def action_line(self, line: str) -> None:
        await self.run_line(line)

    async def action_vote(self, vote: str) -> None:
        package = self.selected()
        if package is None:
            self._say("No package is selected (the packages pane is empty).", "refused")
            return
        await self.run_line(f"vote {package.package_id} {vote}")

    async def action_veto(self) -> None:
        package = self.selected()
        if package is not None:
            await self.run_line(f"veto {package.package_id}")

    async def action_withdraw(self) -> None:
        package = self.selected()
        if package is not None:
            await self.run_line(f"withdraw {package.package_id}")

    def action_focus_packages(self) -> None:
        self.query_one("#packages", DataTable).focus()

    def action_focus_command(self) -> None:
        self.query_one("#command", Input).focus()

    async def action_quit(self) -> None:
        await self.client.stop()
        self.exit(return_code=1 if self.failure else 0)


def run_app(url: str, token: str, *, wait: float = 10.0) -> int:
    """``accord join URL --token T``; returns the exit status (1 if the seat could not
    be played, the reason then printed on stderr)."""

    app = SeatApp(url, token, wait=wait)
    app.run()
    if app.failure:
        sys.stderr.write(f"error: {app.failure}\n")
    return app.return_code or 0
