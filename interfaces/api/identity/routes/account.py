"""The storefront account: a customer signs up, signs in, manages their profile and addresses,
takes a copy of their data and deletes their account, in one shop.

Accounts belong to one store: the same e-mail at two shops is two unrelated accounts, and a
customer's token is only good at its own shop (anywhere else it is simply not signed in: 401).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from application.context import CommandContext
from application.identity.customers import scope_of
from domain.identity.aggregates import Customer
from domain.identity.errors import TokenError
from domain.shared.errors import AuthenticationError, OrionError, ValidationError
from interfaces.api.auth import ANONYMOUS, authenticate
from interfaces.api.common import CommandAnswer, answer
from interfaces.api.contract import raises, requires_token
from interfaces.api.deps import (
    CommandCtx,
    IfMatch,
    OrionDep,
    PrincipalDep,
    check_csrf,
    presented_token,
)
from interfaces.api.identity.schemas.customers import (
    AddressAnswer,
    AddressCreate,
    AddressPublic,
    AddressUpdate,
    CustomerExport,
    EraseMe,
    Login,
    Logout,
    Me,
    PasswordChange,
    ProfileUpdate,
    Refresh,
    Register,
    ResetConfirm,
    ResetRequest,
    ResetRequested,
)
from interfaces.api.sessions import (
    SessionAnswer,
    clear_session_cookies,
    refresh_token_from,
    session_answer,
)
from interfaces.api.shop import ShopDep
from interfaces.api.throttle import (
    guard_password,
    guard_registration,
    guard_reset_request,
    password_proved,
)
from interfaces.bootstrap import Orion

PREFIX = "/api/v1/shop/{store_code}/account"
router = APIRouter(prefix=PREFIX, tags=["shop: account"])
# One answer whether or not the address has an account: the endpoint reveals nothing.
RESET_REQUESTED = (
    "if an account exists for this address, a link to reset its password is on its way"
)


@dataclass(frozen=True)
class SignedIn:
    store_id: UUID
    customer_id: UUID
    session_id: UUID | None


@requires_token
async def signed_in(store_id: ShopDep, principal: PrincipalDep) -> SignedIn:
    """A customer of this very shop. Staff tokens and other shops' customers are not signed
    in here (401), so a token never says whether its account exists elsewhere."""
    customer_id = principal.account_id
    if principal.kind != "customer" or principal.store_id != store_id or customer_id is None:
        raise AuthenticationError("sign in to your account at this shop")
    return SignedIn(store_id, customer_id, principal.session_id)


CustomerDep = Annotated[SignedIn, Depends(signed_in)]


def guard_customer_password(request: Request, orion: Orion, me: SignedIn) -> str:
    """Counts a check of the signed-in customer's password against their account's budget,
    the one their logins spend."""
    return guard_password(request, orion.customers.account_ref(me.customer_id) or me.customer_id)


def public_ctx(request: Request) -> CommandContext:
    """The context of the endpoints that sign people in. They ignore any token sent along: an
    expired access token must not stop its owner from refreshing or signing in again."""
    return CommandContext(actor="anonymous:-", correlation_id=request.state.correlation_id)


CartToken = Annotated[
    str | None, Header(alias="X-Cart-Token", description="A guest cart to merge at sign-in.")
]


def merge_guest_cart(
    orion: OrionDep, request: Request, store_id: UUID, customer_id: UUID, token: str | None
) -> None:
    """The guest's cart joins the customer's once signed in. A bad, stale or foreign token
    (or a lost race) only means nothing is merged: it never fails the sign-in."""
    if not token or len(token) > 256:
        return
    ctx = CommandContext(
        actor=f"customer:{customer_id}", correlation_id=request.state.correlation_id
    )
    try:
        ref = orion.carts.ref_from_token(token)
        orion.carts.merge_guest_cart(ctx, store_id, ref, customer_id)
    except OrionError:
        pass


def refresh_path(store_code: str) -> str:
    # The code as the client wrote it in the URL: cookie paths are case-sensitive.
    return PREFIX.format(store_code=store_code)


@contextmanager
def address_fields() -> Iterator[None]:
    """The domain names address fields ``address.<name>``; this API's address body is flat."""
    try:
        yield
    except ValidationError as error:
        if error.field.startswith("address."):
            raise ValidationError(error.field.removeprefix("address."), error.detail) from None
        raise


# -- signing up, in and out ----------------------------------------------------------------


@router.post(
    "/register", status_code=201, response_model=SessionAnswer, response_model_exclude_none=True
)
@raises(429)
def register(
    store_code: str,
    body: Register,
    store_id: ShopDep,
    orion: OrionDep,
    request: Request,
    response: Response,
    cart_token: CartToken = None,
) -> SessionAnswer:
    guard_registration(request)
    # A taken e-mail answers 409: this does tell the caller that the address has an account
    # in this shop, as every shop's sign-up form does. Registrations are throttled per IP.
    issued = orion.customers.register(
        public_ctx(request),
        store_id,
        email=body.email,
        password=body.password,
        first_name=body.first_name,
        last_name=body.last_name,
        phone=body.phone,
        language=body.language,
        marketing_consent=body.marketing_consent,
    )
    response.headers["Location"] = f"{refresh_path(store_code)}/me"
    merge_guest_cart(orion, request, store_id, issued.account_id, cart_token)
    return session_answer(
        issued,
        response,
        orion,
        use_cookies=body.use_cookies,
        refresh_path=refresh_path(store_code),
    )


@router.post("/login", response_model=SessionAnswer, response_model_exclude_none=True)
@raises(401, 429)
def login(
    store_code: str,
    body: Login,
    store_id: ShopDep,
    orion: OrionDep,
    request: Request,
    response: Response,
    cart_token: CartToken = None,
) -> SessionAnswer:
    key = guard_password(request, orion.customers.email_ref(scope_of(store_id), body.email))
    # Unknown e-mail, wrong password and deactivated account all get the same 401.
    issued = orion.customers.login_customer(
        public_ctx(request), store_id, email=body.email, password=body.password
    )
    password_proved(request, key)
    merge_guest_cart(orion, request, store_id, issued.account_id, cart_token)
    return session_answer(
        issued,
        response,
        orion,
        use_cookies=body.use_cookies,
        refresh_path=refresh_path(store_code),
    )


@router.post("/logout", status_code=204, response_class=Response)
@raises(401, 403)
def logout(
    store_code: str,
    store_id: ShopDep,
    orion: OrionDep,
    request: Request,
    body: Logout | None = None,
) -> Response:
    """Ends the session of the access token, else the one the refresh token proves: an expired
    access token must not stop a logout, so the principal is resolved here."""
    given = body.refresh_token if body else None
    token, access_by_cookie = presented_token(request)
    refresh_token = refresh_token_from(request, given)
    if access_by_cookie or (given is None and refresh_token is not None):
        check_csrf(request)
    session_id: UUID | None = None
    actor = "anonymous:-"
    if token is not None:
        try:
            principal = authenticate(orion, token)
        except AuthenticationError:
            principal = ANONYMOUS
        if principal.kind == "customer" and principal.store_id == store_id:
            session_id, actor = principal.session_id, principal.actor
    if session_id is None and refresh_token is not None:
        session = orion.customers.session_of_refresh_token(refresh_token, store_id=store_id)
        if session is not None:
            session_id, actor = session.session_id, f"customer:{session.account_id}"
    if session_id is None:
        raise AuthenticationError("sign in to your account at this shop")
    ctx = CommandContext(actor=actor, correlation_id=request.state.correlation_id)
    orion.customers.end_session(ctx.for_store(store_id), session_id, reason="logout")
    response = Response(status_code=204)
    clear_session_cookies(response, refresh_path=refresh_path(store_code))
    return response


@router.post("/refresh", response_model=SessionAnswer, response_model_exclude_none=True)
@raises(401, 403)
def refresh(
    store_code: str,
    store_id: ShopDep,
    orion: OrionDep,
    request: Request,
    response: Response,
    body: Refresh | None = None,
) -> SessionAnswer:
    given = body.refresh_token if body else None
    token = refresh_token_from(request, given)
    if not token:
        raise AuthenticationError("send the refresh token, in the body or its cookie")
    by_cookie = given is None
    if by_cookie:
        check_csrf(request)
    issued = orion.customers.refresh(public_ctx(request), token, store_id=store_id)
    # A token that came by cookie came from a browser: the new one goes back the same way.
    use_cookies = by_cookie or (body is not None and body.use_cookies)
    return session_answer(
        issued, response, orion, use_cookies=use_cookies, refresh_path=refresh_path(store_code)
    )


# -- forgotten passwords --------------------------------------------------------------------


@router.post("/password-reset/request", status_code=202, response_model=ResetRequested)
@raises(429)
def request_password_reset(
    body: ResetRequest, store_id: ShopDep, orion: OrionDep, request: Request
) -> ResetRequested:
    # The same work whether or not the address has an account, so that neither the answer nor
    # its time tells: the reset itself is a queued job. Its mail is sent by a job that follows
    # the log.
    ref = orion.customers.email_ref(scope_of(store_id), body.email)
    guard_reset_request(request, ref)
    orion.enqueue(orion.customers.password_reset_job(public_ctx(request).for_store(store_id), ref))
    return ResetRequested(detail=RESET_REQUESTED)


def _reset_customer_id(token: str) -> UUID | None:
    # The token's first part is the account id (its MAC is checked by the use case).
    try:
        return UUID(hex=token.strip().split(".", 1)[0])
    except ValueError:
        return None


@router.post("/password-reset/confirm", status_code=204)
def confirm_password_reset(
    body: ResetConfirm, store_id: ShopDep, orion: OrionDep, request: Request
) -> None:
    # A token is good at its own shop only, like the account it resets.
    customer_id = _reset_customer_id(body.token)
    customer = orion.customers.find(customer_id) if customer_id else None
    if customer is None or customer.store_id != store_id:
        raise TokenError()
    # Single use; the new password ends every session (their credentials version is stale).
    orion.customers.confirm_password_reset(
        public_ctx(request).for_store(store_id), token=body.token, new_password=body.new_password
    )


# -- the profile ------------------------------------------------------------------------------


def _private(response: Response) -> None:
    response.headers["Cache-Control"] = "private, no-store"


@router.get("/me", response_model=Me)
def get_me(me: CustomerDep, orion: OrionDep, response: Response) -> Me:
    customer = orion.customers.get(me.store_id, me.customer_id)
    _private(response)
    response.headers["ETag"] = f'"{customer.version}"'
    return Me.model_validate(orion.customers.view(customer))


@router.patch("/me", response_model=CommandAnswer)
def update_me(
    body: ProfileUpdate,
    me: CustomerDep,
    orion: OrionDep,
    ctx: CommandCtx,
    version: IfMatch,
    response: Response,
) -> CommandAnswer:
    changes = body.model_dump(exclude_unset=True)
    result = orion.customers.update_profile(
        ctx, me.store_id, me.customer_id, changes=changes, expected_version=version
    )
    return answer(result, response)


@router.post("/me/password", response_model=SessionAnswer, response_model_exclude_none=True)
@raises(429)
def change_password(
    store_code: str,
    body: PasswordChange,
    me: CustomerDep,
    orion: OrionDep,
    ctx: CommandCtx,
    request: Request,
    response: Response,
) -> SessionAnswer:
    # Every session ends (older tokens carry a stale credentials version); this client gets
    # a fresh one so that it stays signed in. The current password counts as a login attempt.
    key = guard_customer_password(request, orion, me)
    issued = orion.customers.change_password(
        ctx.for_store(me.store_id),
        me.customer_id,
        current_password=body.current_password,
        new_password=body.new_password,
        store_id=me.store_id,
    )
    password_proved(request, key)
    return session_answer(
        issued,
        response,
        orion,
        use_cookies=body.use_cookies,
        refresh_path=refresh_path(store_code),
    )


# -- addresses --------------------------------------------------------------------------------


@router.get("/me/addresses", response_model=list[AddressPublic])
def list_addresses(me: CustomerDep, orion: OrionDep, response: Response) -> list[AddressPublic]:
    customer = orion.customers.get(me.store_id, me.customer_id)
    _private(response)
    return [AddressPublic.model_validate(a) for a in orion.customers.addresses(customer)]


def _added_address_id(orion: OrionDep, customer_id: UUID, version: int) -> UUID:
    """The id of the address the command at ``version`` added (the use case makes it and
    records it in ``AddressAdded``, followed by at most two default changes)."""
    events: list[Any] = list(
        orion.app.events.get(customer_id, gt=max(version - 3, 0), lte=version, desc=True)
    )
    for event in events:
        if isinstance(event, Customer.AddressAdded):
            address_id: UUID = event.address_id
            return address_id
    raise RuntimeError(f"no AddressAdded at version {version} of customer {customer_id}")


@router.post("/me/addresses", status_code=201, response_model=AddressAnswer)
def add_address(
    store_code: str,
    body: AddressCreate,
    me: CustomerDep,
    orion: OrionDep,
    ctx: CommandCtx,
    response: Response,
) -> AddressAnswer:
    with address_fields():
        result = orion.customers.add_address(
            ctx,
            me.store_id,
            me.customer_id,
            address=body.address_fields(),
            default_shipping=body.default_shipping,
            default_billing=body.default_billing,
        )
    address_id = _added_address_id(orion, me.customer_id, result.version)
    response.headers["Location"] = f"{refresh_path(store_code)}/me/addresses/{address_id}"
    return AddressAnswer(**answer(result, response).model_dump(), address_id=address_id)


@router.patch("/me/addresses/{address_id}", response_model=CommandAnswer)
def change_address(
    address_id: UUID,
    body: AddressUpdate,
    me: CustomerDep,
    orion: OrionDep,
    ctx: CommandCtx,
    response: Response,
) -> CommandAnswer:
    with address_fields():
        result = orion.customers.change_address(
            ctx,
            me.store_id,
            me.customer_id,
            address_id,
            changes=body.address_fields(),
            default_shipping=body.default_shipping,
            default_billing=body.default_billing,
        )
    return answer(result, response)


@router.delete("/me/addresses/{address_id}", response_model=CommandAnswer)
def remove_address(
    address_id: UUID, me: CustomerDep, orion: OrionDep, ctx: CommandCtx, response: Response
) -> CommandAnswer:
    result = orion.customers.remove_address(ctx, me.store_id, me.customer_id, address_id)
    return answer(result, response)


# -- the person's rights: a copy of their data, and erasure ------------------------------------


def export_response(data: dict[str, Any], customer_id: UUID) -> JSONResponse:
    """A download of everything held about the customer (right of access)."""
    return JSONResponse(
        jsonable_encoder(data),
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/me/export", response_model=CustomerExport)
def export_me(me: CustomerDep, orion: OrionDep) -> JSONResponse:
    return export_response(orion.customers.export(me.store_id, me.customer_id), me.customer_id)


@router.delete("/me", status_code=204)
@raises(429)
def delete_me(
    store_code: str,
    body: EraseMe,
    me: CustomerDep,
    orion: OrionDep,
    ctx: CommandCtx,
    request: Request,
    response: Response,
) -> None:
    """Deletes the account: the person's key is destroyed, so everything sealed with it in the
    log is unreadable for good; the e-mail is free to sign up again as a new account."""
    customer = orion.customers.get(me.store_id, me.customer_id)
    # A stolen access token alone must not be enough to erase someone, nor to guess freely.
    key = guard_customer_password(request, orion, me)
    if not orion.customers.password_matches(customer, body.password):
        raise ValidationError("password", "is not the account's password")
    password_proved(request, key)
    orion.customers.erase(ctx, me.store_id, me.customer_id, by="self")
    # Every token is dead already (erasure bumps the credentials version); this ends the
    # session on record too and clears the browser's cookies.
    if me.session_id is not None:
        orion.customers.end_session(ctx.for_store(me.store_id), me.session_id, reason="erased")
    clear_session_cookies(response, refresh_path=refresh_path(store_code))
