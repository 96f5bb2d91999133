"""Administration pages for users and devices (issue 8, area a-people): shells over the API."""
from server.web.admin import bp, page

ORDER = 60
SECTIONS = [("users", "admin.users"), ("devices", "admin.devices")]


@bp.get("/admin/users")
def admin_users() -> str:
    """Users: create, edit, disable/enable, reset a password (shown once)."""
    return page("users", "admin/people_users.html")


@bp.get("/admin/devices")
def admin_devices() -> str:
    """Devices: add, pair (QR code, shown once), revoke; online / offline / last seen."""
    return page("devices", "admin/people_devices.html")
