/* Texts of issue 10 on the staff pages: channels (remote numbers, appointments), check-in. */
(function (texts) {
  var add = {
    vi: { "status.away": "Chưa check-in", "status.expired": "Hết hạn (không check-in)",
          "channel.remote.in": "Từ xa · đã check-in", "channel.appointment.in": "Lịch hẹn · đã check-in",
          "console.away": "{n} số lấy từ xa chưa check-in (chưa được gọi)",
          "floor.appointments": "Lịch hẹn hôm nay", "floor.appt_service": "Lĩnh vực",
          "floor.appt_slot": "Giờ", "floor.appt_booked": "Đã đặt", "floor.appt_checked_in": "Đã check-in",
          "floor.appt_no_show": "Không đến", "floor.appt_none": "Hôm nay không có lịch hẹn",
          "floor.remote": "Số lấy từ xa: {issued} · đã check-in {checked_in} · hết hạn {expired}",
          "floor.sms.phone_key_missing": "Không gửi được SMS: thiếu khóa số điện thoại trên máy chủ (xem nhật ký máy chủ)",
          "floor.sms.phone_key_mismatch": "Không gửi được SMS: khóa số điện thoại trên máy chủ không khớp dữ liệu (xem nhật ký máy chủ)" },
    en: { "status.away": "Not checked in", "status.expired": "Expired (not checked in)",
          "channel.remote.in": "From home · checked in", "channel.appointment.in": "Appointment · checked in",
          "console.away": "{n} numbers taken from home not checked in yet (not called)",
          "floor.appointments": "Today's appointments", "floor.appt_service": "Service",
          "floor.appt_slot": "Time", "floor.appt_booked": "Booked", "floor.appt_checked_in": "Checked in",
          "floor.appt_no_show": "No-show", "floor.appt_none": "No appointments today",
          "floor.remote": "Numbers from home: {issued} · checked in {checked_in} · expired {expired}",
          "floor.sms.phone_key_missing": "SMS cannot be sent: the server's phone key is missing (see the server log)",
          "floor.sms.phone_key_mismatch": "SMS cannot be sent: the server's phone key does not match the database (see the server log)" }
  };
  Object.keys(add).forEach(function (lang) {
    texts[lang] = texts[lang] || {};
    Object.keys(add[lang]).forEach(function (k) { texts[lang][k] = add[lang][k]; });
  });
})(window.XephangStaffText);
