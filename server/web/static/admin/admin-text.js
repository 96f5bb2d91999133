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

      // area a-reports
    }
  };
  ["vi", "en"].forEach(function (l) {
    Object.keys(add[l]).forEach(function (k) { window.XephangStaffText[l][k] = add[l][k]; });
  });
})();
