"""Server-side messages in Vietnamese (default) and English, chosen by Accept-Language."""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (Vietnamese, English)
    "bad_request": ("Yêu cầu không hợp lệ.", "The request is not valid."),
    "bad_json": ("Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not valid JSON."),
    "bad_request_id": ("Mã yêu cầu (request_id) không hợp lệ (tối đa {max} ký tự).",
                       "request_id is not valid (at most {max} characters)."),
    "request_id_reused": ("Mã yêu cầu này đã được dùng cho một thao tác khác.",
                          "This request_id was already used for another action."),
    "unauthorized": ("Vui lòng đăng nhập hoặc dùng mã thiết bị hợp lệ.",
                     "Please log in or use a valid device token."),
    "bad_credentials": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
    "too_many_attempts": ("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                          "Too many failed logins. Please try again in {minutes} minutes."),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."),
    "csrf_failed": ("Phiên làm việc đã hết hạn, vui lòng tải lại trang.",
                    "Your session has expired; please reload the page."),
    "not_your_counter": ("Bạn không được phân công tại quầy {counter}.",
                         "You are not assigned to counter {counter}."),
    "service_not_in_zone": ("Máy lấy số khu {zone} không cấp số cho dịch vụ này.",
                            "This kiosk (zone {zone}) does not issue tickets for that service."),
    "unknown_service": ("Không có dịch vụ {service}.", "There is no service {service}."),
    "unknown_priority": ("Không có diện ưu tiên {priority}.", "There is no priority category {priority}."),
    "unknown_zone": ("Không có khu {zone}.", "There is no zone {zone}."),
    "unknown_counter": ("Không có quầy {counter}.", "There is no counter {counter}."),
    "unknown_action": ("Thao tác không tồn tại.", "Unknown action."),
    "service_closed": ("Dịch vụ này hiện ngoài giờ tiếp nhận.",
                       "This service is not taking tickets at this time."),
    "service_closed_until": ("Dịch vụ này đang ngoài giờ tiếp nhận. Mời quay lại lúc {time}.",
                             "This service is not taking tickets now. Please come back at {time}."),
    "service_closed_until_day": ("Dịch vụ này đã hết giờ tiếp nhận. Mời quay lại lúc {time} ngày {date}.",
                                 "This service is closed now. Please come back at {time} on {date}."),
    "daily_cap_reached": ("Dịch vụ này đã hết số trong ngày hôm nay ({cap} số).",
                          "This service has issued all of today's tickets ({cap})."),
    "ticket_not_found": ("Không tìm thấy số thứ tự này.", "This ticket was not found."),
    "no_current_ticket": ("Quầy {counter} không có số nào đang gọi hoặc đang phục vụ.",
                          "Counter {counter} has no ticket being called or served."),
    "invalid_transition": ("Số {number} đang ở trạng thái không cho phép thao tác này.",
                           "Ticket {number} is in a state that does not allow this."),
    "not_at_this_counter": ("Số {number} không ở quầy {counter}.",
                            "Ticket {number} is not at counter {counter}."),
    "transfer_same_service": ("Số này đã ở dịch vụ đó.", "The ticket is already in that service."),
    "counter_paused": ("Quầy {counter} đang tạm nghỉ. Hãy tiếp tục trước khi gọi số.",
                       "Counter {counter} is on a break. Resume before calling."),
    "counter_not_open": ("Quầy {counter} chưa mở.", "Counter {counter} is not open."),
    "counter_not_paused": ("Quầy {counter} không tạm nghỉ.", "Counter {counter} is not on a break."),
    "counter_busy": ("Quầy {counter} còn số đang phục vụ. Hãy hoàn thành trước.",
                     "Counter {counter} still has a ticket. Finish it first."),
    "number_required": ("Vui lòng nhập số thứ tự.", "Please enter a ticket number."),
    "ticket_not_waiting": ("Số {number} không có trong hàng chờ của quầy này.",
                           "Ticket {number} is not waiting for this counter."),
    "ambiguous_number": ("Có nhiều số {number}; hãy chọn dịch vụ.",
                         "Several tickets have number {number}; choose the service."),
    "service_not_at_counter": ("Quầy {counter} không phục vụ dịch vụ {service}.",
                               "Counter {counter} does not serve {service}."),
    "ticket_not_parked": ("Số {number} không được tạm giữ tại quầy này.",
                          "Ticket {number} is not parked at this counter."),
    "bad_note": ("Ghi chú quá dài (tối đa 500 ký tự).", "The note is too long (500 characters at most)."),
    "bad_score": ("Mức đánh giá phải từ 1 đến 4.", "The score must be 1 to 4."),
    "bad_reasons": ("Lý do đánh giá không hợp lệ.", "Unknown rating reason."),
    "nothing_to_rate": ("Không có lượt phục vụ nào để đánh giá.", "There is no finished service to rate."),
    "already_rated": ("Lượt phục vụ này đã được đánh giá. Cảm ơn bạn!",
                      "This service was already rated. Thank you!"),
    "no_preview": ("Chưa có bản xem trước của phiếu này (chỉ máy in ảo lưu bản xem trước).",
                   "No preview of this ticket yet (only the virtual printer keeps previews)."),
    "no_printer": ("Không có máy in cho thiết bị này.", "No printer is set up for this device."),
    "not_found": ("Không tìm thấy trang hoặc tài nguyên.", "Not found."),
    "method_not_allowed": ("Phương thức không được hỗ trợ.", "Method not allowed."),
    "conflict": ("Dữ liệu vừa thay đổi, vui lòng thử lại.", "The data just changed; please try again."),
    "internal_error": ("Đã có lỗi hệ thống. Vui lòng thử lại.", "Something went wrong. Please try again."),
    # event loop, storage failures, limits (issue 11: h1-loop)
    "busy": ("Hệ thống đang bận, chưa có thay đổi nào. Vui lòng thử lại sau giây lát.",
             "The system is busy; nothing was changed. Please try again in a moment."),
    "storage_full": ("Ổ đĩa của máy chủ đã đầy, chưa lưu được. Vui lòng báo bộ phận kỹ thuật.",
                     "The server's disk is full; nothing was saved. Please tell the IT staff."),
    "storage_readonly": ("Máy chủ không ghi được dữ liệu (chỉ đọc), chưa lưu được. Vui lòng báo bộ phận kỹ thuật.",
                         "The server cannot write its data (read-only); nothing was saved. Please tell the IT staff."),
    "storage_error": ("Máy chủ gặp lỗi lưu trữ, chưa lưu được. Vui lòng báo bộ phận kỹ thuật.",
                      "The server had a storage error; nothing was saved. Please tell the IT staff."),
    "login_busy": ("Đang có nhiều người đăng nhập cùng lúc. Vui lòng thử lại sau vài giây.",
                   "Many logins are in progress. Please try again in a few seconds."),
    "body_too_large": ("Nội dung gửi lên quá lớn (tối đa {kb} KB).",
                       "The request body is too large ({kb} KB at most)."),
    # Citizens (issue 7): full services, wait ranges, putting a missed ticket back in line.
    "wait.none": ("không phải chờ", "no wait"),
    "wait.under": ("dưới {high} phút", "under {high} min"),
    "wait.about": ("khoảng {high} phút", "about {high} min"),
    "wait.range": ("{low}–{high} phút", "{low}–{high} min"),
    "ticket_not_missed": ("Số {number} không ở trạng thái vắng mặt nên không thể xếp lại vào hàng.",
                          "Number {number} was not missed, so it cannot be put back in line."),
    "already_requeued": ("Số {number} đã được xếp lại vào hàng một lần. Mỗi số chỉ được xếp lại một lần; "
                         "vui lòng lấy số mới hoặc hỏi cán bộ hướng dẫn.",
                         "Number {number} was already put back in line once. A number can be put back "
                         "only once; please take a new number or ask a staff member."),
    "requeue_too_late": ("Đã quá {minutes} phút kể từ khi số {number} được gọi. Vui lòng lấy số mới "
                         "hoặc hỏi cán bộ hướng dẫn.",
                         "More than {minutes} minutes have passed since number {number} was called. "
                         "Please take a new number or ask a staff member."),
    # the xephang command: a busy port, where the demo password is (issue 7, supervisors and screens)
    "port_busy": ("xephang: cổng {port} đang được chương trình khác dùng (xephang đã chạy rồi?) — "
                  "hãy dừng chương trình đó hoặc chọn cổng khác: xephang run --port {other}",
                  "xephang: port {port} is already in use (is xephang already running?) — "
                  "stop that program or choose another port: xephang run --port {other}"),
    "demo_password_where": ("Tài khoản demo (quantri, giamsat, canbo1…): mật khẩu ở dòng đầu của {path}",
                            "Demo accounts (quantri, giamsat, canbo1…): the password is on the first "
                            "line of {path}"),
    # issue 8: administration (shared)
    "admin_only": ("Chỉ quản trị viên được thay đổi cấu hình.", "Only an administrator can change this."),
    "out_of_scope": ("Bạn chỉ xem được các đơn vị được phân công.",
                     "You can only see the units assigned to you."),

    # issue 8: services, counters, zones, hours (area a-config) — add below

    # issue 8: closures and calendar (area a-calendar) — add below

    # issue 8: users, devices, device health (area a-people) — add below

    # issue 8: audit (area a-audit) — add below
    "audit_bad_date": ("Ngày không hợp lệ: {value}. Hãy nhập theo dạng năm-tháng-ngày, ví dụ 2026-12-01.",
                       "Not a valid date: {value}. Use year-month-day, e.g. 2026-12-01."),
    "audit_bad_range": ("Ngày bắt đầu phải trước hoặc trùng ngày kết thúc.",
                        "The start date must be on or before the end date."),
    "audit_bad_filter": ("Bộ lọc nhật ký không hợp lệ ({name}).", "Not a valid audit filter ({name})."),
    # names in the audit trail: groups (the thing changed), verbs, kinds, fields and values
    "audit.thing.counter": ("Quầy", "Counter"),
    "audit.thing.ticket": ("Vé", "Ticket"),
    "audit.thing.auth": ("Đăng nhập", "Sign-in"),
    "audit.thing.day": ("Ngày làm việc", "Service day"),
    "audit.thing.database": ("Cơ sở dữ liệu", "Database"),
    "audit.thing.service": ("Dịch vụ", "Service"),
    "audit.thing.unit": ("Đơn vị", "Unit"),
    "audit.thing.zone": ("Khu vực", "Zone"),
    "audit.thing.user": ("Người dùng", "User"),
    "audit.thing.device": ("Thiết bị", "Device"),
    "audit.thing.hours": ("Giờ làm việc", "Opening hours"),
    "audit.thing.calendar": ("Lịch làm việc", "Calendar"),
    "audit.thing.holiday": ("Ngày nghỉ lễ", "Holiday"),
    "audit.thing.closure": ("Tạm ngưng tiếp nhận", "Closure"),
    "audit.thing.priority": ("Diện ưu tiên", "Priority category"),
    "audit.thing.rating": ("Lý do đánh giá", "Rating reason"),
    "audit.thing.site": ("Cấu hình trung tâm", "Site settings"),
    "audit.thing.settings": ("Cài đặt", "Settings"),
    "audit.verb.create": ("tạo mới", "created"),
    "audit.verb.add": ("thêm", "added"),
    "audit.verb.update": ("sửa", "edited"),
    "audit.verb.retire": ("ngừng sử dụng", "retired"),
    "audit.verb.restore": ("khôi phục", "restored"),
    "audit.verb.delete": ("xóa", "deleted"),
    "audit.verb.remove": ("gỡ bỏ", "removed"),
    "audit.verb.enable": ("bật lại", "enabled"),
    "audit.verb.disable": ("vô hiệu hóa", "disabled"),
    "audit.verb.open": ("mở", "opened"),
    "audit.verb.close": ("đóng", "closed"),
    "audit.verb.reset_password": ("đặt lại mật khẩu", "password reset"),
    "audit.verb.revoke": ("thu hồi", "revoked"),
    "audit.verb.pair": ("ghép nối", "paired"),
    "audit.verb.import": ("nhập cấu hình", "imported"),
    "audit.kind.counter.open": ("Mở quầy", "Open counter"),
    "audit.kind.counter.close": ("Đóng quầy", "Close counter"),
    "audit.kind.counter.pause": ("Tạm nghỉ", "Pause"),
    "audit.kind.counter.resume": ("Làm việc lại", "Resume"),
    "audit.kind.counter.call_next": ("Gọi số tiếp theo", "Call next"),
    "audit.kind.counter.call": ("Gọi một số cụ thể", "Call a number"),
    "audit.kind.counter.recall": ("Gọi lại", "Recall"),
    "audit.kind.counter.start": ("Bắt đầu phục vụ", "Start serving"),
    "audit.kind.counter.complete": ("Hoàn tất", "Complete"),
    "audit.kind.counter.no_show": ("Vắng mặt", "No-show"),
    "audit.kind.counter.park": ("Tạm giữ vé", "Park a ticket"),
    "audit.kind.counter.unpark": ("Gọi vé đang tạm giữ", "Unpark a ticket"),
    "audit.kind.counter.transfer": ("Chuyển sang dịch vụ khác", "Transfer"),
    "audit.kind.ticket.issue": ("Cấp số tại quầy hỗ trợ", "Ticket issued by staff"),
    "audit.kind.ticket.reprint": ("In lại vé", "Ticket reprinted"),
    "audit.kind.ticket.requeue": ("Xếp lại vào hàng chờ", "Put back in line"),
    "audit.kind.auth.login": ("Đăng nhập thành công", "Signed in"),
    "audit.kind.auth.failed": ("Đăng nhập sai", "Failed sign-in"),
    "audit.kind.auth.logout": ("Đăng xuất", "Signed out"),
    "audit.kind.day.close": ("Đóng ngày làm việc cũ", "Earlier days closed"),
    "audit.kind.database.backup": ("Sao lưu dữ liệu", "Database backup"),
    "audit.kind.database.restore": ("Khôi phục dữ liệu từ bản sao lưu", "Database restored from a backup"),
    "audit.field.ticket_n": ("Vé {number}", "Ticket {number}"),
    "audit.field.status": ("Trạng thái", "Status"),
    "audit.field.state": ("Trạng thái quầy", "Counter state"),
    "audit.field.service": ("Dịch vụ", "Service"),
    "audit.field.counter": ("Quầy", "Counter"),
    "audit.field.recalls": ("Số lần gọi lại", "Recalls"),
    "audit.field.note": ("Ghi chú", "Note"),
    "audit.field.ticket": ("Số vé", "Ticket number"),
    "audit.field.priority": ("Diện ưu tiên", "Priority category"),
    "audit.field.printer": ("In tại máy", "Printed at"),
    "audit.field.username": ("Tên đăng nhập", "Username"),
    "audit.field.closed_tickets": ("Số vé đã đóng", "Tickets closed"),
    "audit.field.closed_counters": ("Quầy đã đóng", "Counters closed"),
    "audit.field.name": ("Tên", "Name"),
    "audit.field.name_en": ("Tên tiếng Anh", "English name"),
    "audit.field.unit": ("Đơn vị", "Unit"),
    "audit.field.zone": ("Khu vực", "Zone"),
    "audit.field.kind": ("Loại", "Kind"),
    "audit.field.prefix": ("Tiền tố số", "Number prefix"),
    "audit.field.first_number": ("Số đầu", "First number"),
    "audit.field.last_number": ("Số cuối", "Last number"),
    "audit.field.width": ("Số chữ số", "Digits"),
    "audit.field.hours": ("Giờ làm việc", "Opening hours"),
    "audit.field.daily_cap": ("Giới hạn số mỗi ngày", "Daily cap"),
    "audit.field.wait_target_min": ("Thời gian chờ mục tiêu (phút)", "Wait target (min)"),
    "audit.field.service_minutes": ("Thời gian phục vụ (phút)", "Service time (min)"),
    "audit.field.counters": ("Các quầy", "Counters"),
    "audit.field.services": ("Các dịch vụ", "Services"),
    "audit.field.role": ("Vai trò", "Role"),
    "audit.field.display_name": ("Họ tên", "Full name"),
    "audit.field.active": ("Đang sử dụng", "Active"),
    "audit.field.units": ("Đơn vị phụ trách", "Units in charge"),
    "audit.field.reason": ("Lý do", "Reason"),
    "audit.field.until": ("Mở lại lúc", "Reopens at"),
    "audit.field.from": ("Từ tệp", "From file"),
    "audit.field.to": ("Vào tệp", "To file"),
    "audit.field.kept": ("Bản cũ giữ tại", "Old copy kept at"),
    "audit.field.size_mb": ("Dung lượng (MB)", "Size (MB)"),
    "audit.field.position": ("Thứ tự", "Order"),
    "audit.value.waiting": ("Đang chờ", "Waiting"),
    "audit.value.called": ("Đã gọi", "Called"),
    "audit.value.serving": ("Đang phục vụ", "Serving"),
    "audit.value.parked": ("Tạm giữ", "Parked"),
    "audit.value.done": ("Đã xong", "Done"),
    "audit.value.no_show": ("Vắng mặt", "No-show"),
    "audit.value.cancelled": ("Đã hủy", "Cancelled"),
    "audit.value.not_served": ("Không được phục vụ", "Not served"),
    "audit.value.open": ("Đang mở", "Open"),
    "audit.value.closed": ("Đã đóng", "Closed"),
    "audit.value.paused": ("Tạm nghỉ", "Paused"),
    "audit.value.true": ("Có", "Yes"),
    "audit.value.false": ("Không", "No"),
    "audit.target.counter": ("Quầy {id}", "Counter {id}"),
    "audit.target.day": ("Ngày {id}", "Day {id}"),
    "audit.target.username": ("Tên đăng nhập “{id}”", "Username “{id}”"),
    "audit.target.database": ("Cơ sở dữ liệu", "The database"),
    "audit.actor.cli": ("Lệnh xephang trên máy chủ", "The xephang command on the server"),
    "audit.actor.system": ("Hệ thống (tự động)", "The system (automatic)"),
    "audit.actor.anonymous": ("Người chưa đăng nhập", "Someone not signed in"),
    "audit.csv.id": ("Mã mục", "Entry id"),
    "audit.csv.at": ("Thời điểm", "Time"),
    "audit.csv.actor_name": ("Người thực hiện", "Who"),
    "audit.csv.actor": ("Mã người thực hiện", "Who (key)"),
    "audit.csv.address": ("Từ địa chỉ", "From address"),
    "audit.csv.kind_name": ("Thao tác", "Action"),
    "audit.csv.kind": ("Mã thao tác", "Action code"),
    "audit.csv.target": ("Đối tượng", "Target"),
    "audit.csv.changes": ("Thay đổi (trước → sau)", "Changes (before → after)"),
    "audit.csv.before": ("Trước thay đổi (JSON)", "Before (JSON)"),
    "audit.csv.after": ("Sau thay đổi (JSON)", "After (JSON)"),

    # issue 8: reports (area a-reports) — add below

}
LANGS = ("vi", "en")


def pick_lang(accept_language: str | None) -> str:
    """The first of vi/en the caller accepts (vi by default)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return "vi"


def _variant(code: str, params: dict[str, object]) -> str:
    """A more precise message for the same error code when its parameters allow one."""
    if code == "service_closed" and "time" in params:
        return "service_closed_until" if params.get("today") else "service_closed_until_day"
    return code


def message(code: str, lang: str, **params: object) -> str:
    """The message for an error code, in vi or en, with its parameters filled in."""
    vi, en = MESSAGES.get(_variant(code, params), MESSAGES["bad_request"])
    text = en if lang == "en" else vi
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
