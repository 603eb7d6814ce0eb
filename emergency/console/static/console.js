// The console's only script (served by the application; no inline script anywhere).
// "返回上一页" links go back in history; everything else works without script.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
// Buttons that commit a change are disabled after the first click (no double issue).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.id === "commit") {
    setTimeout(function () { button.disabled = true; button.textContent = "正在提交…"; }, 0);
  }
});
