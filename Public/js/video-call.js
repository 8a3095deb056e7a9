// A video call in the browser (issue 16): the camera and microphone checked first, then a WebSocket to the
// service's signalling relay, and one RTCPeerConnection. The officer admits the victim and makes the offer; the
// victim answers. A dropped socket reconnects with backoff and a victim who comes back is offered a fresh
// connection. "Not safe now" stops everything at once and leaves a neutral page. On a poor connection the call
// falls back to sound only (either side can also choose it), and video comes back when the connection does.
(function () {
  var root = document.getElementById("call");
  if (!root) return;
  var role = root.getAttribute("data-role");
  var words = document.getElementById("words").dataset;
  var status = document.getElementById("call-status");
  var localVideo = document.getElementById("local-video");
  var remoteVideo = document.getElementById("remote-video");
  var checkButton = document.getElementById("check-devices");
  var joinButton = document.getElementById("join");
  var admitButton = document.getElementById("admit");
  var audioButton = document.getElementById("audio-only");
  var local = null, ws = null, pc = null, pending = [], ended = false, backoff = 500, admitted = false;
  var videoSender = null, audioOnly = false, chosen = false, poor = 0, good = 0, monitor = null, since = 0, trial = 0;

  function say(text) { if (text) status.textContent = text; }
  function send(message) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(message)); }

  // Browsers inside other apps (Facebook, Instagram, Messenger, TikTok, Snapchat, LINE, Android web views) often
  // block the camera even when they seem to offer it: the way to open the link in the phone's own browser is
  // shown at once, and the check stays for those where it works.
  if (/FBAN|FBAV|FB_IAB|Instagram|Messenger|Snapchat|TikTok|musical_ly|Bytedance|\bLine\/|; wv\)/.test(navigator.userAgent)) {
    document.getElementById("in-app").hidden = false;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.RTCPeerConnection) {
    // In-app browsers (social apps, some mail apps) often hide the camera: say how to open the link properly.
    document.getElementById("in-app").hidden = false;
    checkButton.hidden = true;
    return;
  }

  checkButton.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true }).then(function (stream) {
      local = stream;
      localVideo.srcObject = stream;
      checkButton.hidden = true;
      document.getElementById("in-app").hidden = true;
      say(words.checked);
      if (role === "victim") { joinButton.hidden = false; joinButton.focus(); } else { connect(); }
    }).catch(function () {
      say(words.failed);
      document.getElementById("in-app").hidden = false;
    });
  });
  if (joinButton) joinButton.addEventListener("click", function () { joinButton.hidden = true; say(words.waiting); connect(); });
  if (admitButton) admitButton.addEventListener("click", function () {
    admitButton.hidden = true;
    admitted = true;
    send({ type: "admit" });
    offer();
  });

  function connect() {
    if (ended) return;
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.getAttribute("data-signal"));
    ws.onopen = function () { backoff = 500; };
    ws.onmessage = function (event) { handle(JSON.parse(event.data)); };
    ws.onclose = function () {
      if (ended) return;
      say(words.reconnecting);
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 8000);
    };
  }

  function handle(m) {
    switch (m.type) {
      case "state":
        admitted = m.admitted;
        showRecording(!!m.recording);
        if (role === "officer") {
          if (m.peerPresent && admitted) { offer(); } else if (m.peerPresent) { showAdmit(); } else { say(words.waiting); }
        } else if (admitted) { say(words.waiting); }
        break;
      case "peer":
        if (role !== "officer") break;
        if (!m.present) { say(words.reconnecting); break; }
        if (admitted) { offer(); } else { showAdmit(); }
        break;
      case "admitted": say(words.waiting); break;
      case "offer": answer(m); break;
      case "answer": if (pc) pc.setRemoteDescription({ type: "answer", sdp: m.sdp }).then(flush); break;
      case "candidate":
        if (pc && pc.remoteDescription) { pc.addIceCandidate(m.candidate).catch(function () {}); } else { pending.push(m.candidate); }
        break;
      case "media": say(m.audioOnly ? words.audio : words.inCall); break;
      case "recording": showRecording(m.on); break;
      case "evidence":
        var notes = document.getElementById("evidence-note");
        if (notes) {
          var line = document.createElement("p"), link = document.createElement("a");
          line.textContent = (m.kind === "photo" ? words.photo : m.kind === "sound" ? words.sound : words.video) + " ";
          link.href = "/interviews/" + encodeURIComponent(m.interview);
          link.target = "_blank";
          link.rel = "noopener";
          link.textContent = words.open;
          line.appendChild(link);
          notes.appendChild(line);
        }
        break;
      case "bye": finish(m.reason === "not-safe" ? (words.notSafe || words.ended) : words.ended); break;
    }
  }

  // The victim is told the call is being recorded while it is: a live region that is always there, its text set
  // and cleared (a region that appears is often not read out).
  function showRecording(on) {
    var banner = document.getElementById("recording-note");
    if (!banner) return;
    banner.textContent = on ? banner.dataset.text : "";
    banner.classList.toggle("warning-panel", !!on);
  }

  function showAdmit() { if (admitButton) { admitButton.hidden = false; say(words.present); } }

  function flush() {
    pending.splice(0).forEach(function (c) { pc.addIceCandidate(c).catch(function () {}); });
  }

  function peer() {
    if (pc) pc.close();
    pending = [];
    pc = new RTCPeerConnection({
      iceServers: JSON.parse(root.getAttribute("data-ice") || "[]"),
      iceTransportPolicy: root.getAttribute("data-ice-policy") === "relay" ? "relay" : "all"
    });
    videoSender = null;
    local.getTracks().forEach(function (track) {
      var sender = pc.addTrack(track, local);
      if (track.kind === "video") videoSender = sender;
    });
    if (audioOnly && videoSender) videoSender.replaceTrack(null);
    if (trial) limitVideo(true);
    pc.onicecandidate = function (event) { if (event.candidate) send({ type: "candidate", candidate: event.candidate.toJSON() }); };
    pc.ontrack = function (event) { remoteVideo.srcObject = event.streams[0]; };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "connected") {
        say(audioOnly ? words.audio : words.inCall);
        if (audioButton) audioButton.hidden = false;
        if (evidence) evidence.hidden = false;
        if (recordSection) recordSection.hidden = false;
        watch();
      }
      if (pc.connectionState === "failed" && role === "officer") offer();
    };
    return pc;
  }

  function offer() {
    var connection = peer();
    connection.createOffer().then(function (o) { return connection.setLocalDescription(o); })
      .then(function () { send({ type: "offer", sdp: connection.localDescription.sdp }); });
  }

  function answer(m) {
    var connection = peer();
    connection.setRemoteDescription({ type: "offer", sdp: m.sdp }).then(flush)
      .then(function () { return connection.createAnswer(); })
      .then(function (a) { return connection.setLocalDescription(a); })
      .then(function () { send({ type: "answer", sdp: connection.localDescription.sdp }); });
  }

  // How the link is doing, from one sample of the connection's statistics: poor when it can carry less than
  // 150 kbit/s or loses more than 15% of video packets; good when it carries over 400 kbit/s and loses under 5%.
  function judge(sample) {
    var bitrate = sample.bitrate, loss = sample.loss;
    if ((bitrate != null && bitrate < 150000) || (loss != null && loss > 0.15)) return "poor";
    if ((bitrate == null || bitrate > 400000) && (loss == null || loss < 0.05)) return "good";
    return "fair";
  }

  function sample() {
    return pc.getStats().then(function (stats) {
      var found = { bitrate: null, loss: null };
      stats.forEach(function (r) {
        if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded" && r.availableOutgoingBitrate != null) {
          found.bitrate = r.availableOutgoingBitrate;
        }
        if (r.type === "remote-inbound-rtp" && r.kind === "video" && r.fractionLost != null) {
          found.loss = r.fractionLost;
          found.lossAt = r.timestamp;
        }
      });
      return found;
    });
  }

  // Sound only: the camera's track leaves the connection (no renegotiation) and the other side is told.
  function setAudioOnly(on, byChoice) {
    if (on === audioOnly) { chosen = on && (byChoice || chosen); return; }
    audioOnly = on;
    chosen = on && byChoice;
    poor = good = since = trial = 0;
    var camera = local && local.getVideoTracks()[0];
    if (videoSender) videoSender.replaceTrack(on ? null : camera || null);
    limitVideo(false);
    if (audioButton) audioButton.textContent = on ? audioButton.dataset.video : audioButton.dataset.audio;
    say(on ? words.audio : words.inCall);
    send({ type: "media", audioOnly: on });
  }

  // Caps (or frees) the video's bitrate: a trial of video after a fallback starts small.
  function limitVideo(capped) {
    if (!videoSender || !videoSender.getParameters) return;
    var parameters = videoSender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) return;
    parameters.encodings.forEach(function (e) {
      if (capped) { e.maxBitrate = 200000; e.scaleResolutionDownBy = 2; } else { delete e.maxBitrate; e.scaleResolutionDownBy = 1; }
    });
    videoSender.setParameters(parameters).catch(function () {});
  }

  // Three poor samples in a row (six seconds) fall back to sound. While on sound only, nothing measures video,
  // so every thirty seconds video is tried again, small: two poor samples in the trial and it is sound again;
  // three that are not poor and video stays, at full size. Someone who chose sound only is left alone.
  function watch() {
    if (monitor) return;
    monitor = setInterval(function () {
      if (!pc || pc.connectionState !== "connected") return;
      if (audioOnly) {
        if (!chosen && ++since >= 15) {
          audioOnly = false;
          since = poor = good = 0;
          trial = Date.now();
          if (videoSender) videoSender.replaceTrack(local && local.getVideoTracks()[0] || null);
          limitVideo(true);
        }
        return;
      }
      sample().then(function (s) {
        // A loss figure from before a trial began is about the video before the fallback: not this trial's.
        if (trial && s.lossAt && s.lossAt < trial) s.loss = null;
        var verdict = judge(s);
        poor = verdict === "poor" ? poor + 1 : 0;
        good = verdict !== "poor" ? good + 1 : 0;
        if (trial) {
          if (poor >= 2) { audioOnly = false; setAudioOnly(true, false); return; }
          if (good >= 3) { trial = 0; limitVideo(false); send({ type: "media", audioOnly: false }); say(words.inCall); if (audioButton) audioButton.textContent = audioButton.dataset.audio; }
          return;
        }
        if (poor >= 3) setAudioOnly(true, false);
      }).catch(function () {});
    }, 2000);
  }

  if (audioButton) audioButton.addEventListener("click", function () {
    if (trial) {
      // Video is being tried again after a fall back: the click keeps it.
      trial = 0;
      limitVideo(false);
      send({ type: "media", audioOnly: false });
      say(words.inCall);
      audioButton.textContent = audioButton.dataset.audio;
      return;
    }
    setAudioOnly(!audioOnly, true);
  });

  // The victim sends a photo or video of the evidence: the file itself is the request's body.
  var evidence = document.getElementById("evidence");
  if (evidence) evidence.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("evidence-file"), out = document.getElementById("evidence-status");
    var file = input.files && input.files[0];
    if (!file) { out.textContent = evidence.dataset.choose; input.focus(); return; }
    out.textContent = evidence.dataset.sending;
    fetch(root.getAttribute("data-evidence"), {
      method: "POST", body: file, credentials: "same-origin",
      headers: { "Content-Type": file.type || "application/octet-stream", "X-File-Name": encodeURIComponent(file.name),
        "X-CSRF-Token": root.getAttribute("data-csrf") }
    }).then(function (response) {
      out.textContent = response.ok ? evidence.dataset.sent : evidence.dataset.failed;
      if (response.ok) input.value = "";
    }).catch(function () { out.textContent = evidence.dataset.failed; });
  });

  // The officer records the call as an interview, with the victim's agreement: the victim's video with both
  // voices, uploaded while it records. Ending the call finishes the upload first (or gives up after 30 s: the
  // part uploaded is kept and can be finished from the interview's recording page).
  var recordSection = document.getElementById("recording"), recording = null, audioContext = null;
  function recordSay(text) { document.getElementById("record-status").textContent = text; }
  function recordPost(action) {
    var body = new URLSearchParams();
    body.append("action", action);
    body.append("consent", document.getElementById("record-consent").checked ? "yes" : "no");
    return fetch(root.getAttribute("data-record"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": root.getAttribute("data-csrf"), "Accept": "application/json" }
    }).then(function (response) {
      if (response.ok) return response.json();
      return response.json().catch(function () { return {}; }).then(function (problem) {
        throw new Error(problem.detail || problem.reason || ("refused (" + response.status + ")"));
      });
    });
  }
  function stopRecordingNow() {
    if (!recording) return Promise.resolve();
    var finishing = recording.finished ? Promise.resolve() : recording.stop();
    if (!recording.told) { recording.told = true; recordPost("stop").catch(function () {}); }
    return finishing;
  }
  if (recordSection) {
    var startRecording = document.getElementById("record-start"), stopRecording = document.getElementById("record-stop");
    startRecording.addEventListener("click", function () {
      if (!document.getElementById("record-consent").checked) {
        recordSay("Ask the victim first, and tick that they agree.");
        document.getElementById("record-consent").focus();
        return;
      }
      startRecording.disabled = true;
      // Made in the click, so that browsers which want a gesture for sound let it run.
      if (!audioContext) audioContext = new AudioContext();
      audioContext.resume().catch(function () {});
      var starting = null;
      recordPost("start").then(function (answer) {
        var mix = audioContext.createMediaStreamDestination();
        [local, remoteVideo.srcObject].forEach(function (s) {
          if (s && s.getAudioTracks().length) audioContext.createMediaStreamSource(s).connect(mix);
        });
        var tracks = [];
        var theirs = remoteVideo.srcObject && remoteVideo.srcObject.getVideoTracks()[0];
        if (theirs) tracks.push(theirs);
        starting = new window.StreamRecorder({
          csrf: root.getAttribute("data-csrf"), interview: answer.interview,
          filename: "video-call-" + new Date().toISOString().replace(/[:.]/g, "-") + ".webm", onStatus: recordSay,
          onProgress: function (offset, recorded) {
            recordSay("Recording: " + window.TusUpload.formatBytes(offset) + " uploaded of " + window.TusUpload.formatBytes(recorded) + ".");
          },
          onFinished: function (recorded) {
            recordSay("Recording finished and uploaded: " + window.TusUpload.formatBytes(recorded) + ".");
            localStorage.removeItem("recording:" + answer.interview);
            root.dataset.recorded = "true";
          }
        });
        return starting.start(new MediaStream(tracks.concat(mix.stream.getAudioTracks()))).then(function (url) {
          // A page that closes mid-recording: the interview's recording page offers to finish what arrived.
          localStorage.setItem("recording:" + answer.interview, url);
        });
      }).then(function () {
        recording = starting;
        startRecording.hidden = true;
        stopRecording.hidden = false;
        stopRecording.focus();
      }).catch(function (e) {
        recordSay("Could not start recording: " + e.message);
        startRecording.disabled = false;
        recordPost("stop").catch(function () {});
      });
    });
    stopRecording.addEventListener("click", function () {
      stopRecording.disabled = true;
      recordSay("Finishing the recording…");
      stopRecordingNow().catch(function (e) { recordSay("The recording could not be finished: " + e.message); });
    });
    var endForm = document.querySelector("form[action$='/end']");
    if (endForm) endForm.addEventListener("submit", function (event) {
      if (!recording || recording.finished || endForm.dataset.ending) return;
      event.preventDefault();
      endForm.dataset.ending = "true";
      recordSay("Finishing the recording before the call ends…");
      var submit = function () { endForm.submit(); };
      Promise.race([stopRecordingNow(), new Promise(function (resolve) { setTimeout(resolve, 30000); })]).then(submit, submit);
    });
    window.addEventListener("beforeunload", function (event) {
      if (recording && !recording.finished && !(endForm && endForm.dataset.ending)) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  function stop() {
    ended = true;
    if (monitor) clearInterval(monitor);
    if (recording) stopRecordingNow().catch(function () {});
    if (local) local.getTracks().forEach(function (t) { t.stop(); });
    if (pc) pc.close();
    if (ws) ws.close();
  }

  function finish(text) {
    stop();
    say(text);
    remoteVideo.srcObject = null;
    showRecording(false);
  }

  var notSafe = document.getElementById("not-safe");
  if (notSafe) notSafe.addEventListener("click", function () {
    stop();
    var form = new FormData();
    form.append("_csrf", root.getAttribute("data-csrf"));
    navigator.sendBeacon(root.getAttribute("data-not-safe"), form);
    var neutral = document.getElementById("exit-this-page").getAttribute("href");
    document.title = "Loading";
    document.body.innerHTML = "";
    window.location.replace(neutral);
  });
  window.__videoCall = {
    stats: function () { return pc ? pc.getStats() : null; },
    state: function () { return pc ? pc.connectionState : "none"; },
    judge: judge,
    audioOnly: function () { return audioOnly; }
  };
})();
