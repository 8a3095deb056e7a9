// A witness's video identification: plays each clip in turn, telling the server when each starts and ends
// (the server counts the passes and opens the answer form after two), and, when no representative of the
// suspect attends, records the witness through the camera and uploads it with tus as it is made.
(function () {
  "use strict";
  var root = document.getElementById("viewing");
  if (!root) return;
  var base = root.dataset.base;
  var clips = parseInt(root.dataset.clips, 10);
  var player = document.getElementById("player");
  var label = document.getElementById("clip-label");
  var status = document.getElementById("status");
  var startButton = document.getElementById("start");
  var form = document.getElementById("answer-form");
  var unlocked = root.dataset.unlocked === "true";
  function say(text) { status.textContent = text; }

  async function tell(position, event) {
    var response = await fetch(base + "/clips/" + position + "/" + event, {
      method: "POST", headers: { "X-Viewing": "1" }, credentials: "same-origin"
    });
    if (!response.ok) throw new Error((await response.text()) || "The server did not accept that.");
    return response.json();
  }

  function playClip(position) {
    return new Promise(function (resolve, reject) {
      label.textContent = "Clip " + position + " of " + clips;
      player.src = base + "/clips/" + position;
      player.onended = function () { resolve(); };
      player.onerror = function () { reject(new Error("Clip " + position + " could not be played.")); };
      tell(position, "started").then(function () { return player.play(); }).catch(reject);
    });
  }

  // The recording of the viewing, when there is one.
  var recorder = null, upload = null, queue = [], queuedFrom = 0, recorded = 0, stopped = false, finished = false, sending = null;
  async function drain() {
    while (queue.length > 0 || (stopped && !finished)) {
      if (queue.length === 0 && !stopped) return;
      var blob = new Blob(queue), start = queuedFrom, count = queue.length, last = stopped;
      await upload.send(blob, start, last ? recorded : null, function () {});
      queue.splice(0, count);
      queuedFrom = start + blob.size;
      if (last && queuedFrom === recorded) finished = true;
    }
  }
  function kick() {
    if (sending) return sending;
    sending = drain().catch(function (e) { say(e.message); }).then(function () {
      sending = null;
      if (queue.length > 0 || (stopped && !finished)) return kick();
    });
    return sending;
  }
  async function startRecording() {
    var stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    var self = document.getElementById("self");
    if (self) { self.srcObject = stream; self.hidden = false; self.play(); }
    var type = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"].find(function (t) { return window.MediaRecorder && MediaRecorder.isTypeSupported(t); }) || "video/webm";
    upload = new window.TusUpload({ headers: { "X-Viewing": "1" }, onStatus: say });
    await upload.create({ interview: root.dataset.interview, filename: "video-identification.webm", filetype: type.split(";")[0], source: "browser" }, null);
    recorder = new MediaRecorder(stream, { mimeType: type });
    recorder.ondataavailable = function (event) {
      if (event.data && event.data.size > 0) { queue.push(event.data); recorded += event.data.size; kick(); }
    };
    recorder.onstop = function () { stopped = true; stream.getTracks().forEach(function (t) { t.stop(); }); kick(); };
    recorder.start(1000);
    root.dataset.recording = "true";
  }

  async function run() {
    startButton.disabled = true;
    try {
      if (root.dataset.record === "true" && !recorder) await startRecording();
      player.hidden = false;
      while (true) {
        var result = null;
        for (var p = 1; p <= clips; p++) {
          await playClip(p);
          result = await tell(p, "ended");
        }
        say("You have seen the whole set " + result.passes + (result.passes === 1 ? " time." : " times."));
        if (result.unlocked) break;
      }
      unlocked = true;
      form.hidden = false;
      root.dataset.done = "true";
      label.textContent = "";
      startButton.textContent = "Watch the set again";
      startButton.disabled = false;
      form.querySelector("input").focus();
    } catch (e) {
      say(e.message + " Press the button to carry on.");
      startButton.disabled = false;
    }
  }
  startButton.addEventListener("click", run);

  // The answer ends the recording: what is recorded is sent before the answer goes.
  if (form) form.addEventListener("submit", function (event) {
    if (!recorder || finished) return;
    event.preventDefault();
    say("Finishing the recording of your viewing…");
    if (recorder.state !== "inactive") recorder.stop();
    var waited = 0;
    var timer = setInterval(function () {
      waited += 250;
      if (finished || waited > 120000) { clearInterval(timer); form.submit(); }
    }, 250);
  });
})();
