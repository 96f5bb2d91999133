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
      "admin.edit": "Sửa"
      // area a-config

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

      // area a-audit

      // area a-reports
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
      "admin.edit": "Edit"
      // area a-config

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

      // area a-audit

      // area a-reports
    }
  };
  ["vi", "en"].forEach(function (l) {
    Object.keys(add[l]).forEach(function (k) { window.XephangStaffText[l][k] = add[l][k]; });
  });
})();
