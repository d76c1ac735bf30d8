"""Staff accounts over HTTP (admins add and disable; auditors may list)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CurrentActor, RuntimeDep, TokensDep
from api.routers import as_json, errors
from api.schemas import UserCreate, UserView
from engine.services import users

router = APIRouter(prefix="/api/users", tags=["users"])
Username = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")]


@router.get("", response_model=list[UserView], responses=errors(401, 403))
def list_users(rt: RuntimeDep, actor: CurrentActor):
    return as_json([user.as_dict() for user in users.list_users(rt, actor=actor)])


@router.post("", status_code=201, response_model=UserView, responses=errors(401, 403, 422))
def add_user(body: UserCreate, rt: RuntimeDep, actor: CurrentActor):
    """Add an account; its department is created when it is new. Audited on the system chain."""
    user = users.add_user(rt, username=body.username, password=body.password, role=body.role, actor=actor,
                          department=body.department, display_name=body.display_name,
                          topics=body.topics)
    return as_json(user, 201)


@router.post("/{username}/disable", response_model=UserView, responses=errors(401, 403, 404, 422))
def disable_user(username: Username, rt: RuntimeDep, tokens: TokensDep, actor: CurrentActor):
    """Switch an account off; its tokens stop working (at once here, within seconds in other processes)."""
    user = users.disable_user(rt, username=username, actor=actor)
    tokens.forget(user.username)
    return as_json(user)
