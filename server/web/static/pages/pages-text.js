/* pages-text.js — the texts of the server's own pages (index, login, pair), Vietnamese first. */
XephangI18n.init({
  vi: {other_lang: "English", title_home: "Hệ thống xếp hàng", pages: "Các trang",
       kiosk: "Máy lấy số (kiosk)", assist: "Cấp số hỗ trợ (hướng dẫn viên)", board: "Màn hình sảnh",
       counter_display: "Màn hình tại quầy", console: "Bàn làm việc của cán bộ", floor: "Giám sát toàn sàn",
       api: "Tài liệu API (OpenAPI)", login_title: "Đăng nhập", username: "Tên đăng nhập",
       password: "Mật khẩu", login: "Đăng nhập", pair_title: "Ghép nối thiết bị",
       pairing: "Đang ghép nối thiết bị…", pair_missing: "Đường dẫn ghép nối thiếu mã thiết bị.",
       pair_bad: "Mã thiết bị không hợp lệ hoặc đã bị thu hồi.", pair_ok: "Đã ghép nối: {name}. Đang chuyển trang…",
       network: "Không kết nối được máy chủ. Vui lòng thử lại."},
  en: {other_lang: "Tiếng Việt", title_home: "Queue system", pages: "Pages",
       kiosk: "Ticket kiosk", assist: "Assisted issue (guides)", board: "Lobby board",
       counter_display: "Counter display", console: "Officer console", floor: "Floor view (supervisors)",
       api: "API documentation (OpenAPI)", login_title: "Log in", username: "Username",
       password: "Password", login: "Log in", pair_title: "Pair a device",
       pairing: "Pairing this device…", pair_missing: "The pairing link has no device token.",
       pair_bad: "The device token is not valid or was revoked.", pair_ok: "Paired: {name}. Opening…",
       network: "Cannot reach the server. Please try again."}
}, localStorage.getItem("xephang.lang") || "vi");
XephangI18n.apply(document);
document.getElementById("lang-toggle").addEventListener("click", function () {
  var l = XephangI18n.lang() === "vi" ? "en" : "vi";
  localStorage.setItem("xephang.lang", l); XephangI18n.setLang(l); XephangI18n.apply(document);
});
