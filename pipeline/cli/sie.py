"""Placeholder until the command lands (registers nothing)."""
import click


def register(group: click.Group) -> None:
    pass
