// Records camera and microphone and uploads while recording: each second's data joins a queue that one
// sender drains through tus, so a dropped connection loses nothing already recorded.
(function () {
  "use strict";
  var root = document.getElementById("recorder");
  if (!root) return;
  var startButton = document.getElementById("start");
  var stopButton = document.getElementById("stop");
  var preview = document.getElementById("preview");
  var status = document.getElementById("status");
  var progress = document.getElementById("progress");
  function say(text) { status.textContent = text; }

  var upload = null;
  var queue = [];          // blobs not yet acknowledged, in order
  var queuedFrom = 0;      // offset of the first byte of queue[0]
  var recorded = 0;        // bytes recorded so far
  var stopped = false;
  var sending = null;
  var finished = false;

  async function drain() {
    while (queue.length > 0 || (stopped && !finished)) {
      if (queue.length === 0 && !stopped) return;
      var blob = new Blob(queue);
      var start = queuedFrom;
      var count = queue.length;
      var last = stopped;
      await upload.send(blob, start, last ? recorded : null, function (offset) {
        progress.textContent = window.TusUpload.formatBytes(offset) + " uploaded of " + window.TusUpload.formatBytes(recorded) + " recorded.";
      });
      queue.splice(0, count);
      queuedFrom = start + blob.size;
      if (last && queuedFrom === recorded) {
        finished = true;
        say("Recording finished and uploaded: " + window.TusUpload.formatBytes(recorded) + ". Go back to the interview to see it.");
        localStorage.removeItem(key);
        root.dataset.done = "true";
      }
    }
  }

  function kick() {
    if (sending) return;
    sending = drain().catch(function (e) { say(e.message); }).then(function () {
      sending = null;
      if (queue.length > 0 || (stopped && !finished)) kick();
    });
  }

  // A recording whose page closed (a crashed tab, a flat battery) before it finished: what reached the
  // server is kept, and can be finished as it stands so it is not lost when unfinished uploads expire.
  var key = "recording:" + root.dataset.interview;
  var earlier = localStorage.getItem(key);
  var finishEarlier = document.getElementById("finish-earlier");
  if (earlier && finishEarlier) {
    var probe = new window.TusUpload({ csrf: root.dataset.csrf, url: earlier, onStatus: say });
    probe.where().then(function (offset) {
      if (offset > 0) {
        finishEarlier.hidden = false;
        finishEarlier.querySelector("span").textContent = window.TusUpload.formatBytes(offset);
        finishEarlier.querySelector("button").addEventListener("click", async function () {
          try {
            await probe.send(new Blob([]), offset, offset, function () {});
            localStorage.removeItem(key);
            finishEarlier.hidden = true;
            say("The earlier recording is finished at " + window.TusUpload.formatBytes(offset) + " and kept.");
          } catch (e) { say(e.message); }
        });
      } else {
        localStorage.removeItem(key);
      }
    }).catch(function () { localStorage.removeItem(key); });
  }

  startButton.addEventListener("click", async function () {
    startButton.disabled = true;
    try {
      var stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      preview.srcObject = stream;
      preview.play();
      var type = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"].find(function (t) { return window.MediaRecorder && MediaRecorder.isTypeSupported(t); }) || "video/webm";
      upload = new window.TusUpload({ csrf: root.dataset.csrf, onStatus: say });
      await upload.create({ interview: root.dataset.interview, filename: "interview-" + new Date().toISOString().replace(/[:.]/g, "-") + ".webm", filetype: type.split(";")[0], source: "browser" }, null);
      localStorage.setItem(key, upload.url);
      var recorder = new MediaRecorder(stream, { mimeType: type });
      recorder.ondataavailable = function (event) {
        if (event.data && event.data.size > 0) {
          queue.push(event.data);
          recorded += event.data.size;
          kick();
        }
      };
      recorder.onstop = function () {
        stopped = true;
        stream.getTracks().forEach(function (t) { t.stop(); });
        say("Recording stopped: finishing the upload…");
        kick();
      };
      recorder.start(1000);
      root.dataset.recording = "true";
      say("Recording. Press Stop and finish at the end of the interview.");
      stopButton.disabled = false;
      stopButton.focus();
      stopButton.addEventListener("click", function () { stopButton.disabled = true; recorder.stop(); }, { once: true });
    } catch (e) {
      say("Could not start recording: " + e.message);
      startButton.disabled = false;
    }
  });
})();
