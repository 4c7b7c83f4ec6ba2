# Dates in mail: "Tuesday 8 December, 14:04".
weekday = { $n ->
    [d1] Monday
    [d2] Tuesday
    [d3] Wednesday
    [d4] Thursday
    [d5] Friday
    [d6] Saturday
   *[d7] Sunday
}
month = { $n ->
    [m1] January
    [m2] February
    [m3] March
    [m4] April
    [m5] May
    [m6] June
    [m7] July
    [m8] August
    [m9] September
    [m10] October
    [m11] November
   *[m12] December
}
date-long = { $weekday } { $day } { $month }, { $time }
