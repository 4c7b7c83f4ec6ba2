# Ngày giờ trong thư: "Thứ Ba, 8 tháng 12, 14:04".
weekday = { $n ->
    [d1] Thứ Hai
    [d2] Thứ Ba
    [d3] Thứ Tư
    [d4] Thứ Năm
    [d5] Thứ Sáu
    [d6] Thứ Bảy
   *[d7] Chủ Nhật
}
month = { $n ->
    [m1] tháng 1
    [m2] tháng 2
    [m3] tháng 3
    [m4] tháng 4
    [m5] tháng 5
    [m6] tháng 6
    [m7] tháng 7
    [m8] tháng 8
    [m9] tháng 9
    [m10] tháng 10
    [m11] tháng 11
   *[m12] tháng 12
}
date-long = { $weekday }, { $day } { $month }, { $time }
# Thời gian so với bây giờ, trên các trang.
time-just-now = vừa xong
time-in-minutes = { $n } phút nữa
time-in-hours = { $n } giờ nữa
time-in-days = { $n } ngày nữa
time-in-months = { $n } tháng nữa
time-in-years = { $n } năm nữa
time-minutes-ago = { $n } phút trước
time-hours-ago = { $n } giờ trước
time-days-ago = { $n } ngày trước
time-months-ago = { $n } tháng trước
time-years-ago = { $n } năm trước
