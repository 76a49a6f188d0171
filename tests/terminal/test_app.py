"""The full-screen client: a person plays a whole talk against built-in bots.

A real server on 127.0.0.1, two conceders over real websockets, and the
textual app driven by its pilot: commands are typed into the command line
key by key (a vote is also cast with the packages pane's keys), and every
assertion reads what the screen shows.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from accord.protocol.events import StatementMade
from accord.terminal.app import SeatApp
from tests.netutil import RunningServer, api, free_port
from tests.terminal.table import (
    PERSON,
    TABLE_BEST,
    open_room,
    pane,
    save_screenshot,
    seated_bots,
    type_line,
    until,
)

PRIVATE = "a word for north only"


async def test_a_person_plays_a_full_talk_to_agreement_on_the_full_screen(tmp_path: Path) -> None:
    async with RunningServer(tmp_path / "db.sqlite") as server:
        room, tokens = await open_room(server.url)
        app = SeatApp(server.url, tokens[PERSON])
        async with (
            seated_bots(server.ws_url, tokens) as others,
            app.run_test(size=(150, 46)) as pilot,
        ):
            state = app.client.state
            await until(pilot, lambda: state.package("R1-north-1") is not None)
            brief = pane(app, "#brief")
            assert "You are south — South (weight 1, no veto)" in brief
            assert "Checks (weight 0.25): No checks 0.20 · Full checks 1.00" in brief
            assert "private notes of south" in brief and "notes of north" not in brief
            assert "Seats: north (weight 2, veto); south (weight 1, you)" in pane(app, "#agenda")
            assert "Phase: tabling · round 1 of 3 · " in pane(app, "#state")

            # a command the client cannot send, a veto without one, a refusal by the server
            await type_line(pilot, "table cut=high")
            assert pane(app, "#answer") == (
                "✗ table cut=high: a package needs an option for every issue;"
                " missing checks (none=No checks|full=Full checks), fines (none|heavy)"
            )
            await type_line(pilot, "veto R1-north-1")
            assert "you hold no veto (only north holds one)" in pane(app, "#answer")
            await type_line(pilot, "withdraw R1-north-1")
            await until(pilot, lambda: "refused" in pane(app, "#answer"))
            refusal = app.log_lines.index("› withdraw R1-north-1") + 1
            assert app.log_lines[refusal].startswith("✗ withdraw R1-north-1: refused: ")
            assert (
                "(not_your_package: Only the seat that tabled a package may withdraw it.)"
                in (app.log_lines[refusal])
            )

            await type_line(pilot, "help")
            assert "  challenge SEAT           inspect a seat in verification" in "\n".join(
                app.log_lines
            )
            assert "Ctrl+Q quits from anywhere." in app.log_lines
            await type_line(pilot, f"say @north {PRIVATE}")
            await type_line(pilot, TABLE_BEST)
            await until(pilot, lambda: state.phase == "ballot")
            assert f"south to north: “{PRIVATE}”" in app.log_lines
            assert pane(app, "#statements") == f"south → north (private): “{PRIVATE}”"

            # the packages pane's keys: Esc, to the top, down to this seat's package, y
            table = app.query_one("#packages", DataTable)
            await pilot.press("escape")
            assert table.has_focus
            await pilot.press("up", "up", "down", "y")
            await until(pilot, lambda: pane(app, "#answer") == "✓ vote R1-south-1 yes: accepted")
            save_screenshot(app, tmp_path)
            await type_line(pilot, "vote R1-north-1 no")
            await type_line(pilot, "vote 3 no")
            await until(pilot, lambda: state.phase == "action")
            assert "Adopted R1-south-1: utility for you 1.00" in pane(app, "#state")
            await type_line(pilot, "act comply")
            await until(pilot, lambda: state.phase == "verification")
            await type_line(pilot, "challenge east")
            await until(pilot, lambda: app.client.status == "closed")

            shown = pane(app, "#state")
            rows = {table.get_row_at(n)[1].plain: table.get_row_at(n) for n in range(3)}
            assert rows["R1-south-1"][-2].plain == "ADOPTED"
            assert rows["R1-north-1"][-2].plain == "failed"
            assert rows["R1-north-1"][-1].plain.endswith("north yes, south no, east yes")
            assert "✓ challenge east: accepted" in app.log_lines

    # the screen shows the server's own result
    concluded = others["north"].rooms[room].concluded
    assert concluded is not None and concluded.package_id == "R1-south-1"
    assert "Concluded: agreement on R1-south-1. Final scores:" in shown
    for score in concluded.scores:
        assert f"{score.seat:<8} {score.raw:+.3f}  (normalised {score.normalised:.2f})" in shown
    assert "Period 1: you comply; inspections: south→east clean" in shown
    assert "− inspections 0.020 = +0.930" in shown
    # the private statement reached north and not east
    heard = {
        seat: [e.text for e in bot.rooms[room].events if isinstance(e, StatementMade)]
        for seat, bot in others.items()
    }
    assert heard == {"north": [PRIVATE], "east": []}
    assert (tmp_path / "terminal.svg").read_text().startswith("<svg")


async def test_the_full_screen_client_exits_1_when_the_token_is_refused(tmp_path: Path) -> None:
    async with RunningServer(tmp_path / "db.sqlite") as server:
        status, _ = await api(server.url, "GET", "/healthz")
        assert status == 200
        app = SeatApp(server.url, "not-a-seat-token")
        async with app.run_test() as pilot:
            await until(pilot, lambda: app.return_code is not None)
        assert app.return_code == 1
        assert app.failure is not None
        assert app.failure.startswith("the server refused this seat: ")
        assert "(bad_token)" in app.failure


async def test_the_full_screen_client_exits_1_when_nothing_answers() -> None:
    port = free_port()  # nothing listens on it
    app = SeatApp(f"http://127.0.0.1:{port}", "seat-token", wait=0.3)
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1
    assert app.failure is not None
    assert app.failure.startswith(f"cannot reach ws://127.0.0.1:{port}/ws within 0.3 s")
