"""Shared by the auth tests: the two token calls, the 401 every misuse answers, a forged token, HTTP Basic."""
import base64

import jwt as pyjwt

from conftest import PASSWORD, bearer


def me(client, token):
    return client.get("/api/v1/users/me", headers=bearer(token))


def refresh(client, token):
    return client.post("/api/v1/auth/refresh", headers=bearer(token))


def assert_401(response):
    body = response.get_json()
    assert response.status_code == 401, body
    assert body["code"] == 401 and body["request_id"]
    return body


def forge(app, claims: dict, key=None, algorithm="HS256", headers=None) -> str:
    return pyjwt.encode(claims, key or app.config["JWT_SECRET_KEY"], algorithm=algorithm, headers=headers)


def basic(login: str, password: str = PASSWORD) -> dict:
    """HTTP Basic credentials, as the rq-dashboard sign-in takes them."""
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
