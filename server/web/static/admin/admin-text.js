/* Text of the administration pages (added to the staff catalogue): Vietnamese first, English second.
   Each area adds its keys in its own block below (area name in a comment). */
(function () {
  "use strict";
  var add = {
    vi: {
      "admin.title": "Quản trị trung tâm",
      "admin.nav_floor": "Giám sát sàn",
      "admin.readonly": "Bạn đang xem ở chế độ chỉ đọc (giám sát viên).",
      "admin.forbidden": "Trang này dành cho quản trị viên và giám sát viên.",
      "admin.saved": "Đã lưu.",
      "admin.save": "Lưu",
      "admin.cancel": "Hủy",
      "admin.retire": "Ngừng sử dụng",
      "admin.add": "Thêm mới",
      "admin.edit": "Sửa",
      // area a-config
       "admin.site.title": "Cấu hình trung tâm"
      , "admin.site.tab_services": "Dịch vụ"
      , "admin.site.tab_counters": "Quầy"
      , "admin.site.tab_places": "Khu và đơn vị"
      , "admin.site.tab_hours": "Giờ làm việc"
      , "admin.site.tab_lists": "Ưu tiên và lý do đánh giá"
      , "admin.site.pick_hint": "Chọn “Sửa” ở một dòng, hoặc “Thêm mới”. Thay đổi áp dụng ngay cho máy lấy số và màn hình."
      , "admin.site.kind_title_service": "Dịch vụ", "admin.site.kind_title_counter": "Quầy"
      , "admin.site.kind_title_zone": "Khu", "admin.site.kind_title_unit": "Đơn vị"
      , "admin.site.kind_title_hours": "Lịch giờ làm việc", "admin.site.kind_title_category": "Đối tượng ưu tiên"
      , "admin.site.kind_title_reason": "Lý do chưa hài lòng"
      , "admin.site.new_service": "Thêm dịch vụ", "admin.site.new_counter": "Thêm quầy"
      , "admin.site.new_zone": "Thêm khu", "admin.site.new_unit": "Thêm đơn vị"
      , "admin.site.new_hours": "Thêm lịch giờ", "admin.site.new_category": "Thêm đối tượng ưu tiên"
      , "admin.site.new_reason": "Thêm lý do"
      , "admin.site.edit_service": "Sửa dịch vụ {key}", "admin.site.edit_counter": "Sửa quầy {key}"
      , "admin.site.edit_zone": "Sửa khu {key}", "admin.site.edit_unit": "Sửa đơn vị {key}"
      , "admin.site.edit_hours": "Sửa lịch giờ {key}", "admin.site.edit_category": "Sửa đối tượng ưu tiên {key}"
      , "admin.site.edit_reason": "Sửa lý do {key}"
      , "admin.site.f_code": "Mã", "admin.site.f_name": "Tên", "admin.site.f_name_en": "Tên tiếng Anh"
      , "admin.site.f_unit": "Đơn vị", "admin.site.f_zone": "Khu", "admin.site.f_kind": "Loại"
      , "admin.site.f_prefix": "Tiền tố số", "admin.site.f_first_number": "Số đầu"
      , "admin.site.f_last_number": "Số cuối (trống: hết độ dài)", "admin.site.f_width": "Độ dài số"
      , "admin.site.f_range": "Dãy số", "admin.site.f_hours_profile": "Giờ làm việc"
      , "admin.site.f_daily_cap": "Giới hạn số mỗi ngày (0: không giới hạn)"
      , "admin.site.f_wait_target_min": "Mục tiêu thời gian chờ (phút)"
      , "admin.site.f_service_minutes": "Thời gian phục vụ ước tính (phút)"
      , "admin.site.f_accepts_priority": "Nhận số ưu tiên", "admin.site.f_counters": "Quầy phục vụ"
      , "admin.site.f_number": "Số quầy", "admin.site.f_services": "Dịch vụ (theo thứ tự gọi)"
      , "admin.site.f_priority": "Quầy ưu tiên", "admin.site.f_floor": "Tầng"
      , "admin.site.f_short": "Tên viết tắt", "admin.site.f_color": "Màu (#RRGGBB)"
      , "admin.site.f_days": "Các ngày"
      , "admin.site.day_mon": "Thứ Hai", "admin.site.day_tue": "Thứ Ba", "admin.site.day_wed": "Thứ Tư"
      , "admin.site.day_thu": "Thứ Năm", "admin.site.day_fri": "Thứ Sáu", "admin.site.day_sat": "Thứ Bảy"
      , "admin.site.day_sun": "Chủ Nhật"
      , "admin.site.kind_submit": "Nộp hồ sơ", "admin.site.kind_results": "Trả kết quả"
      , "admin.site.kind_fees": "Thu phí, lệ phí", "admin.site.kind_postal": "Bưu chính", "admin.site.kind_help": "Hướng dẫn"
      , "admin.site.unit_department": "Sở, ban, ngành", "admin.site.unit_center": "Trung tâm, dịch vụ hỗ trợ", "admin.site.unit_agency": "Cơ quan khác"
      , "admin.site.no_hours": "Theo giờ chung (luôn mở)"
      , "admin.site.yes": "Có", "admin.site.no": "Không"
      , "admin.site.retired": "đã ngừng", "admin.site.restore": "Khôi phục"
      , "admin.site.up": "Lên trên", "admin.site.remove": "Bỏ", "admin.site.add_one": "+ Thêm…"

      // area a-calendar
      , "admin.closures": "Đóng / mở tiếp nhận",
      "admin.calendar": "Lịch làm việc",
      "closures.close_title": "Đóng tiếp nhận ngay",
      "closures.scope": "Đóng",
      "closures.scope_service": "Một dịch vụ",
      "closures.scope_unit": "Cả đơn vị",
      "closures.target": "Dịch vụ / đơn vị",
      "closures.common": "Lý do thường gặp",
      "closures.common_pick": "— chọn để điền sẵn —",
      "closures.reason": "Lý do (tiếng Việt, hiện trên máy lấy số)",
      "closures.reason_en": "Lý do (tiếng Anh, không bắt buộc)",
      "closures.until": "Dự kiến mở lại (không bắt buộc)",
      "closures.close": "Đóng tiếp nhận",
      "closures.now_title": "Đang tạm ngưng",
      "closures.reason_short": "Lý do",
      "closures.until_short": "Mở lại",
      "closures.until_none": "Khi mở lại bằng tay",
      "closures.none": "Tất cả dịch vụ đang tiếp nhận bình thường.",
      "closures.whole_unit": "Cả đơn vị",
      "closures.one_service": "Dịch vụ",
      "closures.reopen": "Mở lại ngay",
      "closures.reopened": "Đã mở lại: {name}.",
      "closures.closed": "Đã đóng tiếp nhận: {name}.",
      "calendar.year": "Năm",
      "calendar.show": "Xem",
      "calendar.import": "Thêm các ngày lễ của năm",
      "calendar.import_year": "Thêm các ngày lễ năm {year}",
      "calendar.imported": "Đã thêm {n} ngày lễ của năm {year}.",
      "calendar.date": "Ngày",
      "calendar.kind": "Loại",
      "calendar.name": "Tên / lý do",
      "calendar.none": "Chưa có ngày nào trong lịch của năm này.",
      "calendar.add_title": "Thêm một ngày",
      "calendar.kind_holiday": "Ngày lễ",
      "calendar.kind_working": "Ngày làm bù",
      "calendar.kind_closure": "Nghỉ đột xuất",
      "calendar.name_vi": "Tên / lý do (tiếng Việt)",
      "calendar.name_en": "Tên / lý do (tiếng Anh, không bắt buộc)",
      "calendar.as_weekday": "Làm việc theo giờ của",
      "calendar.units": "Đơn vị nghỉ (không chọn: cả trung tâm)",
      "calendar.add": "Thêm vào lịch",
      "calendar.added": "Đã thêm ngày {date} vào lịch.",
      "calendar.remove": "Xóa",
      "calendar.removed": "Đã xóa khỏi lịch.",
      "calendar.works_as": "làm việc theo giờ {day}",
      "calendar.whole_centre": "Cả trung tâm",
      "calendar.wd_mon": "Thứ Hai", "calendar.wd_tue": "Thứ Ba", "calendar.wd_wed": "Thứ Tư",
      "calendar.wd_thu": "Thứ Năm", "calendar.wd_fri": "Thứ Sáu", "calendar.wd_sat": "Thứ Bảy",
      "calendar.wd_sun": "Chủ nhật"

      // area a-people
      "admin.users": "Người dùng",
      "admin.devices": "Thiết bị",
      "people.users_title": "Người dùng",
      "people.devices_title": "Thiết bị",
      "people.search": "Tìm tên…",
      "people.user_new": "Thêm người dùng",
      "people.user_edit": "Sửa người dùng {name}",
      "people.col_username": "Tên đăng nhập",
      "people.col_name": "Họ tên",
      "people.col_role": "Vai trò",
      "people.col_counters": "Quầy / đơn vị",
      "people.col_state": "Trạng thái",
      "people.role_officer": "Cán bộ",
      "people.role_supervisor": "Giám sát viên",
      "people.role_admin": "Quản trị viên",
      "people.all_units": "Tất cả đơn vị",
      "people.active": "Đang dùng",
      "people.disabled": "Đã khóa",
      "people.disable": "Khóa",
      "people.enable": "Mở khóa",
      "people.reset_password": "Đặt lại mật khẩu",
      "people.counters_hint": "Quầy (vd. 12, 13)",
      "people.units_hint": "Đơn vị được xem (không chọn: tất cả)",
      "people.password_hint": "Mật khẩu (để trống: tạo tự động)",
      "people.password_once_title": "Mật khẩu mới — chỉ hiện một lần",
      "people.password_once_note": "Ghi lại và trao cho người dùng. Mật khẩu không được lưu dạng đọc được và sẽ không hiện lại.",
      "people.password_for": "{name} ({username}):",
      "people.close": "Đóng",
      "people.user_created": "Đã tạo người dùng {name}.",
      "people.user_saved": "Đã lưu người dùng {name}.",
      "people.user_disabled": "Đã khóa {name}: mọi phiên đăng nhập đã kết thúc.",
      "people.user_enabled": "Đã mở khóa {name}.",
      "people.password_reset": "Đã đặt lại mật khẩu của {name}: mọi phiên đăng nhập đã kết thúc.",
      "people.confirm_disable": "Khóa tài khoản {name}? Người này sẽ bị đăng xuất ngay.",
      "people.confirm_reset": "Đặt lại mật khẩu của {name}? Người này sẽ bị đăng xuất ngay.",
      "people.device_new": "Thêm thiết bị",
      "people.device_edit": "Sửa thiết bị {name}",
      "people.col_device": "Thiết bị",
      "people.col_place": "Khu / quầy",
      "people.col_health": "Liên lạc",
      "people.col_page": "Trang / phiên bản",
      "people.col_printer": "Máy in",
      "people.kind": "Loại",
      "people.zone": "Khu",
      "people.no_zone": "— toàn trung tâm —",
      "people.whole_site": "Toàn trung tâm",
      "people.counter": "Quầy",
      "people.counter_n": "quầy {n}",
      "people.printer": "Máy in",
      "people.paper": "Khổ giấy",
      "people.no_printer": "Không có máy in",
      "people.printer_ok": "Bình thường",
      "people.printer_near_end": "Sắp hết giấy",
      "people.printer_out": "Hết giấy",
      "people.printer_offline": "Mất kết nối",
      "people.printer_unknown": "Chưa rõ",
      "people.health_online": "Trực tuyến",
      "people.health_offline": "Mất kết nối",
      "people.health_never": "Chưa kết nối",
      "people.health_revoked": "Đã thu hồi",
      "people.seen_at": "lần cuối {t}",
      "people.devices_count": "{on}/{all} trực tuyến",
      "people.pair_again": "Ghép lại",
      "people.revoke": "Thu hồi",
      "people.pair_title": "Ghép thiết bị — chỉ hiện một lần",
      "people.pair_note": "Quét mã bằng thiết bị (hoặc mở liên kết trên thiết bị). Liên kết không hiện lại; cần thì ghép lại.",
      "people.pair_for": "Thiết bị {name}:",
      "people.device_created": "Đã thêm thiết bị {name}.",
      "people.device_saved": "Đã lưu thiết bị {name}.",
      "people.device_paired": "Đã tạo mã ghép mới cho {name}: mã cũ không dùng được nữa.",
      "people.device_revoked": "Đã thu hồi {name}: thiết bị đã bị ngắt.",
      "people.confirm_pair": "Tạo mã ghép mới cho {name}? Mã cũ sẽ ngừng hoạt động ngay.",
      "people.confirm_revoke": "Thu hồi thiết bị {name}? Thiết bị sẽ bị ngắt ngay.",

      // area a-audit
       "admin.audit": "Nhật ký thao tác"
      , "audit.title": "Nhật ký thao tác"
      , "audit.person": "Người thực hiện"
      , "audit.everyone": "Tất cả mọi người"
      , "audit.people_users": "Người dùng"
      , "audit.people_devices": "Thiết bị"
      , "audit.people_other": "Khác"
      , "audit.kind": "Thao tác"
      , "audit.every_kind": "Mọi thao tác"
      , "audit.whole_group": "{name} — tất cả"
      , "audit.from": "Từ ngày"
      , "audit.to": "Đến ngày"
      , "audit.apply": "Lọc"
      , "audit.csv": "Tải CSV"
      , "audit.col_at": "Thời điểm"
      , "audit.col_who": "Người thực hiện"
      , "audit.col_where": "Từ địa chỉ"
      , "audit.col_what": "Thao tác"
      , "audit.col_target": "Đối tượng"
      , "audit.col_changes": "Thay đổi (trước → sau)"
      , "audit.empty": "Không có mục nào khớp bộ lọc."
      , "audit.more": "Xem thêm"
      , "audit.shown_all": "{n} mục (đã hiện hết)."
      , "audit.shown_some": "Đang hiện {n} mục mới nhất."
      , "audit.bad_date": "Ngày không hợp lệ: hãy nhập một ngày có thật, dạng ngày/tháng/năm (ví dụ 01/12/2026)."

      // area a-reports
      , "reports.nav": "Báo cáo",
      "reports.title": "Báo cáo từ {from} đến {to}",
      "reports.from": "Từ ngày", "reports.to": "Đến ngày",
      "reports.today": "Hôm nay", "reports.week": "Tuần này", "reports.month": "Tháng này",
      "reports.last_month": "Tháng trước", "reports.year": "Năm nay",
      "reports.group": "Nhóm theo", "reports.unit": "Đơn vị", "reports.zone": "Khu vực",
      "reports.priority": "Ưu tiên", "reports.channel": "Kênh", "reports.all": "Tất cả",
      "reports.priority_yes": "Có ưu tiên", "reports.priority_no": "Không ưu tiên",
      "reports.channel_kiosk": "Kiosk", "reports.channel_assisted": "Cán bộ cấp số",
      "reports.by_unit": "Đơn vị", "reports.by_service": "Dịch vụ", "reports.by_counter": "Quầy",
      "reports.by_officer": "Cán bộ", "reports.by_hour": "Giờ trong ngày", "reports.by_weekday": "Thứ trong tuần",
      "reports.show": "Xem báo cáo", "reports.csv": "Tải CSV", "reports.xlsx": "Tải Excel",
      "reports.print": "In báo cáo", "reports.total": "Tổng cộng",
      "reports.empty": "Không có số liệu trong khoảng thời gian này.",
      "reports.notes": "Số liệu tính theo lượt phục vụ (mỗi lần chuyển tiếp hoặc xếp lại là một lượt). Thời gian tính bằng phút tròn xuống; trung vị và p90 theo thứ hạng gần nhất. Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / số đánh giá.",
      "reports.chart_arrivals": "Lượt đến mỗi 15 phút và số quầy mở (trung bình một ngày)",
      "reports.chart_wait": "Thời gian chờ theo giờ (phút)",
      "reports.chart_satisfaction": "Tỷ lệ hài lòng theo ngày",
      "reports.legend_arrivals": "Lượt đến", "reports.legend_counters": "Quầy mở",
      "reports.legend_p50": "Trung vị", "reports.legend_p90": "p90",
      "reports.tile_wait": "Chờ trung vị / p90 (phút)", "reports.tile_ratings": "Số đánh giá",
      "reports.col_issued": "Cấp số", "reports.col_issued_long": "Số phiếu đã cấp",
      "reports.col_served": "Phục vụ", "reports.col_served_long": "Lượt đã phục vụ xong",
      "reports.col_no_show": "Vắng", "reports.col_no_show_long": "Gọi nhưng vắng mặt",
      "reports.col_transferred": "Chuyển", "reports.col_transferred_long": "Chuyển sang dịch vụ khác",
      "reports.col_cancelled": "Hủy", "reports.col_cancelled_long": "Đã hủy",
      "reports.col_not_served": "Chưa PV", "reports.col_not_served_long": "Chưa được phục vụ khi hết ngày",
      "reports.col_priority": "Ưu tiên", "reports.col_priority_long": "Tỷ lệ phiếu ưu tiên",
      "reports.col_wait_p50": "Chờ TV", "reports.col_wait_p50_long": "Thời gian chờ trung vị (phút)",
      "reports.col_wait_p90": "Chờ p90", "reports.col_wait_p90_long": "90% người chờ không quá (phút)",
      "reports.col_wait_max": "Chờ max", "reports.col_wait_max_long": "Chờ lâu nhất (phút)",
      "reports.col_service_p50": "PV TV", "reports.col_service_p50_long": "Thời gian phục vụ trung vị (phút)",
      "reports.col_service_p90": "PV p90", "reports.col_service_p90_long": "Thời gian phục vụ p90 (phút)",
      "reports.col_within": "Đạt mục tiêu", "reports.col_within_long": "Tỷ lệ được gọi trong thời gian chờ mục tiêu",
      "reports.col_r4": "Rất HL", "reports.col_r4_long": "Rất hài lòng",
      "reports.col_r3": "HL", "reports.col_r3_long": "Hài lòng",
      "reports.col_r2": "BT", "reports.col_r2_long": "Bình thường",
      "reports.col_r1": "Không HL", "reports.col_r1_long": "Không hài lòng",
      "reports.col_satisfaction": "Hài lòng", "reports.col_satisfaction_long": "Tỷ lệ hài lòng (rất hài lòng + hài lòng)"
    },
    en: {
      "admin.title": "Centre administration",
      "admin.nav_floor": "Floor view",
      "admin.readonly": "You are viewing read-only (supervisor).",
      "admin.forbidden": "This page is for administrators and supervisors.",
      "admin.saved": "Saved.",
      "admin.save": "Save",
      "admin.cancel": "Cancel",
      "admin.retire": "Retire",
      "admin.add": "Add",
      "admin.edit": "Edit",
      // area a-config
       "admin.site.title": "Site configuration"
      , "admin.site.tab_services": "Services"
      , "admin.site.tab_counters": "Counters"
      , "admin.site.tab_places": "Zones and units"
      , "admin.site.tab_hours": "Opening hours"
      , "admin.site.tab_lists": "Priority and rating reasons"
      , "admin.site.pick_hint": "Choose “Edit” on a row, or “Add”. Changes reach the kiosks and screens at once."
      , "admin.site.kind_title_service": "Services", "admin.site.kind_title_counter": "Counters"
      , "admin.site.kind_title_zone": "Zones", "admin.site.kind_title_unit": "Units"
      , "admin.site.kind_title_hours": "Hours profiles", "admin.site.kind_title_category": "Priority categories"
      , "admin.site.kind_title_reason": "Reasons for dissatisfaction"
      , "admin.site.new_service": "New service", "admin.site.new_counter": "New counter"
      , "admin.site.new_zone": "New zone", "admin.site.new_unit": "New unit"
      , "admin.site.new_hours": "New hours profile", "admin.site.new_category": "New priority category"
      , "admin.site.new_reason": "New reason"
      , "admin.site.edit_service": "Edit service {key}", "admin.site.edit_counter": "Edit counter {key}"
      , "admin.site.edit_zone": "Edit zone {key}", "admin.site.edit_unit": "Edit unit {key}"
      , "admin.site.edit_hours": "Edit hours profile {key}", "admin.site.edit_category": "Edit priority category {key}"
      , "admin.site.edit_reason": "Edit reason {key}"
      , "admin.site.f_code": "Code", "admin.site.f_name": "Name", "admin.site.f_name_en": "English name"
      , "admin.site.f_unit": "Unit", "admin.site.f_zone": "Zone", "admin.site.f_kind": "Kind"
      , "admin.site.f_prefix": "Number prefix", "admin.site.f_first_number": "First number"
      , "admin.site.f_last_number": "Last number (empty: up to the width)", "admin.site.f_width": "Digits"
      , "admin.site.f_range": "Numbers", "admin.site.f_hours_profile": "Opening hours"
      , "admin.site.f_daily_cap": "Tickets a day at most (0: no limit)"
      , "admin.site.f_wait_target_min": "Wait target (minutes)"
      , "admin.site.f_service_minutes": "Estimated service time (minutes)"
      , "admin.site.f_accepts_priority": "Takes priority tickets", "admin.site.f_counters": "Counters serving it"
      , "admin.site.f_number": "Counter number", "admin.site.f_services": "Services (in calling order)"
      , "admin.site.f_priority": "Priority counter", "admin.site.f_floor": "Floor"
      , "admin.site.f_short": "Short name", "admin.site.f_color": "Colour (#RRGGBB)"
      , "admin.site.f_days": "Days"
      , "admin.site.day_mon": "Monday", "admin.site.day_tue": "Tuesday", "admin.site.day_wed": "Wednesday"
      , "admin.site.day_thu": "Thursday", "admin.site.day_fri": "Friday", "admin.site.day_sat": "Saturday"
      , "admin.site.day_sun": "Sunday"
      , "admin.site.kind_submit": "Submit files", "admin.site.kind_results": "Collect results"
      , "admin.site.kind_fees": "Fees", "admin.site.kind_postal": "Postal", "admin.site.kind_help": "Help desk"
      , "admin.site.unit_department": "Department", "admin.site.unit_center": "Centre, support desk", "admin.site.unit_agency": "Other agency"
      , "admin.site.no_hours": "Site hours (always open)"
      , "admin.site.yes": "Yes", "admin.site.no": "No"
      , "admin.site.retired": "retired", "admin.site.restore": "Restore"
      , "admin.site.up": "Move up", "admin.site.remove": "Remove", "admin.site.add_one": "+ Add…"

      // area a-calendar
      , "admin.closures": "Close / open intake",
      "admin.calendar": "Calendar",
      "closures.close_title": "Close now",
      "closures.scope": "Close",
      "closures.scope_service": "One service",
      "closures.scope_unit": "A whole unit",
      "closures.target": "Service / unit",
      "closures.common": "Common reasons",
      "closures.common_pick": "— pick to fill in —",
      "closures.reason": "Reason (Vietnamese, shown on the kiosk)",
      "closures.reason_en": "Reason (English, optional)",
      "closures.until": "Expected reopening (optional)",
      "closures.close": "Close intake",
      "closures.now_title": "Closed now",
      "closures.reason_short": "Reason",
      "closures.until_short": "Reopens",
      "closures.until_none": "When reopened by hand",
      "closures.none": "Every service is taking tickets.",
      "closures.whole_unit": "Whole unit",
      "closures.one_service": "Service",
      "closures.reopen": "Reopen now",
      "closures.reopened": "Reopened: {name}.",
      "closures.closed": "Closed: {name}.",
      "calendar.year": "Year",
      "calendar.show": "Show",
      "calendar.import": "Add the year's public holidays",
      "calendar.import_year": "Add the public holidays of {year}",
      "calendar.imported": "Added {n} public holidays of {year}.",
      "calendar.date": "Date",
      "calendar.kind": "Kind",
      "calendar.name": "Name / reason",
      "calendar.none": "No days in this year's calendar yet.",
      "calendar.add_title": "Add a day",
      "calendar.kind_holiday": "Public holiday",
      "calendar.kind_working": "Working day",
      "calendar.kind_closure": "Closed day",
      "calendar.name_vi": "Name / reason (Vietnamese)",
      "calendar.name_en": "Name / reason (English, optional)",
      "calendar.as_weekday": "Works with the hours of",
      "calendar.units": "Units closed (none selected: the whole centre)",
      "calendar.add": "Add to the calendar",
      "calendar.added": "Added {date} to the calendar.",
      "calendar.remove": "Remove",
      "calendar.removed": "Removed from the calendar.",
      "calendar.works_as": "works with {day}'s hours",
      "calendar.whole_centre": "Whole centre",
      "calendar.wd_mon": "Monday", "calendar.wd_tue": "Tuesday", "calendar.wd_wed": "Wednesday",
      "calendar.wd_thu": "Thursday", "calendar.wd_fri": "Friday", "calendar.wd_sat": "Saturday",
      "calendar.wd_sun": "Sunday"

      // area a-people
      "admin.users": "Users",
      "admin.devices": "Devices",
      "people.users_title": "Users",
      "people.devices_title": "Devices",
      "people.search": "Search names…",
      "people.user_new": "Add a user",
      "people.user_edit": "Edit user {name}",
      "people.col_username": "Username",
      "people.col_name": "Name",
      "people.col_role": "Role",
      "people.col_counters": "Counters / units",
      "people.col_state": "State",
      "people.role_officer": "Officer",
      "people.role_supervisor": "Supervisor",
      "people.role_admin": "Administrator",
      "people.all_units": "All units",
      "people.active": "Active",
      "people.disabled": "Disabled",
      "people.disable": "Disable",
      "people.enable": "Enable",
      "people.reset_password": "Reset password",
      "people.counters_hint": "Counters (e.g. 12, 13)",
      "people.units_hint": "Units seen (none selected: all)",
      "people.password_hint": "Password (empty: generated)",
      "people.password_once_title": "New password — shown once",
      "people.password_once_note": "Write it down and hand it to the user. It is not stored readably and will not be shown again.",
      "people.password_for": "{name} ({username}):",
      "people.close": "Close",
      "people.user_created": "User {name} created.",
      "people.user_saved": "User {name} saved.",
      "people.user_disabled": "{name} disabled: every session has ended.",
      "people.user_enabled": "{name} enabled.",
      "people.password_reset": "Password of {name} reset: every session has ended.",
      "people.confirm_disable": "Disable {name}? They are logged out at once.",
      "people.confirm_reset": "Reset the password of {name}? They are logged out at once.",
      "people.device_new": "Add a device",
      "people.device_edit": "Edit device {name}",
      "people.col_device": "Device",
      "people.col_place": "Zone / counter",
      "people.col_health": "Contact",
      "people.col_page": "Page / version",
      "people.col_printer": "Printer",
      "people.kind": "Kind",
      "people.zone": "Zone",
      "people.no_zone": "— whole site —",
      "people.whole_site": "Whole site",
      "people.counter": "Counter",
      "people.counter_n": "counter {n}",
      "people.printer": "Printer",
      "people.paper": "Paper",
      "people.no_printer": "No printer",
      "people.printer_ok": "OK",
      "people.printer_near_end": "Paper low",
      "people.printer_out": "Out of paper",
      "people.printer_offline": "Offline",
      "people.printer_unknown": "Unknown",
      "people.health_online": "Online",
      "people.health_offline": "Offline",
      "people.health_never": "Never connected",
      "people.health_revoked": "Revoked",
      "people.seen_at": "last seen {t}",
      "people.devices_count": "{on}/{all} online",
      "people.pair_again": "Pair again",
      "people.revoke": "Revoke",
      "people.pair_title": "Pair the device — shown once",
      "people.pair_note": "Scan the code with the device (or open the link on it). The link is not shown again; pair again if needed.",
      "people.pair_for": "Device {name}:",
      "people.device_created": "Device {name} added.",
      "people.device_saved": "Device {name} saved.",
      "people.device_paired": "New pairing code for {name}: the old one no longer works.",
      "people.device_revoked": "{name} revoked: the device was disconnected.",
      "people.confirm_pair": "Make a new pairing code for {name}? The old one stops at once.",
      "people.confirm_revoke": "Revoke device {name}? It is disconnected at once.",

      // area a-audit
       "admin.audit": "Audit trail"
      , "audit.title": "Audit trail"
      , "audit.person": "Who"
      , "audit.everyone": "Everyone"
      , "audit.people_users": "Users"
      , "audit.people_devices": "Devices"
      , "audit.people_other": "Other"
      , "audit.kind": "Action"
      , "audit.every_kind": "Every action"
      , "audit.whole_group": "{name} — all"
      , "audit.from": "From"
      , "audit.to": "To"
      , "audit.apply": "Filter"
      , "audit.csv": "Download CSV"
      , "audit.col_at": "Time"
      , "audit.col_who": "Who"
      , "audit.col_where": "From address"
      , "audit.col_what": "Action"
      , "audit.col_target": "Target"
      , "audit.col_changes": "Changes (before → after)"
      , "audit.empty": "No entry matches the filters."
      , "audit.more": "Show more"
      , "audit.shown_all": "{n} entries (all shown)."
      , "audit.shown_some": "Showing the latest {n} entries."
      , "audit.bad_date": "Not a valid date: enter a real date (e.g. 01/12/2026)."

      // area a-reports
      , "reports.nav": "Reports",
      "reports.title": "Report from {from} to {to}",
      "reports.from": "From", "reports.to": "To",
      "reports.today": "Today", "reports.week": "This week", "reports.month": "This month",
      "reports.last_month": "Last month", "reports.year": "This year",
      "reports.group": "Group by", "reports.unit": "Unit", "reports.zone": "Zone",
      "reports.priority": "Priority", "reports.channel": "Channel", "reports.all": "All",
      "reports.priority_yes": "With priority", "reports.priority_no": "Without priority",
      "reports.channel_kiosk": "Kiosk", "reports.channel_assisted": "Issued by staff",
      "reports.by_unit": "Unit", "reports.by_service": "Service", "reports.by_counter": "Counter",
      "reports.by_officer": "Officer", "reports.by_hour": "Hour of day", "reports.by_weekday": "Weekday",
      "reports.show": "Show report", "reports.csv": "Download CSV", "reports.xlsx": "Download Excel",
      "reports.print": "Print report", "reports.total": "Total",
      "reports.empty": "No figures for this period.",
      "reports.notes": "Figures count visits (each transfer or requeue starts a new one). Times in whole minutes rounded down; median and p90 by nearest rank. Satisfaction = (very satisfied + satisfied) / ratings.",
      "reports.chart_arrivals": "Arrivals per 15 minutes and counters open (average day)",
      "reports.chart_wait": "Waiting time by hour (minutes)",
      "reports.chart_satisfaction": "Satisfaction by day",
      "reports.legend_arrivals": "Arrivals", "reports.legend_counters": "Counters open",
      "reports.legend_p50": "Median", "reports.legend_p90": "p90",
      "reports.tile_wait": "Wait median / p90 (min)", "reports.tile_ratings": "Ratings",
      "reports.col_issued": "Issued", "reports.col_issued_long": "Tickets issued",
      "reports.col_served": "Served", "reports.col_served_long": "Visits served",
      "reports.col_no_show": "No-show", "reports.col_no_show_long": "Called but absent",
      "reports.col_transferred": "Transf.", "reports.col_transferred_long": "Transferred to another service",
      "reports.col_cancelled": "Canc.", "reports.col_cancelled_long": "Cancelled",
      "reports.col_not_served": "Not srv.", "reports.col_not_served_long": "Not served by the end of the day",
      "reports.col_priority": "Priority", "reports.col_priority_long": "Share of priority tickets",
      "reports.col_wait_p50": "Wait p50", "reports.col_wait_p50_long": "Median waiting time (min)",
      "reports.col_wait_p90": "Wait p90", "reports.col_wait_p90_long": "90% waited at most (min)",
      "reports.col_wait_max": "Wait max", "reports.col_wait_max_long": "Longest wait (min)",
      "reports.col_service_p50": "Srv p50", "reports.col_service_p50_long": "Median service time (min)",
      "reports.col_service_p90": "Srv p90", "reports.col_service_p90_long": "Service time p90 (min)",
      "reports.col_within": "On target", "reports.col_within_long": "Share called within the wait target",
      "reports.col_r4": "V. sat.", "reports.col_r4_long": "Very satisfied",
      "reports.col_r3": "Sat.", "reports.col_r3_long": "Satisfied",
      "reports.col_r2": "Neutral", "reports.col_r2_long": "Neutral",
      "reports.col_r1": "Dissat.", "reports.col_r1_long": "Dissatisfied",
      "reports.col_satisfaction": "Satisfied", "reports.col_satisfaction_long": "Satisfaction (very satisfied + satisfied)"
    }
  };
  ["vi", "en"].forEach(function (l) {
    Object.keys(add[l]).forEach(function (k) { window.XephangStaffText[l][k] = add[l][k]; });
  });
})();
