// Records camera and microphone and uploads while recording (stream-recorder.js), and finishes a recording
// whose page closed before it ended.
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
      var recording = new window.StreamRecorder({
        csrf: root.dataset.csrf, interview: root.dataset.interview,
        filename: "interview-" + new Date().toISOString().replace(/[:.]/g, "-") + ".webm", onStatus: say,
        onProgress: function (offset, recorded) {
          progress.textContent = window.TusUpload.formatBytes(offset) + " uploaded of " + window.TusUpload.formatBytes(recorded) + " recorded.";
        },
        onFinished: function (recorded) {
          say("Recording finished and uploaded: " + window.TusUpload.formatBytes(recorded) + ". Go back to the interview to see it.");
          localStorage.removeItem(key);
          root.dataset.done = "true";
        }
      });
      var url = await recording.start(stream, function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        say("Recording stopped: finishing the upload…");
      });
      localStorage.setItem(key, url);
      root.dataset.recording = "true";
      say("Recording. Press Stop and finish at the end of the interview.");
      stopButton.disabled = false;
      stopButton.focus();
      stopButton.addEventListener("click", function () { stopButton.disabled = true; recording.stop(); }, { once: true });
    } catch (e) {
      say("Could not start recording: " + e.message);
      startButton.disabled = false;
    }
  });
})();
