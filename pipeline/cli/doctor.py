"""`kassasync doctor`: the seed's preparation checklist, checked live, as passed and failed steps with fixes."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import click

from pipeline.cli.context import app_context, today_from
from pipeline.cli.plan import plan_selected, store_options
from pipeline.plan.doctor import Step, checklist
from pipeline.plan.inputs import day_file_step, invoiced_rows
from pipeline.plan.render import environment


@dataclass(frozen=True)
class DoctorReport:
    store: str
    name: str
    tenant_id: str | None
    steps: list[Step]

    @property
    def passed(self) -> int:
        return sum(1 for s in self.steps if s.passed is True)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.steps if s.passed is False)

    @property
    def skipped(self) -> int:
        return sum(1 for s in self.steps if s.passed is None)


@click.command("doctor")
@store_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def doctor_command(store_ids: tuple[str, ...], all_stores: bool, concurrency: int, today: datetime | None,
                   fmt: str) -> None:
    """Check each store's Fortnox and inbox against the preparation checklist; exit 1 if a step fails."""
    day = today_from(today)
    settings = app_context().settings
    reports = []
    for item in plan_selected(store_ids, all_stores, day, concurrency):
        evidence = invoiced_rows(settings.inbox_dir, item.config, settings.settle_seconds)
        steps = checklist(item.config, item.plan, item.snapshot, evidence)
        steps.append(day_file_step(settings.inbox_dir, item.config, day, settings.stores_dir,
                                    settings.settle_seconds))
        reports.append(DoctorReport(item.config.store, item.config.name, item.config.tenant_id, steps))
    if fmt == "json":
        doc = {"format": 1, "stores": [{"store": r.store, "passed": r.passed, "failed": r.failed,
                                        "steps": [s.to_json() for s in r.steps]} for r in reports]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        click.echo(environment().get_template("plan_doctor.txt.j2").render(reports=reports), nl=False)
    if any(r.failed for r in reports):
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(doctor_command)
