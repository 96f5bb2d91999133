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
      "admin.edit": "Edit"
      // area a-config

      // area a-calendar

      // area a-people

      // area a-audit

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
