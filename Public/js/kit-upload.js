// The kit upload page: one file, resumable, remembering its upload so a reload carries on.
(function () {
  "use strict";
  var root = document.getElementById("kit-upload");
  if (!root) return;
  var button = document.getElementById("send");
  var input = document.getElementById("file");
  var status = document.getElementById("status");
  var bar = document.getElementById("bar");
  function say(text) { status.textContent = text; }

  button.addEventListener("click", async function () {
    var file = input.files && input.files[0];
    if (!file) { say("Choose the recording first."); input.focus(); return; }
    if (file.size > Number(root.dataset.max)) { say("This file is larger than the service takes."); return; }
    button.disabled = true;
    var key = "tus:" + root.dataset.interview + ":" + file.name + ":" + file.size + ":" + file.lastModified;
    var upload = new window.TusUpload({ csrf: root.dataset.csrf, url: localStorage.getItem(key), onStatus: say });
    try {
      if (upload.url) {
        try { await upload.where(); } catch (e) { upload.url = null; }
      }
      if (!upload.url) {
        await upload.create({ interview: root.dataset.interview, filename: file.name, filetype: file.type || "video/mp4" }, file.size);
        localStorage.setItem(key, upload.url);
      }
      say("Uploading…");
      await upload.send(file, 0, null, function (offset) {
        bar.value = Math.floor(100 * offset / Math.max(1, file.size));
        say("Uploading: " + window.TusUpload.formatBytes(offset) + " of " + window.TusUpload.formatBytes(file.size) + " stored.");
      });
      localStorage.removeItem(key);
      bar.value = 100;
      say("Upload complete: the recording is stored and its SHA-256 recorded. Go back to the interview to see it.");
    } catch (e) {
      say(e.message);
      button.disabled = false;
    }
  });
})();
