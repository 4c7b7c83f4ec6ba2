// Each <time datetime="…">: its hover text in the viewer's own time zone and language.
document.querySelectorAll("time[datetime]").forEach((el) => {
  const at = new Date(el.getAttribute("datetime"));
  if (!isNaN(at)) {
    el.title = at.toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" });
  }
});
