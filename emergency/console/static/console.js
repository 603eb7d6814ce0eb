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
// File inputs speak Chinese whatever the browser's language: Chromium draws its own
// "Choose File / No file chosen"; each input gets a 选择文件 button and the chosen name
// beside it (the input itself stays in the form, focusable, and works without script).
function zhFileInputs(root) {
  root.querySelectorAll('input[type="file"]:not([data-zh])').forEach(function (input) {
    input.setAttribute("data-zh", "1");
    input.classList.add("file-native");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "file-choose";
    button.textContent = "选择文件";
    var name = document.createElement("span");
    name.className = "file-name";
    name.textContent = "未选择文件";
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      name.textContent = input.files && input.files.length ? input.files[0].name : "未选择文件";
    });
    var pick = document.createElement("span");
    pick.className = "file-pick";
    pick.appendChild(button);
    pick.appendChild(name);
    input.insertAdjacentElement("afterend", pick);
  });
}
document.addEventListener("DOMContentLoaded", function () { zhFileInputs(document); });
