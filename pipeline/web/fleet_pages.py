"""The reseller's pages: /fleet (all stores) and /fleet/<store> (days, sales, failures, invitations, actions)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline.web import sparkline
from pipeline.web.context import WebContext, web
from pipeline.web.fleet import SORTS, select, window
from pipeline.web.invitations import issue, link, parse_duration
from pipeline.web.security import read_form

Handler = Callable[[Request], Awaitable[Response]]


def reseller_only(handler: Callable[[Request, WebContext], Awaitable[Response]]) -> Handler:
    """The login in front of every reseller page; without a configured hash the pages say how to set one."""

    async def checked(request: Request) -> Response:
        ctx = web(request)
        if not ctx.auth.configured:
            return ctx.render(request, "no_login.html.j2", 503)
        if not ctx.auth.allows(request):
            return ctx.auth.challenge()
        return await handler(request, ctx)

    checked.__name__ = handler.__name__
    return checked


@reseller_only
async def fleet_page(request: Request, ctx: WebContext) -> Response:
    fleet = await ctx.fleet.get()
    params = request.query_params
    sort = params.get("sort", "attention")
    try:
        page = int(params.get("page", "1"))
    except ValueError:
        page = 1
    chosen = select(fleet.rows, query=params.get("q", ""), attention_only=params.get("attention") == "1",
                    sort=sort, descending=params.get("dir") == "desc", page=page)
    return ctx.render(request, "fleet.html.j2", fleet=fleet, chosen=chosen, q=params.get("q", ""),
                      attention=params.get("attention") == "1", sort=sort if sort in SORTS else "attention",
                      descending=params.get("dir") == "desc", totals=fleet.model.totals(), read_at=fleet.read_at)


@reseller_only
async def store_page(request: Request, ctx: WebContext) -> Response:
    return await _store_view(request, ctx)


async def _store_view(request: Request, ctx: WebContext, new_link: str | None = None) -> Response:
    store = request.path_params["store"]
    fleet = await ctx.fleet.get()
    row = fleet.by_store.get(store)
    if row is None:
        return ctx.render(request, "message_plain.html.j2", 404, title="No such store",
                          body=f"No store file or ledger entry for {store!r}.")
    days = window(ctx.today() - timedelta(days=1))  # the 60 days that are due: today's sales are not in yet
    sales = ctx.state.daily_sales(store, days[0], days[-1])
    creds = ctx.tokens.load(store) if ctx.tokens.has(store) else None
    invitations = ctx.state.invitations(store)
    return ctx.render(request, "store.html.j2", row=row, store_status=row.status, model=fleet.model,
                      spark=sparkline.svg(days, sales), sales_days=len(sales), first_day=days[0], last_day=days[-1],
                      credentials=creds, invitations=invitations, now=ctx.now(), new_link=new_link,
                      upload_token_created=ctx.state.upload_token_created(store), read_at=fleet.read_at)


async def _form_or_refusal(request: Request, ctx: WebContext) -> dict[str, str] | Response:
    form = await read_form(request)
    if form is None or not ctx.csrf.valid(request, form):
        return ctx.render(request, "message_plain.html.j2", 403, title="The form had expired",
                          body="Reload the page and try again.")
    return form


@reseller_only
async def resend_invitation(request: Request, ctx: WebContext) -> Response:
    """A new link for the store (shown here once, to send to the customer); its older open links are revoked."""
    form = await _form_or_refusal(request, ctx)
    if isinstance(form, Response):
        return form
    store = request.path_params["store"]
    if ctx.store_config(store) is None:
        return ctx.render(request, "message_plain.html.j2", 409, title="The store file is missing or invalid",
                          body=f"Run `kassasync validate` and fix stores/{store}.yaml first.")
    try:
        valid_for = parse_duration(form.get("expires", "7d"))
    except Exception as exc:  # noqa: BLE001 - a UserError with the words to show
        return ctx.render(request, "message_plain.html.j2", 400, title="Not a duration", body=str(exc))
    ctx.state.revoke(ctx.state.open_invitations(store), "replaced by a new invitation")
    invitation, token = issue(ctx.config.secret_key, store, valid_for, ctx.now())
    ctx.state.record_invitation(invitation.id, store, invitation.expires_at)
    return await _store_view(request, ctx, new_link=link(ctx.config.public_url, token))


@reseller_only
async def revoke_invitation(request: Request, ctx: WebContext) -> Response:
    form = await _form_or_refusal(request, ctx)
    if isinstance(form, Response):
        return form
    store, invitation_id = request.path_params["store"], request.path_params["invitation"]
    if any(i.id == invitation_id for i in ctx.state.invitations(store)):
        ctx.state.revoke([invitation_id], "revoked by the reseller")
    return RedirectResponse(f"/fleet/{store}", status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/fleet", status_code=303)


ROUTES = [
    Route("/", home),
    Route("/fleet", fleet_page),
    Route("/fleet/{store}", store_page),
    Route("/fleet/{store}/invite", resend_invitation, methods=["POST"]),
    Route("/fleet/{store}/invitations/{invitation}/revoke", revoke_invitation, methods=["POST"]),
]
