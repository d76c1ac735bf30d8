"""Signing in: tokens, refusals that never say which part was wrong, slowing down guessers, disabled accounts."""
from __future__ import annotations

import time

import jwt

from engine.services import users
from tests.api.conftest import PASSWORD, SECRET, assert_error


def sign_in(client, username, password=PASSWORD):
    return client.post("/api/auth/token", data={"username": username, "password": password})


def test_a_correct_password_gives_a_signed_expiring_bearer_token(client, staff):
    response = sign_in(client, "olga")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["role"] == "officer" and body["department"] == "cityscape"
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], issuer="dueflow")
    assert claims["sub"] == "olga" and claims["exp"] - claims["iat"] == body["expires_in"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"username": "olga", "role": "officer", "department": "cityscape"}


def test_wrong_password_and_unknown_user_are_the_same_401(client, staff):
    wrong = assert_error(sign_in(client, "olga", "not it"), 401, "invalid_credentials")
    unknown = assert_error(sign_in(client, "nobody", PASSWORD), 401, "invalid_credentials")
    assert wrong["message"] == unknown["message"]
    assert sign_in(client, "olga", "not it").headers["www-authenticate"] == "Bearer"


def test_repeated_failures_are_slowed_down_even_for_the_right_password(client, staff):
    for _ in range(5):
        assert_error(sign_in(client, "sam", "guess"), 401)
    refused = sign_in(client, "sam", PASSWORD)
    error = assert_error(refused, 429, "too_many_attempts")
    assert int(refused.headers["retry-after"]) >= 1 and error["details"][0]["retry_after"] >= 1
    assert sign_in(client, "olga").status_code == 200  # another account is not affected


def test_the_wait_doubles_with_each_further_failure(app, client, staff):
    throttle, _ = app.state.login_throttles
    clock = [1000.0]
    throttle.clock = lambda: clock[0]
    for _ in range(5):
        assert_error(sign_in(client, "dan", "guess"), 401)
    waits = []
    for _ in range(4):
        refused = assert_error(sign_in(client, "dan", PASSWORD), 429)
        waits.append(refused["details"][0]["retry_after"])
        clock[0] += waits[-1]
        assert_error(sign_in(client, "dan", "guess"), 401)
    assert waits == [1, 2, 4, 8]
    clock[0] += 16
    assert sign_in(client, "dan").status_code == 200


def test_missing_forged_and_expired_tokens_are_401(client, staff):
    assert_error(client.get("/api/cases"), 401, "not_authenticated")
    forged = jwt.encode({"sub": "ada", "role": "admin", "dept": None, "typ": "staff", "iss": "dueflow",
                         "iat": int(time.time()), "exp": int(time.time()) + 60}, "not-the-secret" * 4)
    assert_error(client.get("/api/cases", headers={"Authorization": f"Bearer {forged}"}), 401)
    expired = jwt.encode({"sub": "ada", "role": "admin", "dept": None, "typ": "staff", "iss": "dueflow",
                          "iat": int(time.time()) - 100, "exp": int(time.time()) - 10}, SECRET)
    error = assert_error(client.get("/api/cases", headers={"Authorization": f"Bearer {expired}"}), 401)
    assert "expired" in error["message"]
    assert_error(client.get("/api/cases", headers={"Authorization": "Bearer nonsense"}), 401)


def test_a_token_claiming_another_role_than_the_account_has_is_401(client, staff):
    lifted = jwt.encode({"sub": "olga", "role": "admin", "dept": "cityscape", "typ": "staff", "iss": "dueflow",
                         "iat": int(time.time()), "exp": int(time.time()) + 60}, SECRET)
    assert_error(client.get("/api/users", headers={"Authorization": f"Bearer {lifted}"}), 401)


def test_a_disabled_account_can_neither_use_its_token_nor_sign_in(client, login, staff):
    headers = login("lena")
    assert client.get("/api/cases", headers=headers).status_code == 200
    disabled = client.post("/api/users/lena/disable", headers=login("ada"))
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert_error(client.get("/api/cases", headers=headers), 401, "not_authenticated")
    assert_error(sign_in(client, "lena"), 401, "invalid_credentials")


def test_admins_add_users_and_the_system_chain_records_who_added_whom(rt, client, login, staff):
    added = client.post("/api/users", headers=login("ada"), json={
        "username": "nina", "password": "long enough", "role": "officer", "department": "parks"})
    assert added.status_code == 201, added.text
    assert sign_in(client, "nina", "long enough").json()["department"] == "parks"
    assert_error(client.post("/api/users", headers=login("olga"), json={
        "username": "eve", "password": "long enough", "role": "admin"}), 403)
    error = assert_error(client.post("/api/users", headers=login("ada"), json={
        "username": "X Y", "password": "short", "role": "emperor"}), 422, "invalid_form_data")
    assert {d["field"] for d in error["details"]} == {"username", "password", "role"}
    listed = {u["username"]: u for u in client.get("/api/users", headers=login("audrey")).json()}
    assert listed["nina"]["role"] == "officer" and "password_hash" not in listed["nina"]
    events = rt.store.execute_sql("SELECT actor, actor_role, event_type, payload FROM audit_event "
                                  "WHERE case_id = 0 AND event_type = 'user_added' ORDER BY seq")
    assert events[-1][:3] == ("ada", "admin", "user_added") and '"nina"' in events[-1][3]


def test_passwords_are_stored_as_argon2_hashes(rt, staff):
    [(stored,)] = rt.store.execute_sql("SELECT password_hash FROM app_user WHERE username = 'olga'")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.authenticate(rt, username="OLGA ", password=PASSWORD,
                              throttles=users.login_throttles()).username == "olga"
