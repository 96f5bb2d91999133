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

      // area a-people

      // area a-audit
      , "admin.audit": "Nhật ký thao tác"
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

      // area a-people

      // area a-audit
      , "admin.audit": "Audit trail"
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
    }
  };
  ["vi", "en"].forEach(function (l) {
    Object.keys(add[l]).forEach(function (k) { window.XephangStaffText[l][k] = add[l][k]; });
  });
})();
