"""The FastAPI application: JSON API under /api/v1, health check, error mapping."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ccops import __version__
from ccops.contacts import routes as contacts_routes
from ccops.errors import CcopsError
from ccops.metrics import routes as metrics_routes
from ccops.org import routes as org_routes
from ccops.runtime import engine_for
from ccops.settings import Settings, get_settings
from ccops.wfm import routes as wfm_routes


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for ``settings`` (tests pass their own)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="ccops",
        version=__version__,
        description="Contact-centre operations: contact data, KPIs, workforce management.",
    )
    app.state.settings = settings

    @app.exception_handler(CcopsError)
    async def _domain_error(_request: Request, exc: CcopsError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content=exc.as_dict())

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "message": e["msg"],
                "field": ".".join(str(p) for p in e["loc"][1:]) or None,
                "row": None,
                "file": None,
            }
            for e in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content={"error": "Invalid", "message": "the request is invalid", "problems": problems},
        )

    @app.get("/health", tags=["service"])
    def health() -> dict[str, str]:
        """Report whether the app and its database answer."""
        with engine_for(settings.resolved_database_url()).connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    app.include_router(org_routes.router)
    app.include_router(contacts_routes.router)
    app.include_router(metrics_routes.router)
    app.include_router(wfm_routes.router)
    return app
