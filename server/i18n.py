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
    "field_required": ("Mục này không được để trống.", "This field is required."),
    "field_too_long": ("Tối đa {limit} ký tự.", "At most {limit} characters."),
    "not_whole_number": ("Nhập một số nguyên từ {low} đến {high}.",
                         "Enter a whole number from {low} to {high}."),
    "not_a_number": ("Nhập một số phút lớn hơn 0.", "Enter a number of minutes above 0."),
    "bad_value": ("Giá trị không hợp lệ.", "This value is not valid."),
    "bad_code": ("Mã gồm chữ không dấu, số, dấu - hoặc _ (tối đa 32 ký tự).",
                 "A code is letters without accents, digits, - or _ (at most 32)."),
    "duplicate_code": ("Mã {value} đã có, hãy chọn mã khác.", "{value} already exists: choose another."),
    "unknown_reference": ("Không tìm thấy “{value}”.", "“{value}” does not exist."),
    "retired_reference": ("“{value}” đã ngừng sử dụng.", "“{value}” is retired."),
    "bad_period": ("“{text}” không phải khoảng giờ như 07:30-11:30.",
                   "“{text}” is not a period like 07:30-11:30."),
    "period_backwards": ("“{text}”: giờ kết thúc phải sau giờ bắt đầu.",
                         "“{text}”: the end must come after the start."),
    "periods_overlap": ("Các khoảng giờ trong ngày chồng lên nhau.", "Periods of the day overlap."),
    "empty_hours": ("Lịch giờ làm việc trống: cần ít nhất một khoảng giờ trong tuần.",
                    "The hours profile is empty: give at least one period in the week."),
    "bad_color": ("Màu dạng #RRGGBB, ví dụ #1d4ed8.", "A colour like #1d4ed8."),
    "bad_prefix": ("Tiền tố gồm tối đa 3 chữ cái (A–Z) hoặc để trống.",
                   "The prefix is up to 3 letters (A–Z), or empty."),
    "last_before_first": ("Số cuối phải lớn hơn hoặc bằng số đầu.",
                          "The last number must not be below the first."),
    "number_overlap": ("Dãy số trùng với dịch vụ {other} ({prefix}{first}–{prefix}{last}): mỗi số chỉ thuộc một "
                       "dịch vụ trong toàn trung tâm.",
                       "The range overlaps service {other} ({prefix}{first}–{prefix}{last}): each number "
                       "belongs to one service in the whole building."),
    "number_prefix": ("Tiền tố có thể in trùng số với dịch vụ {other} (tiền tố “{prefix}”): chọn tiền tố "
                      "không bắt đầu bằng tiền tố kia.",
                      "This prefix could print the same number as service {other} (prefix “{prefix}”): "
                      "use prefixes where neither starts the other."),
    "numbers_in_use_today": ("Hôm nay dịch vụ đã cấp {issued} số: giữ nguyên tiền tố, số đầu và độ dài "
                             "số đến hết ngày.",
                             "The service has issued {issued} numbers today: keep its prefix, first "
                             "number and width until the day ends."),
    "last_below_issued": ("Hôm nay đã cấp đến số {number}: số cuối không được nhỏ hơn.",
                          "Numbers up to {number} were issued today: the last number cannot be lower."),
    "counter_other_zone": ("Quầy {counter} ở khu {zone}: dịch vụ và quầy phải cùng một khu.",
                           "Counter {counter} is in zone {zone}: a service and its counters share a zone."),
    "service_other_zone": ("Dịch vụ {service} ở khu {zone}: một quầy chỉ phục vụ dịch vụ trong khu của quầy.",
                           "Service {service} is in zone {zone}: a counter serves its own zone only."),
    "has_open_tickets": ("Hôm nay còn {n} số đang chờ hoặc đang phục vụ: phục vụ hoặc chuyển các số này trước.",
                         "{n} tickets are still waiting or being served today: serve or transfer them first."),
    "counter_not_closed": ("Quầy đang mở: đóng quầy trước khi ngừng sử dụng hoặc đổi khu.",
                           "The counter is open: close it before retiring it or moving it to another zone."),
    "would_strand": ("Dịch vụ {service} còn {n} số đang chờ và sẽ không còn quầy nào gọi.",
                     "Service {service} has {n} tickets waiting and no other counter would call them."),
    "still_in_use": ("Đang được dùng bởi: {users}. Chuyển hoặc ngừng các mục này trước.",
                     "Still used by: {users}. Move or retire them first."),
    "config_not_found": ("Không tìm thấy “{value}”.", "“{value}” was not found."),
    "config_retired": ("“{value}” đã ngừng sử dụng: khôi phục trước khi sửa.",
                       "“{value}” is retired: restore it before editing."),
    "priority_not_accepted": ("Dịch vụ này không nhận số ưu tiên.", "This service does not take priority tickets."),
    "site_export_failed": ("Không ghi được tệp cấu hình.", "The configuration file could not be written."),

    # issue 8: closures and calendar (area a-calendar) — add below
    "service_suspended": ("Tạm ngưng tiếp nhận: {reason}.{reopen}",
                          "Not taking tickets for now: {reason}.{reopen}"),
    "holiday": ("Hôm nay nghỉ lễ {reason}: trung tâm không cấp số.{reopen}",
                "Today is a public holiday ({reason}): no tickets are issued.{reopen}"),
    "day_closed": ("Hôm nay không tiếp nhận: {reason}.{reopen}", "Closed today: {reason}.{reopen}"),
    "closed.service_suspended": ("Tạm ngưng tiếp nhận: {reason}", "Not taking tickets for now: {reason}"),
    "closed.holiday": ("Hôm nay nghỉ lễ {reason}", "Public holiday today: {reason}"),
    "closed.day_closed": ("Hôm nay không tiếp nhận: {reason}", "Closed today: {reason}"),
    "reopens.today": ("Dự kiến mở lại lúc {time}.", "Expected to reopen at {time}."),
    "reopens.day": ("Mở lại lúc {time} ngày {date}.", "Reopens at {time} on {date}."),
    "closure_scope": ("Hãy chọn đóng một dịch vụ hoặc cả một đơn vị.", "Choose a service or a whole unit to close."),
    "closure_target": ("Không có dịch vụ hoặc đơn vị {target}.", "There is no service or unit {target}."),
    "reason_required": ("Hãy nhập lý do (tiếng Việt).", "Please enter a reason (in Vietnamese)."),
    "text_too_long": ("Nội dung quá dài (tối đa {max} ký tự).", "Too long (at most {max} characters)."),
    "until_not_a_time": ("Giờ mở lại không hợp lệ (ví dụ 2026-12-03T14:00).",
                         "The reopening time is not valid (e.g. 2026-12-03T14:00)."),
    "until_in_past": ("Giờ mở lại phải sau thời điểm hiện tại.", "The reopening time must be in the future."),
    "not_closed": ("{target} đang mở, không cần mở lại.", "{target} is not closed."),
    "date_invalid": ("Ngày không hợp lệ (ví dụ 02/09/2027).", "Not a valid date (e.g. 02/09/2027)."),
    "calendar_kind": ("Loại ngày phải là ngày lễ, ngày làm bù hoặc ngày nghỉ đột xuất.",
                      "The kind must be holiday, working day or closure."),
    "name_required": ("Hãy nhập tên hoặc lý do (tiếng Việt).", "Please enter a name or reason (in Vietnamese)."),
    "weekday_invalid": ("Hãy chọn ngày trong tuần có giờ làm việc áp dụng (thứ Hai…thứ Sáu).",
                        "Choose the weekday whose hours apply (Monday…Friday)."),
    "working_day_not_weekend": ("Ngày làm bù phải là thứ Bảy hoặc Chủ nhật.",
                                "A compensating working day must be a Saturday or a Sunday."),
    "day_taken": ("Ngày {day} đã có trong lịch ({name}).", "{day} is already in the calendar ({name})."),
    "unknown_units": ("Không có đơn vị: {units}.", "Unknown unit(s): {units}."),
    "calendar_day_not_found": ("Không tìm thấy ngày này trong lịch.", "This calendar day was not found."),
    "year_invalid": ("Năm không hợp lệ (2000–2100).", "Not a valid year (2000–2100)."),

    # issue 8: users, devices, device health (area a-people) — add below
    "username_invalid": ("Tên đăng nhập gồm 1–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch.",
                         "A username has 1–64 characters: lower-case letters, digits, dot, dash."),
    "username_taken": ("Tên đăng nhập {username} đã có người dùng.",
                       "The username {username} is already taken."),
    "display_name_invalid": ("Họ tên tối đa 80 ký tự.", "A display name has at most 80 characters."),
    "role_invalid": ("Vai trò phải là một trong: officer, supervisor, admin.",
                     "role must be one of officer, supervisor, admin"),
    "counter_unknown": ("Không có quầy {counter}.", "unknown counter {counter}"),
    "officer_needs_counter": ("Cán bộ phải được giao ít nhất một quầy.",
                              "An officer needs at least one counter."),
    "unit_unknown": ("Không có đơn vị {unit}.", "unknown unit {unit}"),
    "password_weak": ("Mật khẩu quá yếu: cần ít nhất {n} ký tự, không chỉ gồm số, không chứa tên "
                      "đăng nhập.", "The password is too weak: at least {n} characters, not only "
                      "digits, not containing the username."),
    "user_not_found": ("Không tìm thấy người dùng.", "No such user."),
    "cannot_disable_self": ("Bạn không thể tự khóa tài khoản của mình.",
                            "You cannot disable your own account."),
    "cannot_demote_self": ("Bạn không thể tự bỏ quyền quản trị của mình.",
                           "You cannot remove your own administrator role."),
    "last_admin": ("Phải còn ít nhất một quản trị viên đang hoạt động.",
                   "At least one active administrator must remain."),
    "device_name_invalid": ("Tên thiết bị gồm 1–64 ký tự: chữ không dấu, số, dấu chấm, gạch.",
                            "A device name has 1–64 characters: letters, digits, dot, dash."),
    "device_name_taken": ("Đã có thiết bị tên {name}.", "A device named {name} already exists."),
    "device_kind_invalid": ("Loại thiết bị phải là kiosk, display hoặc counter.",
                            "kind must be one of kiosk, display, counter"),
    "zone_unknown": ("Không có khu {zone}.", "unknown zone {zone}"),
    "device_needs_counter": ("Màn hình quầy phải gắn với một quầy.",
                             "A counter display needs a counter."),
    "printer_url_invalid": ("Địa chỉ máy in không hợp lệ (vd. tcp://10.10.2.21:9100, usb://04b8:0202, "
                            "agent, virtual).", "Not a printer address (e.g. tcp://10.10.2.21:9100, "
                            "usb://04b8:0202, agent, virtual)."),
    "paper_invalid": ("Khổ giấy phải là 80mm hoặc 58mm.", "Paper must be 80mm or 58mm."),
    "device_not_found": ("Không tìm thấy thiết bị (hoặc đã thu hồi).",
                         "No such device (or it was revoked)."),

    # issue 8: audit (area a-audit) — add below

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
    # A parameter given per language ({"vi": ..., "en": ...}, e.g. an admin's reason) takes the
    # caller's language.
    params = {k: v.get(lang, v.get("vi")) if isinstance(v, dict) and "vi" in v else v
              for k, v in params.items()}
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
