"""flask-jwt-extended's JWTManager, verifying each distinct token once per process instead of on every
request.

The pinned flask-jwt-extended 4.7 parses a token four times per request: its claims and its header
unverified (to hand them to a decode-key callback), the verified decode, then the header again; and PyJWT
2.15 checks every segment's base64 alphabet one character at a time. In a cached standings read that was
about a fifth of the request's CPU (bench/README.md §3). Here:

* the verified decode is the library's own (`_decode_jwt`, same options, same errors), made once per
  distinct token string, key and options, and remembered (VERIFIED_TOKENS per process, least recently used
  first out). A remembered token is the very string whose signature was checked under the same key, so
  only time can change its answer: its expiry is checked again on every use, and an expired token goes
  through the full decode, which raises as before (with its header and claims for the expired-token
  callback). `nbf` and `iat` were in the past at the first check and stay there. Tokens that fail are not
  remembered; each use gets its own copy of the claims. Revocation is not part of this: it is checked on
  every request (auth/tokens.py). Tokens bound to a CSRF value, and settings with several audiences or
  issuers, take the library's path on every use;
* no unverified decode happens before it: this app signs with one key and registers no decode-key loader
  (registering one raises here rather than being ignored).

* the library's header read after the decode (its view decorator calls `get_unverified_jwt_headers` on the
  token it has just verified) is remembered the same way, per token string, each use getting its own copy.

This overrides a private method and a module-level name of the pinned version: tests/test_auth.py counts the
parses and covers expired (also after being remembered), tampered, wrong-key, unsigned and wrong-type tokens,
so an upgrade that changes either fails there.
"""
import json
import time
from functools import lru_cache

import flask_jwt_extended
import jwt
from flask_jwt_extended import view_decorators
from flask_jwt_extended.config import config
from flask_jwt_extended.tokens import _decode_jwt
from flask_jwt_extended.utils import get_unverified_jwt_headers

VERIFIED_TOKENS = 4096


@lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(encoded_token: str, secret: str, algorithms: tuple, audience: str | None, issuer, leeway,
              verify_sub: bool, identity_claim_key: str) -> tuple[str, float | None]:
    """(the claims as JSON text, their expiry) of a token whose signature and claims, all but the expiry,
    check out; raises otherwise. Text, so no request can change what the next one reads."""
    claims = _decode_jwt(encoded_token=encoded_token, secret=secret, algorithms=list(algorithms), audience=audience,
                         issuer=issuer, leeway=leeway, verify_aud=audience is not None, verify_sub=verify_sub,
                         identity_claim_key=identity_claim_key, csrf_value=None, allow_expired=True)
    return json.dumps(claims), claims.get("exp")


_header = lru_cache(maxsize=VERIFIED_TOKENS)(get_unverified_jwt_headers)


def _remembered_header(encoded_token: str) -> dict:
    """The header of a token the library has just verified, parsed once per token string (a copy per use)."""
    return dict(_header(encoded_token))


class JWTManager(flask_jwt_extended.JWTManager):
    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)
        view_decorators.get_unverified_jwt_headers = _remembered_header

    def decode_key_loader(self, callback):
        raise TypeError("this JWTManager verifies with JWT_SECRET_KEY only: a decode-key loader would be ignored")

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        audience = config.decode_audience
        options = {"secret": config.decode_key, "algorithms": config.decode_algorithms, "audience": audience,
                   "issuer": config.decode_issuer, "leeway": config.leeway, "verify_sub": config.verify_sub,
                   "identity_claim_key": config.identity_claim_key}
        if csrf_value is None and all(isinstance(value, (str, type(None)))
                                      for value in (audience, config.decode_issuer)):
            claims, expiry = _verified(encoded_token, **{**options, "algorithms": tuple(options["algorithms"])})
            if allow_expired or expiry is None or (isinstance(expiry, (int, float))  # else the decode below refuses it
                                                   and expiry > time.time() - _seconds(options["leeway"])):
                return json.loads(claims)
        options |= {"encoded_token": encoded_token, "csrf_value": csrf_value, "verify_aud": audience is not None}
        try:
            return _decode_jwt(**options, allow_expired=allow_expired)
        except jwt.ExpiredSignatureError as error:
            error.jwt_header = jwt.get_unverified_header(encoded_token)
            error.jwt_data = _decode_jwt(**options, allow_expired=True)
            raise


def _seconds(leeway) -> float:
    """JWT_DECODE_LEEWAY as seconds (an int or a timedelta, as PyJWT accepts)."""
    return leeway.total_seconds() if hasattr(leeway, "total_seconds") else leeway
