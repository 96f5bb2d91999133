"""Administration pages under /admin (admins change; supervisors see them read-only).

Each page is a shell: it loads its data from /api/v1 and changes it through the same API, so the
pages, the API and the CLI share one use case per action.
"""
import importlib
import pkgutil

from flask import Blueprint, Flask, render_template, request

bp = Blueprint("admin", __name__, template_folder="templates/admin",
               static_folder="static/admin", static_url_path="/static/admin")

# (path under /admin, i18n key of its title): the navigation every admin page shows.
SECTIONS: list[tuple[str, str]] = []


def _page_lang() -> str:
    return "en" if request.args.get("lang") == "en" else "vi"


def page(name: str, template: str) -> str:
    """Render one admin page with the shared navigation."""
    return render_template(template, lang=_page_lang(), sections=SECTIONS, current=name)


@bp.get("/admin")
def index() -> str:
    """The administration home: one card per section."""
    return page("", "admin/index.html")


def _load_sections() -> None:
    """Import every module of server/web/admin_pages: each adds its routes to `bp` and its
    (ORDER, path, title key) to the navigation."""
    from . import admin_pages
    found = []
    for mod in pkgutil.iter_modules(admin_pages.__path__):
        m = importlib.import_module(f"{admin_pages.__name__}.{mod.name}")
        found += [(getattr(m, "ORDER", 50), i, path, key)
                  for i, (path, key) in enumerate(getattr(m, "SECTIONS", []))]
    SECTIONS[:] = [(path, key) for _, _, path, key in sorted(found)]


def init_app(app: Flask) -> None:
    """Register the administration pages."""
    if not SECTIONS:
        _load_sections()
    app.register_blueprint(bp)
