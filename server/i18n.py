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
    # area a-eight: fields and coded values the trail showed raw ("reason_en: …", "Role: supervisor")
    "audit.field.reason_en": ("Lý do (tiếng Anh)", "Reason (English)"),
    "audit.field.code": ("Mã", "Code"),
    "audit.field.retired": ("Ngừng sử dụng", "Retired"),
    "audit.field.scope": ("Phạm vi", "Scope"),
    "audit.field.days": ("Các ngày", "Days"),
    "audit.field.as_weekday": ("Làm việc như", "Works as"),
    "audit.field.date": ("Ngày", "Date"),
    "audit.field.day": ("Ngày", "Day"),
    "audit.field.year": ("Năm", "Year"),
    "audit.field.short": ("Tên viết tắt", "Short name"),
    "audit.field.color": ("Màu", "Colour"),
    "audit.field.floor": ("Tầng", "Floor"),
    "audit.field.accepts_priority": ("Nhận số ưu tiên", "Takes priority tickets"),
    "audit.field.hours_profile": ("Lịch giờ làm việc", "Hours profile"),
    "audit.field.paper": ("Khổ giấy", "Paper"),
    "audit.field.generated": ("Mật khẩu tạo tự động", "Password generated"),
    "audit.field.added": ("Đã thêm", "Added"),
    "audit.field.source": ("Nguồn", "Source"),
    "audit.value.role_admin": ("Quản trị viên", "Administrator"),
    "audit.value.role_supervisor": ("Giám sát viên", "Supervisor"),
    "audit.value.role_officer": ("Cán bộ", "Officer"),
    "audit.value.scope_service": ("Một dịch vụ", "One service"),
    "audit.value.scope_unit": ("Cả đơn vị", "A whole unit"),
    "audit.value.kind_kiosk": ("Máy lấy số", "Kiosk"),
    "audit.value.kind_display": ("Màn hình", "Board"),
    "audit.value.kind_counter": ("Màn hình quầy", "Counter display"),
    "audit.value.kind_holiday": ("Ngày lễ", "Public holiday"),
    "audit.value.kind_working": ("Ngày làm bù", "Working day"),
    "audit.value.kind_closure": ("Nghỉ đột xuất", "Closed day"),
    "audit.value.kind_submit": ("Nộp hồ sơ", "Submit files"),
    "audit.value.kind_results": ("Trả kết quả", "Collect results"),
    "audit.value.kind_fees": ("Thu phí, lệ phí", "Fees"),
    "audit.value.kind_postal": ("Bưu chính", "Postal"),
    "audit.value.kind_help": ("Hướng dẫn", "Help desk"),
    "audit.value.kind_department": ("Sở, ban, ngành", "Department"),
    "audit.value.kind_center": ("Trung tâm, dịch vụ hỗ trợ", "Centre, support desk"),
    "audit.value.kind_agency": ("Cơ quan khác", "Other agency"),

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
    # issue 8: department head's scope, live admin pages (area a-scope) — add below
    "scope_whole_site": ("Tệp cấu hình chứa toàn bộ trung tâm; tài khoản của bạn chỉ xem được "
                         "đơn vị của mình.",
                         "The site file holds the whole centre; your account sees only your units."),

    # issue 9: sites of a deployment (branch i9-lease) — add below
    "site_code_bad": ("Mã điểm phục vụ chỉ gồm chữ thường không dấu, số và dấu gạch ngang "
                      "(2–40 ký tự).",
                      "A site code has only lowercase letters, digits and hyphens (2–40 characters)."),
    "site_code_taken": ("Đã có điểm phục vụ mã {site}.", "A site with code {site} already exists."),
    "site_code_unknown": ("Không có điểm phục vụ mã {site}.", "There is no site with code {site}."),
    "site_code_needed": ("Hệ thống có {n} điểm phục vụ: chọn một điểm bằng --site-code MÃ.",
                         "This deployment has {n} sites: name one with --site-code CODE."),
    "site_name_required": ("Vui lòng nhập tên điểm phục vụ.", "Please enter the site's name."),
    "site_timezone_bad": ("Múi giờ không hợp lệ (ví dụ Asia/Ho_Chi_Minh).",
                          "Unknown time zone (e.g. Asia/Ho_Chi_Minh)."),
    # issue 8: device health, automatic holidays, init --reload (area a-health) — add below
    "site_reloaded": ("Đã nạp lại cấu hình từ {path}.", "Site configuration reloaded from {path}."),
    "site_reload_retired_services": ("Ngừng sử dụng (không còn trong tệp, lịch sử giữ tên): dịch vụ {keys}",
                                     "Retired (no longer in the file; history keeps their names): services {keys}"),
    "site_reload_retired_counters": ("Ngừng sử dụng (không còn trong tệp, lịch sử giữ tên): quầy {keys}",
                                     "Retired (no longer in the file; history keeps their names): counters {keys}"),
    "site_reload_retired_units": ("Ngừng sử dụng (không còn trong tệp, lịch sử giữ tên): đơn vị {keys}",
                                  "Retired (no longer in the file; history keeps their names): units {keys}"),
    "site_reload_retired_zones": ("Ngừng sử dụng (không còn trong tệp, lịch sử giữ tên): khu {keys}",
                                  "Retired (no longer in the file; history keeps their names): zones {keys}"),
    "site_reload_retired_priority_categories": (
        "Ngừng sử dụng (không còn trong tệp, lịch sử giữ tên): đối tượng ưu tiên {keys}",
        "Retired (no longer in the file; history keeps their names): priority categories {keys}"),
    "reload_drops_open_service": (
        "Không nạp lại: dịch vụ {service} còn {n} số đang chờ hoặc đang phục vụ hôm nay nhưng tệp "
        "bỏ hoặc ngừng dịch vụ này. Phục vụ hoặc chuyển các số này trước. Chưa có gì thay đổi.",
        "Not reloaded: service {service} still has {n} tickets waiting or being served today, but "
        "the file drops or retires it. Serve or transfer them first. Nothing was changed."),
    "reload_moves_open_service": (
        "Không nạp lại: dịch vụ {service} còn {n} số đang chờ hoặc đang phục vụ hôm nay nhưng tệp "
        "chuyển dịch vụ sang khu {zone}. Chưa có gì thay đổi.",
        "Not reloaded: service {service} still has {n} tickets waiting or being served today, but "
        "the file moves it to zone {zone}. Nothing was changed."),
    "reload_no_counter": (
        "Không nạp lại: dịch vụ {service} còn {n} số đang chờ hôm nay nhưng theo tệp không còn "
        "quầy nào gọi dịch vụ này. Chưa có gì thay đổi.",
        "Not reloaded: service {service} still has {n} tickets waiting today, but no counter in "
        "the file calls it. Nothing was changed."),
    "audit.kind.calendar.auto_import": ("Tự động thêm các ngày lễ của năm",
                                        "Public holidays of the year added automatically"),
    "holidays_added": ("Đã thêm {n} ngày lễ của năm {year} vào lịch (sửa tại /admin/calendar).",
                       "Added {n} public holidays of {year} to the calendar (edit at /admin/calendar)."),
    "reload_drops_open_counter": (
        "Không nạp lại: quầy {counter} đang mở nhưng tệp bỏ hoặc ngừng quầy này. Đóng quầy trước. "
        "Chưa có gì thay đổi.",
        "Not reloaded: counter {counter} is open, but the file drops or retires it. Close it "
        "first. Nothing was changed."),
    # Issue 10: citizens' phones, appointments (services/citizens.py, services/bookings.py)
    "bad_phone": ("Số điện thoại không hợp lệ. Nhập số di động Việt Nam, ví dụ 0912 345 678.",
                  "This phone number is not valid. Enter a Vietnamese mobile number, e.g. "
                  "0912 345 678."),
    "consent_required": ("Vui lòng đồng ý cho Trung tâm lưu số điện thoại để gửi mã và nhắc lịch.",
                         "Please agree that the centre keeps your phone number to send codes and "
                         "reminders."),
    "bad_code": ("Mã xác minh không đúng.", "The verification code is wrong."),
    "code_expired": ("Mã xác minh đã hết hạn hoặc chưa được gửi. Vui lòng lấy mã mới.",
                     "The verification code has expired or was not sent. Please ask for a new one."),
    "citizen_unverified": ("Vui lòng xác minh số điện thoại trước.",
                           "Please verify your phone number first."),
    "limit_reached": ("Đã đạt giới hạn: {why}", "Limit reached: {why}"),
    "limit.address": ("quá nhiều yêu cầu từ thiết bị này. Vui lòng thử lại sau.",
                      "too many requests from this device. Please try again later."),
    "limit.codes": ("đã gửi quá nhiều mã tới số này trong giờ qua. Vui lòng thử lại sau.",
                    "too many codes were sent to this number in the last hour. Please try later."),
    "limit.attempts": ("nhập sai mã quá nhiều lần. Vui lòng lấy mã mới.",
                       "the code was entered wrongly too many times. Please ask for a new one."),
    "limit.daily": ("mỗi số điện thoại chỉ được đặt {n} lượt trong một ngày.",
                    "each phone number may book {n} times a day."),
    "limit.no_shows": ("số này đã không đến {n} lần trong 30 ngày; có thể đặt lại từ ngày {date}.",
                       "this number did not come {n} times in 30 days; it may book again from "
                       "{date}."),
    "service_not_bookable": ("Dịch vụ này không nhận đặt lịch hẹn.",
                             "This service does not take appointments."),
    "bad_day": ("Ngày không hợp lệ hoặc ngoài thời gian nhận đặt lịch.",
                "The date is not valid or outside the booking period."),
    "day_not_open": ("Ngày {date} Trung tâm không làm việc.", "The centre is closed on {date}."),
    "unknown_slot": ("Không có khung giờ {start} ngày này.", "There is no slot at {start} that day."),
    "slot_full": ("Khung giờ {start} đã hết chỗ. Vui lòng chọn giờ khác.",
                  "The {start} slot is full. Please choose another time."),
    "booking_not_found": ("Không tìm thấy lịch hẹn này.", "This appointment was not found."),
    "booking_not_active": ("Lịch hẹn này đã hủy hoặc đã qua.",
                           "This appointment was cancelled or is over."),
    # The simulator's scenario file (xephang simulate, issue 12).
    "scenario_unreadable": ("Không đọc được tệp kịch bản {path}: {reason}",
                            "Cannot read the scenario file {path}: {reason}"),
    "scenario_unknown_key": ("Kịch bản có khóa không biết: {key}", "Unknown scenario key(s): {key}"),
    "scenario_bad_hours": ("{where}: giờ không hợp lệ {value} (dạng \"HH:MM-HH:MM\")",
                           "{where}: bad hours {value} (write \"HH:MM-HH:MM\")"),
    "scenario_bad_number": ("{key}: số không hợp lệ {value}", "{key}: not a valid number: {value}"),
    "scenario_bad_table": ("{key}: sai kiểu giá trị trong kịch bản", "{key}: wrong kind of value"),
    "scenario_bad_dist": ("{key}: {value} không hợp lệ (chọn: {known})",
                          "{key}: {value} is not one of {known}"),
    "scenario_missing": ("Kịch bản thiếu {key}", "The scenario lacks {key}"),
    "scenario_unknown_counter": ("Điểm phục vụ không có quầy: {counters}",
                                 "The site has no counter(s) {counters}"),
    "scenario_unknown_service": ("Điểm phục vụ không có lĩnh vực: {services}",
                                 "The site has no service(s) {services}"),
    "scenario_no_site": ("Cơ sở dữ liệu {path} chưa có điểm phục vụ: ghi site = \"TỆP.toml\" "
                         "trong kịch bản hoặc chạy xephang init trước.",
                         "The database {path} has no site yet: put site = \"FILE.toml\" in the "
                         "scenario or run xephang init first."),
    "scenario_plan_no_unit": ("Kịch bản không có lượt đến nào cho đơn vị {unit}",
                              "The scenario has no arrivals for unit {unit}"),
    "scenario_no_history": ("{site} chưa có vé nào đã ghi: không thể lấy lượt đến từ lịch sử",
                            "{site} has no recorded tickets: arrivals cannot come from history"),
    "scenario_no_recorded_day": ("{site} không có vé nào của ngày {day} để chạy lại",
                                 "{site} has no tickets of {day} to replay"),
    "drill_one_period": ("Diễn tập chỉ chạy một khoảng giờ: ghi hours = [\"HH:MM-HH:MM\"]",
                         "A drill runs one period of hours: write hours = [\"HH:MM-HH:MM\"]"),
    "drill_no_officer": ("Thiếu mã thông báo cán bộ cho quầy: {counters}",
                         "No officer token for counter(s) {counters}"),
    # issue 9: the message queue (a-redis)
    "message_queue_unreachable": (
        "xephang: không kết nối được hàng đợi tin nhắn {url} ({why}) — hãy khởi động Redis hoặc "
        "sửa --message-queue / XEPHANG_MESSAGE_QUEUE",
        "xephang: cannot reach the message queue {url} ({why}) — start Redis or correct "
        "--message-queue / XEPHANG_MESSAGE_QUEUE"),
    # --- issue 9: the database location (--db / XEPHANG_DB), a SQLite file or PostgreSQL ---
    "db_location_empty": ("chưa chỉ định nơi lưu dữ liệu (--db)",
                          "the database location (--db) is empty"),
    "db_location_not_url": (
        "{location} không phải nơi lưu dữ liệu (dùng đường dẫn tệp, hoặc URL dạng "
        "postgresql://người_dùng:mật_khẩu@máy/tên_csdl)",
        "not a database location: {location} (use a file path, or a URL like "
        "postgresql://user:password@host/dbname)"),
    "db_location_is_folder": ("{path} là thư mục, không phải tệp dữ liệu",
                              "{path} is a folder, not a database file"),
    "db_location_file_not_ours": ("tài khoản này không đọc và ghi được tệp dữ liệu {path}",
                                  "the database file {path} is not readable and writable "
                                  "by this user"),
    "db_location_parent_is_file": ("không tạo được {path}: {folder} là tệp, không phải thư mục",
                                   "cannot create {path}: {folder} is a file, not a folder"),
    "db_location_folder_readonly": (
        "không ghi được dữ liệu vào {path}: thư mục {folder} chỉ đọc hoặc không thuộc "
        "tài khoản này",
        "cannot write the database at {path}: the folder {folder} is read-only or not "
        "ours to write"),
    "db_postgresql_no_driver": ("cần gói psycopg để dùng PostgreSQL: pip install 'xephang[city]'",
                                "PostgreSQL needs the psycopg package: pip install "
                                "'xephang[city]'"),
    "db_postgresql_unreachable": ("không dùng được PostgreSQL tại {url}: {why}",
                                  "PostgreSQL at {url} cannot be used: {why}"),
    # The simulator's page (issue 12, area b-simpage).
    "simulation_too_big": ("{key}: tối đa {limit} để không làm chậm máy chủ",
                           "{key}: at most {limit}, so the server is not slowed down"),
    "simulation_busy": ("Đang có {running} mô phỏng chạy; thử lại sau ít phút",
                        "{running} simulations are already running; try again in a few minutes"),
    "simulation_timeout": ("Mô phỏng chạy quá {seconds} giây và đã dừng; hãy giảm số lần lặp",
                           "The simulation ran over {seconds} seconds and was stopped; use fewer "
                           "replications"),
    "simulation_failed": ("Mô phỏng không chạy được (xem nhật ký máy chủ)",
                          "The simulation failed (see the server's log)"),
    "simulation_refused": ("Kịch bản không chạy được", "The scenario cannot be run"),
    "simulation_unknown": ("Không có lượt mô phỏng này (máy chủ khởi động lại?)",
                           "No such simulation (did the server restart?)"),
    "simulation_not_done": ("Mô phỏng chưa xong", "The simulation has not finished"),
    "simulation_chart_title": ("Số người chờ theo đơn vị", "People waiting per unit"),
    "simulation_cancelled": ("Đã dừng mô phỏng", "The simulation was stopped"),
    # issue 10, numbers from home and check-in
    "service_not_remote": ("Dịch vụ này không nhận lấy số từ xa.",
                           "This service does not give numbers from home."),
    "unknown_code": ("Không tìm thấy mã check-in này. Vui lòng kiểm tra lại.",
                     "This check-in code was not found. Please check it."),
    "too_early": ("Chưa đến giờ check-in: vui lòng quay lại từ {time} ngày {date}.",
                  "Too early to check in: please come back from {time} on {date}."),
    "too_late": ("Đã quá giờ check-in ({time} ngày {date}). Vui lòng lấy số mới tại kiosk.",
                 "Check-in closed at {time} on {date}. Please take a new number at the kiosk."),
    "already_checked_in": ("Mã này đã được check-in (số {number}).",
                           "This code is already checked in (number {number})."),
    "bad_subscription": ("Đăng ký nhận thông báo không hợp lệ.",
                         "The notification subscription is not valid."),
    "too_many_subscriptions": ("Số này đã bật thông báo trên {n} thiết bị.",
                               "Notifications are already on for this number on {n} devices."),
    # issue 9: migrate-to (branch c-city)
    "migrate_to_direction": ("migrate-to chép một tệp SQLite (--db TỆP) vào PostgreSQL "
                             "(--to postgresql://…)",
                             "migrate-to copies a SQLite file (--db FILE) into PostgreSQL "
                             "(--to postgresql://…)"),
    "migrate_to_bad_source": ("không chép được {path}: {why}", "cannot copy {path}: {why}"),
    "migrate_to_in_use": ("một máy chủ đang chạy trên {path}: hãy dừng nó trước khi chuyển",
                          "a server is running on {path}: stop it before moving it"),
    "migrate_to_not_empty": ("cơ sở dữ liệu đích đã có dữ liệu (bảng {table}): chỉ chép vào một "
                             "cơ sở dữ liệu trống",
                             "the target database already holds data (table {table}): copy only "
                             "into an empty database"),
    "migrate_to_schema_differs": ("lược đồ hai bên khác nhau: {what}",
                                  "the two schemas differ: {what}"),
    # issue 9: migrate-to --site-code (branch e-citizens)
    "migrate_to_one_site": ("tệp có {n} điểm phục vụ: chỉ nhập được tệp của một tòa nhà (một điểm)",
                            "the file holds {n} sites: only a building's file (one site) can be "
                            "imported"),
    "migrate_to_users_taken": ("tên đăng nhập đã có trong hệ thống: {names}; đổi tên trong tệp "
                               "trước khi nhập",
                               "usernames already used in the deployment: {names}; rename them "
                               "in the file before importing it"),
    # issue 9, the city level (branch e-city)
    "site_not_yours": ("Bạn chỉ thao tác được trên điểm phục vụ của mình, không phải điểm {site}.",
                       "You can act only for your own site, not for site {site}."),
    "city_only": ("Chỉ tài khoản cấp thành phố (quản trị viên, giám sát viên) được xem mục này.",
                  "Only city-level accounts (administrators, supervisors) can see this."),
    "city_col_code": ("Mã điểm", "Site code"),
    "city_col_site": ("Điểm phục vụ", "Site"),
    "city_col_wait_avg": ("Chờ trung bình (phút)", "Average wait (min)"),
    "audit.kind.user.city": ("Chuyển thành tài khoản cấp thành phố", "Made a city-level account"),
    # issue 10 loose ends (e-book): trusted proxies, the phone key
    "trusted_proxies_invalid": (
        "xephang: XEPHANG_TRUSTED_PROXIES có mục không phải địa chỉ hay mạng IP: {entry} "
        "(ví dụ: 127.0.0.1,10.0.0.0/8)",
        "xephang: XEPHANG_TRUSTED_PROXIES has an entry that is not an IP address or network: "
        "{entry} (e.g. 127.0.0.1,10.0.0.0/8)"),
    "phone_key_missing": (
        "xephang: THIẾU KHÓA SỐ ĐIỆN THOẠI {path} (hoặc {env}) mà dữ liệu đã có số điện thoại "
        "mã hóa: không gửi được SMS, không nhận đặt lịch/lấy số từ xa; cấp số tại quầy vẫn chạy. "
        "Hãy chép lại tệp khóa từ nơi cất giữ rồi khởi động lại",
        "xephang: THE PHONE KEY {path} (or {env}) IS MISSING but the database holds encrypted "
        "phone numbers: no SMS can be sent, no bookings or numbers from home; walk-in issuing "
        "works. Put the key file back from where it is kept and restart"),
    "phone_key_mismatch": (
        "xephang: KHÓA SỐ ĐIỆN THOẠI {path} (hoặc {env}) KHÔNG KHỚP với dữ liệu (khóa của máy "
        "khác?): không gửi được SMS, không nhận đặt lịch/lấy số từ xa; cấp số tại quầy vẫn chạy. "
        "Hãy đặt đúng tệp khóa của dữ liệu này rồi khởi động lại",
        "xephang: THE PHONE KEY {path} (or {env}) DOES NOT MATCH the database (another "
        "machine's key?): no SMS can be sent, no bookings or numbers from home; walk-in issuing "
        "works. Put this database's key file in place and restart"),
    "phone_key_unavailable": (
        "Dịch vụ qua điện thoại tạm thời không hoạt động. Vui lòng lấy số tại kiosk.",
        "Phone services are unavailable for now. Please take a number at a kiosk."),
    "backup_keep_phone_key": (
        "Bản sao KHÔNG chứa khóa số điện thoại: hãy cất {path} (và {vapid}) ở một nơi an toàn "
        "khác; thiếu khóa thì không đọc được số điện thoại trong bản sao",
        "The backup does NOT hold the phone key: keep {path} (and {vapid}) in a separate safe "
        "place; without it the phone numbers in the backup cannot be read"),
    "vapid_key_changed": (
        "xephang: khóa Web Push {path} khác khóa dữ liệu này đã dùng (khôi phục bản sao thiếu tệp "
        "khóa?): các trang số đã đăng ký trước đó không nhận được thông báo đẩy cho đến khi đăng "
        "ký lại",
        "xephang: the Web Push key {path} is not the one this database used (a backup restored "
        "without its key file?): pages subscribed before get no pushes until they subscribe "
        "again"),
    "backup_phone_key_env": (
        "Bản sao KHÔNG chứa khóa số điện thoại ({env}): hãy cất giá trị đó ở một nơi an toàn khác",
        "The backup does NOT hold the phone key ({env}): keep its value in a separate safe place"),
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
