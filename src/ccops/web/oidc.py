"""OpenID Connect relying party: discovery, the authorization URL and the code exchange.

authlib's requests-based client does the protocol (state, nonce, PKCE S256, the token request
with the client secret); the ID token's signature is checked against the issuer's JWKS and its
issuer, audience, expiry and nonce with authlib's ``CodeIDToken``. Everything here is blocking
I/O, called from plain ``def`` handlers (FastAPI runs them on worker threads).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from ccops.settings import Settings

PENDING_COOKIE = "ccops_oidc"
PENDING_MAX_AGE_S = 600
"""A sign-in at the identity provider must come back within ten minutes."""
METADATA_MAX_AGE_S = 3600.0
HTTP_TIMEOUT_S = 10.0
LEEWAY_S = 60
"""Clock difference allowed between this server and the identity provider."""
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
"""Asymmetric signatures only: an ID token signed with the client secret (HS256) is refused."""


class OidcFailure(Exception):
    """The exchange with the identity provider failed; ``reason`` says how, for the pages."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Pending:
    """What a started sign-in keeps (in a signed cookie) until the provider sends the user back."""

    state: str
    nonce: str
    verifier: str
    next: str


@dataclass(frozen=True)
class Verified:
    """The checked ID token's claims (``sub`` among them)."""

    subject: str
    claims: dict[str, Any]


class Client:
    """The app's relying party for one issuer; discovery and keys are cached for an hour."""

    def __init__(self, settings: Settings) -> None:
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret
        self.scopes = settings.oidc_scopes
        self._pending = URLSafeTimedSerializer(settings.resolved_secret_key(), salt="ccops.oidc")
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._fetched_at = 0.0

    def _session(self, redirect_uri: str | None = None) -> Any:
        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self.client_secret or None,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            with self._session() as http:
                response = http.get(url, timeout=HTTP_TIMEOUT_S, withhold_token=True)
                response.raise_for_status()
                data = response.json()
        except (OSError, ValueError) as exc:
            raise OidcFailure("unreachable", f"{url}: {exc}") from exc
        if not isinstance(data, dict):
            raise OidcFailure("unreachable", f"{url} did not answer a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        """The issuer's discovery document (refused if it names another issuer)."""
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._fetched_at < (
                METADATA_MAX_AGE_S
            ):
                return self._metadata
        found = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        if str(found.get("issuer", "")).rstrip("/") != self.issuer:
            raise OidcFailure(
                "unreachable", f"the discovery document names the issuer {found.get('issuer')!r}"
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(found.get(key), str):
                raise OidcFailure("unreachable", f"the discovery document has no {key}")
        with self._lock:
            self._metadata, self._jwks, self._fetched_at = found, None, time.monotonic()
        return found

    def _keys(self, refresh: bool) -> KeySet:
        with self._lock:
            cached = None if refresh else self._jwks
        if cached is None:
            cached = self._get_json(str(self.metadata()["jwks_uri"]))
            with self._lock:
                self._jwks = cached
        try:
            return KeySet.import_key_set(cached)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise OidcFailure("unreachable", f"the provider's JWKS is unusable: {exc}") from exc

    def begin(self, redirect_uri: str, next_path: str) -> tuple[str, str]:
        """Return the provider's authorization URL and the signed cookie of the pending sign-in."""
        pending = Pending(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
            next=next_path,
        )
        with self._session(redirect_uri) as oauth:
            url, _state = oauth.create_authorization_url(
                self.metadata()["authorization_endpoint"],
                state=pending.state,
                nonce=pending.nonce,
                code_verifier=pending.verifier,
            )
        cookie = self._pending.dumps(
            {"s": pending.state, "n": pending.nonce, "v": pending.verifier, "x": pending.next}
        )
        return str(url), cookie

    def pending(self, cookie: str | None) -> Pending | None:
        """The pending sign-in of a cookie, or None when absent, forged or too old."""
        if not cookie:
            return None
        try:
            raw: Any = self._pending.loads(cookie, max_age=PENDING_MAX_AGE_S)
            return Pending(str(raw["s"]), str(raw["n"]), str(raw["v"]), str(raw["x"]))
        except (BadSignature, KeyError, TypeError):
            return None

    def finish(self, code: str, redirect_uri: str, pending: Pending) -> Verified:
        """Exchange the code (with the PKCE verifier) and return the ID token's checked claims."""
        metadata = self.metadata()
        try:
            with self._session(redirect_uri) as oauth:
                token = oauth.fetch_token(
                    metadata["token_endpoint"],
                    code=code,
                    code_verifier=pending.verifier,
                    timeout=HTTP_TIMEOUT_S,
                )
        except AuthlibBaseError as exc:
            raise OidcFailure("token_refused", str(exc)) from exc
        except (OSError, ValueError) as exc:
            raise OidcFailure("unreachable", f"the token endpoint: {exc}") from exc
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcFailure("id_token_invalid", "the provider sent no ID token")
        return self.verify(id_token, pending.nonce, token.get("access_token"))

    def verify(self, id_token: str, nonce: str, access_token: str | None = None) -> Verified:
        """Check an ID token's signature (JWKS) and its issuer, audience, expiry and nonce."""
        registry = JWSRegistry(algorithms=ALGORITHMS)
        try:
            try:
                decoded = jwt.decode(id_token, self._keys(refresh=False), registry=registry)
            except InvalidKeyIdError:
                decoded = jwt.decode(id_token, self._keys(refresh=True), registry=registry)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": self.issuer},
                    "aud": {"essential": True, "value": self.client_id},
                    "sub": {"essential": True},
                    "nonce": {"essential": True, "value": nonce},
                },
                {"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
            )
            claims.validate(leeway=LEEWAY_S)
        except ExpiredTokenError as exc:
            raise OidcFailure("id_token_expired", "the ID token has expired") from exc
        except ClaimError as exc:
            raise OidcFailure(
                "id_token_claim", f"the ID token's claim {exc.claim!r} is missing or wrong"
            ) from exc
        except (BadSignatureError, InvalidKeyIdError) as exc:
            raise OidcFailure(
                "id_token_signature", "the ID token's signature does not match the provider's keys"
            ) from exc
        except (JoseError, ValueError) as exc:
            raise OidcFailure("id_token_invalid", f"the ID token is malformed: {exc}") from exc
        subject = decoded.claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise OidcFailure("id_token_claim", "the ID token's claim 'sub' is missing or wrong")
        return Verified(subject=subject, claims=dict(decoded.claims))


_clients_lock = threading.Lock()


def client_for(state: Any, settings: Settings) -> Client:
    """The app's relying party (made on first use and kept on ``app.state``)."""
    with _clients_lock:
        found = getattr(state, "oidc_client", None)
        if not isinstance(found, Client):
            found = Client(settings)
            state.oidc_client = found
        return found
