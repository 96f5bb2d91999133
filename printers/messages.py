"""Translation table for every citizen- or staff-facing string the printers package produces."""

from __future__ import annotations

DEFAULT_LANG = "vi"

MESSAGES: dict[str, dict[str, str]] = {
    "vi": {
        # Ticket labels.
        "ticket.number": "Số thứ tự",
        "ticket.counters": "Quầy {counters}",
        "ticket.zone_floor": "{zone} – Tầng {floor}",
        "ticket.priority": "Ưu tiên: {name}",
        "ticket.ahead": "Trước bạn: {ahead} người",
        "ticket.ahead_none": "Bạn là người tiếp theo",
        "ticket.wait_range": "chờ khoảng {low}–{high} phút",
        "ticket.wait_one": "chờ khoảng {low} phút",
        "ticket.wait_soon": "sắp đến lượt",
        "ticket.wait": "dự kiến chờ {wait}",
        "ticket.instruction": "Vui lòng chờ gọi số trên màn hình",
        # Printer states and failures (shown to staff on the printers page).
        "status.ok": "Máy in sẵn sàng",
        "status.near_end": "Máy in sắp hết giấy",
        "status.out": "Máy in hết giấy",
        "status.offline": "Máy in không sẵn sàng (mở nắp hoặc lỗi)",
        "status.unknown": "Không đọc được trạng thái máy in",
        "error.unreachable": "Không kết nối được máy in {target}: {reason}",
        "error.send": "Gửi dữ liệu tới máy in {target} thất bại: {reason}",
        "error.url": "Địa chỉ máy in không hợp lệ: {url}",
        "error.usb_missing": "Không tìm thấy máy in USB {target}",
        "error.stopped": "Dịch vụ in đã dừng trước khi in",
        "error.interrupted": "Việc in bị gián đoạn: vé có thể chưa được in",
        "error.internal": "Lỗi khi in: {reason}",
        "outcome.printed": "Đã in",
    },
    "en": {
        "ticket.number": "Ticket number",
        "ticket.counters": "Counter {counters}",
        "ticket.zone_floor": "{zone} – Floor {floor}",
        "ticket.priority": "Priority: {name}",
        "ticket.ahead": "Ahead of you: {ahead}",
        "ticket.ahead_none": "You are next",
        "ticket.wait_range": "wait about {low}–{high} min",
        "ticket.wait_one": "wait about {low} min",
        "ticket.wait_soon": "almost your turn",
        "ticket.wait": "est. wait {wait}",
        "ticket.instruction": "Please wait for your number on the screen",
        "status.ok": "Printer ready",
        "status.near_end": "Printer paper running low",
        "status.out": "Printer out of paper",
        "status.offline": "Printer not ready (cover open or error)",
        "status.unknown": "Printer status cannot be read",
        "error.unreachable": "Cannot reach printer {target}: {reason}",
        "error.send": "Sending to printer {target} failed: {reason}",
        "error.url": "Invalid printer address: {url}",
        "error.usb_missing": "USB printer {target} not found",
        "error.stopped": "Print service stopped before printing",
        "error.interrupted": "Printing was interrupted: the ticket may not have printed",
        "error.internal": "Printing error: {reason}",
        "outcome.printed": "Printed",
    },
}


def text(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """Return the message `key` in `lang` (falling back to Vietnamese) with params filled in."""
    table = MESSAGES.get(lang, MESSAGES[DEFAULT_LANG])
    template = table.get(key, MESSAGES[DEFAULT_LANG][key])
    return template.format(**params)
