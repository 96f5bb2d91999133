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

    # issue 8: reports (area a-reports) — add below
    "report_bad_date": ("Ngày không hợp lệ (dạng YYYY-MM-DD).", "Invalid date (use YYYY-MM-DD)."),
    "report_bad_range": ("Ngày kết thúc phải từ ngày bắt đầu trở đi.",
                         "The end date must not be before the start date."),
    "report_range_too_long": ("Khoảng thời gian tối đa {days} ngày.",
                              "The period can be at most {days} days."),
    "report_bad_group": ("Cách nhóm không hợp lệ.", "Unknown grouping."),
    "report_bad_format": ("Định dạng không hợp lệ (json, csv, xlsx).",
                          "Unknown format (json, csv, xlsx)."),
    "report_bad_channel": ("Kênh không hợp lệ (kiosk, assisted).",
                           "Unknown channel (kiosk, assisted)."),
    "report_unknown_unit": ("Không có đơn vị này.", "No such unit."),
    "report_title": ("Báo cáo tiếp nhận và phục vụ từ {first} đến {last}",
                     "Service report from {first} to {last}"),
    "report_filters": ("Khu vực: {zone} · Ưu tiên: {priority} · Kênh: {channel} · Đơn vị: {unit}",
                       "Zone: {zone} · Priority: {priority} · Channel: {channel} · Unit: {unit}"),
    "report_total": ("Tổng cộng", "Total"),
    "report_sheet_unit": ("Theo đơn vị", "By unit"),
    "report_sheet_service": ("Theo dịch vụ", "By service"),
    "report_sheet_counter": ("Theo quầy", "By counter"),
    "report_sheet_officer": ("Theo cán bộ", "By officer"),
    "report_sheet_hour": ("Theo giờ", "By hour"),
    "report_sheet_weekday": ("Theo thứ", "By weekday"),
    "report_col_key": ("Mã", "Key"),
    "report_col_group": ("Nhóm", "Group"),
    "report_col_issued": ("Số phiếu cấp", "Issued"),
    "report_col_served": ("Đã phục vụ", "Served"),
    "report_col_no_show": ("Vắng mặt", "No-show"),
    "report_col_transferred": ("Chuyển tiếp", "Transferred"),
    "report_col_cancelled": ("Đã hủy", "Cancelled"),
    "report_col_not_served": ("Chưa phục vụ", "Not served"),
    "report_col_priority_share": ("Tỷ lệ ưu tiên", "Priority share"),
    "report_col_wait_p50": ("Chờ – trung vị (phút)", "Wait p50 (min)"),
    "report_col_wait_p90": ("Chờ – p90 (phút)", "Wait p90 (min)"),
    "report_col_wait_max": ("Chờ lâu nhất (phút)", "Longest wait (min)"),
    "report_col_service_p50": ("Phục vụ – trung vị (phút)", "Service p50 (min)"),
    "report_col_service_p90": ("Phục vụ – p90 (phút)", "Service p90 (min)"),
    "report_col_within_target": ("Đạt thời gian chờ mục tiêu", "Within wait target"),
    "report_col_r4": ("Rất hài lòng", "Very satisfied"),
    "report_col_r3": ("Hài lòng", "Satisfied"),
    "report_col_r2": ("Bình thường", "Neutral"),
    "report_col_r1": ("Không hài lòng", "Dissatisfied"),
    "report_col_ratings_n": ("Số đánh giá", "Ratings"),
    "report_col_satisfaction": ("Tỷ lệ hài lòng", "Satisfaction"),
    "report_col_reasons": ("Lý do chưa hài lòng", "Reasons"),

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
