"""Signing in: a user name and password for a bearer token; who the token says you are."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form

from api.deps import ClientAddress, CurrentActor, LoginThrottles, RuntimeDep, TokensDep
from api.formdata import FormRoute
from api.routers import errors
from api.schemas import ActorView, TokenView
from engine.services import users

router = APIRouter(prefix="/api/auth", tags=["auth"], route_class=FormRoute)


@router.post("/token", response_model=TokenView, responses=errors(401, 422, 429))
def issue_token(rt: RuntimeDep, tokens: TokensDep, throttles: LoginThrottles, client: ClientAddress,
                username: Annotated[str, Form(max_length=100)],
                password: Annotated[str, Form(max_length=1000)]) -> TokenView:
    """Form `username`, `password` -> a signed bearer token. Repeated failures are answered with 429."""
    actor = users.authenticate(rt, username=username, password=password, throttles=throttles, client=client)
    token, seconds = tokens.issue_staff(actor)
    return TokenView(access_token=token, expires_in=seconds, username=actor.username, role=actor.role.value,
                     department=actor.department)


@router.get("/me", response_model=ActorView, responses=errors(401, 403))
async def who_am_i(actor: CurrentActor) -> ActorView:
    """The signed-in account: user name, role, department."""
    return ActorView(username=actor.username, role=actor.role.value, department=actor.department)
