"""The interactive docs page, served with its scripts and styles by krx (no CDN, works offline).

FastAPI's default page loads Swagger UI from a CDN and shows a blank page offline; the
``swagger-ui-bundle`` package ships the same files, which krx serves under ``/docs/static``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/docs/static"


def mount(app: FastAPI) -> None:
    """Add ``/docs`` and its static files to ``app``."""
    import swagger_ui_bundle

    app.mount(STATIC, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs")

    @app.get("/docs", include_in_schema=False)
    def docs_page() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="krx Provider API",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )
