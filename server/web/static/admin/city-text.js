/* Text of the city level (issue 9, branch e-city), added to the staff catalogue: Vietnamese
   first, English second. */
(function () {
  "use strict";
  var add = {
    vi: {
      "city.nav": "Thành phố",
      "city.title": "Các điểm phục vụ của thành phố",
      "city.hint": "Chọn một điểm để quản lý người dùng, thiết bị và xem báo cáo của điểm đó.",
      "city.report_link": "Báo cáo toàn thành phố",
      "city.col_site": "Điểm phục vụ", "city.col_counters": "Quầy", "city.col_devices": "Thiết bị",
      "city.col_users": "Người dùng", "city.col_issued": "Đã cấp hôm nay",
      "city.col_waiting": "Đang chờ", "city.col_served": "Đã phục vụ", "city.col_manage": "Quản lý",
      "city.users": "Người dùng", "city.devices": "Thiết bị", "city.reports": "Báo cáo",
      "city.total": "Toàn thành phố",
      "city.acting": "Bạn đang quản trị điểm phục vụ: {site}.",
      "city.back": "Về danh sách điểm",
      "city.report_title": "Báo cáo toàn thành phố",
      "city.report_period": "Từ {from} đến {to}, theo từng điểm phục vụ.",
      "city.col_wait_avg": "Chờ TB (phút)",
      "city.csv": "Tải CSV (thành phố)",
      "city.empty": "Không có số liệu trong khoảng thời gian này."
    },
    en: {
      "city.nav": "City",
      "city.title": "The city's service sites",
      "city.hint": "Pick a site to manage its users and devices and read its reports.",
      "city.report_link": "City-wide report",
      "city.col_site": "Site", "city.col_counters": "Counters", "city.col_devices": "Devices",
      "city.col_users": "Users", "city.col_issued": "Issued today",
      "city.col_waiting": "Waiting", "city.col_served": "Served", "city.col_manage": "Manage",
      "city.users": "Users", "city.devices": "Devices", "city.reports": "Reports",
      "city.total": "Whole city",
      "city.acting": "You are administering the site: {site}.",
      "city.back": "Back to the sites",
      "city.report_title": "City-wide report",
      "city.report_period": "From {from} to {to}, site by site.",
      "city.col_wait_avg": "Avg wait (min)",
      "city.csv": "Download CSV (city)",
      "city.empty": "No figures in this period."
    }
  };
  ["vi", "en"].forEach(function (l) {
    Object.keys(add[l]).forEach(function (k) { window.XephangStaffText[l][k] = add[l][k]; });
  });
})();
