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
# A time relative to now, on the pages.
time-just-now = just now
time-in-minutes = { $n ->
    [one] in 1 minute
   *[other] in { $n } minutes
}
time-in-hours = { $n ->
    [one] in 1 hour
   *[other] in { $n } hours
}
time-in-days = { $n ->
    [one] in 1 day
   *[other] in { $n } days
}
time-in-months = { $n ->
    [one] in 1 month
   *[other] in { $n } months
}
time-in-years = { $n ->
    [one] in 1 year
   *[other] in { $n } years
}
time-minutes-ago = { $n ->
    [one] 1 minute ago
   *[other] { $n } minutes ago
}
time-hours-ago = { $n ->
    [one] 1 hour ago
   *[other] { $n } hours ago
}
time-days-ago = { $n ->
    [one] 1 day ago
   *[other] { $n } days ago
}
time-months-ago = { $n ->
    [one] 1 month ago
   *[other] { $n } months ago
}
time-years-ago = { $n ->
    [one] 1 year ago
   *[other] { $n } years ago
}
