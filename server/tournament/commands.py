"""What ``accord tournament ...`` runs (see :mod:`accord.tournament_cli`)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from accord.server.tournament.running import run_command

    return run_command(args)


def standings(args: argparse.Namespace) -> int:
    from accord.server.tournament.reading import standings_command

    return standings_command(args)


def export(args: argparse.Namespace) -> int:
    from accord.server.tournament.reading import export_command

    return export_command(args)


def report(args: argparse.Namespace) -> int:
    from accord.server.tournament.reading import report_command

    return report_command(args)
