"""The FastAPI application: pages, JSON API under /api/v1, static assets, health, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from ccops import __version__
from ccops.enums import TokenScope
from ccops.errors import CcopsError, NotAuthenticated
from ccops.jobs import service as jobs_service
from ccops.org import service as org_service
from ccops.runtime import engine_for, session_factory
from ccops.settings import Settings, get_settings
from ccops.web import domains, limits, pages, security, server_errors
from ccops.web.auth import AccessDenied, Principal
from ccops.web.freshness import PageFreshnessMiddleware
from ccops.web.render import STATIC_DIR, Renderer, gettext_for, render
from ccops.web.timing import ServerTimingMiddleware

API_PREFIXES = ("/api/", "/health", "/openapi.json", "/docs", "/redoc")


def _token_ok(settings: Settings, token: str) -> limits.TokenVerdict:
    """Check an API token for the request limits (blocking, run in a worker)."""
    with session_factory(settings)() as session:
        found = org_service.check_token(session=session, token=token)
    return limits.TokenVerdict(
        found.refusal,
        read_only=found.scope == TokenScope.read,
        read_only_message=org_service.TOKEN_READ_ONLY,
    )


def wants_json(request: Request) -> bool:
    """Whether the request is an API call (JSON errors) rather than a page (HTML errors)."""
    return request.url.path.startswith(API_PREFIXES)


def _error_page(
    request: Request, status_code: int, detail: str | None, principal: Principal | None = None
) -> Response:
    _ = gettext_for(request, principal)
    titles = {
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Not allowed"),
        409: _("Conflict"),
        422: _("Invalid input"),
    }
    return render(
        request,
        "web/error.html",
        {
            "status": status_code,
            "title": titles.get(status_code, _("Something went wrong")),
            "detail": detail,
        },
        principal=principal,
        status_code=status_code,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (tests pass their own)."""
    settings = settings or get_settings()
    run_settings = settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if run_settings.jobs_in_app == "thread":
            runner = jobs_service.Runner(
                lambda: session_factory(run_settings),
                poll_s=run_settings.jobs_poll_s,
                stale_after_s=run_settings.jobs_stale_after_s,
                sweep_every_s=run_settings.jobs_sweep_s,
                heartbeat_s=run_settings.jobs_heartbeat_s,
                max_attempts=run_settings.jobs_max_attempts,
            )
            runner.start()
            app.state.job_runner = runner
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="ccops",
        version=__version__,
        description="Contact-centre operations: contact data, KPIs, workforce management. "
        "Every route but /health needs a sign-in: a session cookie from /login, or an API token "
        "sent as `Authorization: Bearer TOKEN` (`ccops users token create LOGIN --name N`).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.signer = security.CookieSigner(
        settings.resolved_secret_key(), settings.session_max_age_s
    )
    app.state.renderer = Renderer()
    app.add_middleware(security.RejectNulMiddleware)
    app.add_middleware(
        limits.RequestLimitsMiddleware,
        limits=limits.BodyLimits(
            default=settings.max_body_bytes,
            upload=settings.max_upload_bytes,
            events=settings.max_events_body_bytes,
        ),
        signer=lambda: app.state.signer,
        token_ok=lambda token: _token_ok(run_settings, token),
    )
    app.add_middleware(security.SecurityHeadersMiddleware)
    app.add_middleware(PageFreshnessMiddleware, max_stale_s=settings.page_max_stale_s)
    app.add_middleware(ServerTimingMiddleware)  # times the other middleware too
    # outermost: a failure anywhere inside gets a whole 500 and the connection stays open
    app.add_middleware(server_errors.ServerErrorMiddleware)

    @app.exception_handler(CcopsError)
    async def _domain_error(request: Request, exc: CcopsError) -> Response:
        if isinstance(exc, NotAuthenticated):
            if wants_json(request):
                return JSONResponse(
                    status_code=401,
                    content=exc.as_dict(),
                    headers={"WWW-Authenticate": "Bearer"},
                )
            target = pages.login_redirect_target(request)
            if request.headers.get("hx-request"):
                return Response(status_code=401, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        if wants_json(request):
            return JSONResponse(status_code=exc.status_code, content=exc.as_dict())
        if isinstance(exc, AccessDenied):
            _ = gettext_for(request, exc.principal)
            detail = (
                _("The form's security token is missing or out of date: reload the page.")
                if exc.csrf
                else _("Your role does not give access to this page.")
            )
            return _error_page(request, exc.status_code, detail, exc.principal)
        return _error_page(request, exc.status_code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request) or request.url.path.startswith("/static/"):
            return JSONResponse(
                status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
            )
        return _error_page(request, exc.status_code, None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {
                "message": e["msg"],
                "field": ".".join(str(p) for p in e["loc"][1:]) or None,
                "row": None,
                "file": None,
            }
            for e in exc.errors()
        ]
        if not wants_json(request):
            return _error_page(request, 422, "; ".join(str(p["message"]) for p in problems))
        return JSONResponse(
            status_code=422,
            content={"error": "Invalid", "message": "the request is invalid", "problems": problems},
        )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Show the interactive API documentation (Swagger UI served by the app, no CDN)."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="ccops API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            oauth2_redirect_url=None,
        )

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Report whether the app and its database answer."""
        engine = engine_for(settings.resolved_database_url(), purpose="health")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    for router in domains.routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    return app
