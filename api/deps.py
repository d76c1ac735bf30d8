"""Annotated dependencies that keep routers short: the runtime, the signed-in staff actor, the party's access."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.security import Tokens
from api.settings import Settings
from api.writes import Writes
from engine.domain import Actor
from engine.services.party import PartyAccess
from engine.services.runtime import Runtime
from engine.services.throttle import Throttle

_bearer = HTTPBearer(auto_error=False, description="a token from POST /api/auth/token (staff) or "
                                                   "POST /api/party/token (a party)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


# The dependencies are async on purpose: an async dependency runs on the event loop instead of costing a trip
# through the thread pool. They do almost no I/O: a token is checked from its signature, and its account is
# read (one indexed query) at most every Settings.user_recheck_seconds per user and process.
async def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _tokens(request: Request) -> Tokens:
    return request.app.state.tokens


async def _current_actor(request: Request, credentials: Credentials) -> Actor:
    return request.app.state.tokens.staff_actor(credentials.credentials if credentials else None)


async def _current_party(request: Request, credentials: Credentials) -> PartyAccess:
    return request.app.state.tokens.party_access(credentials.credentials if credentials else None)


async def _writes(request: Request) -> Writes:
    return request.app.state.writes


async def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _login_throttles(request: Request) -> tuple[Throttle, Throttle]:
    return request.app.state.login_throttles


async def _party_throttles(request: Request) -> tuple[Throttle, Throttle]:
    return request.app.state.party_throttles


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
SettingsDep = Annotated[Settings, Depends(_settings)]
TokensDep = Annotated[Tokens, Depends(_tokens)]
CurrentActor = Annotated[Actor, Depends(_current_actor)]
CurrentParty = Annotated[PartyAccess, Depends(_current_party)]
WritesDep = Annotated[Writes, Depends(_writes)]
ClientAddress = Annotated[str | None, Depends(_client)]
LoginThrottles = Annotated[tuple[Throttle, Throttle], Depends(_login_throttles)]
PartyThrottles = Annotated[tuple[Throttle, Throttle], Depends(_party_throttles)]
