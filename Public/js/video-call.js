// A video call in the browser (issue 16): the camera and microphone checked first, then a WebSocket to the
// service's signalling relay, and one RTCPeerConnection for each other side: the officer, the victim, and a guest
// the officer invited (an interpreter, a parent or guardian, a supporter). The officer admits the victim and the
// guest; in each pair the earlier of officer, victim, guest makes the offer and the later answers. A dropped socket reconnects with backoff and a victim who comes back is offered a fresh
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
  // The side this page talks to first (its status line and its connection's statistics are about them).
  var primary = role === "officer" ? "victim" : "officer";
  var order = ["officer", "victim", "guest"];
  var checkButton = document.getElementById("check-devices");
  var joinButton = document.getElementById("join");
  var admitButton = document.getElementById("admit");
  var audioButton = document.getElementById("audio-only");
  var local = null, ws = null, peers = {}, ended = false, backoff = 500, admitted = false, guestKind = null;
  var audioOnly = false, chosen = false, poor = 0, good = 0, monitor = null, since = 0, trial = 0;

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
      if (joinButton) { joinButton.hidden = false; joinButton.focus(); } else { connect(); }
    }).catch(function () {
      say(words.failed);
      document.getElementById("in-app").hidden = false;
    });
  });
  if (joinButton) joinButton.addEventListener("click", function () {
    joinButton.hidden = true;
    say(words.waiting);
    var leave = document.getElementById("leave");
    if (leave) leave.hidden = false;
    start(connect);
  });

  // A guest's link is taken for this browser only when they join (a mail scanner or a link preview that opens
  // it first takes nothing); each reconnection asks again, so a withdrawn link or an ended call ends the page.
  function start(then) {
    var path = root.getAttribute("data-start");
    if (!path) { then(); return; }
    fetch(path, { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.ok) { then(); return; }
        // Only the link's own answers end the page (unknown, withdrawn, ended, open elsewhere); a server or a
        // proxy that is briefly unwell is tried again, and the call's media carries on meanwhile.
        if ([404, 409, 410].indexOf(response.status) < 0) { retry(); return; }
        return response.json().catch(function () { return {}; }).then(function (problem) {
          if (problem.reason) { finish(problem.reason); } else { retry(); }
        });
      }).catch(retry);
    function retry() { setTimeout(function () { start(then); }, backoff); backoff = Math.min(backoff * 2, 8000); }
  }
  if (admitButton) admitButton.addEventListener("click", function () {
    admitButton.hidden = true;
    admitted = true;
    send({ type: "admit", to: "victim" });
    offer("victim");
  });

  function connect() {
    if (ended) return;
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.getAttribute("data-signal"));
    ws.onopen = function () { backoff = 500; };
    ws.onmessage = function (event) { handle(JSON.parse(event.data)); };
    ws.onclose = function () {
      if (ended) return;
      say(words.reconnecting);
      setTimeout(function () { start(connect); }, backoff);
      backoff = Math.min(backoff * 2, 8000);
    };
  }

  function handle(m) {
    var from = m.from || primary, p = peers[from];
    switch (m.type) {
      case "state":
        admitted = m.admitted;
        showRecording(!!m.recording);
        // A connection to a guest who is no longer invited (removed while this page was away) ends here.
        if (role !== "guest" && peers.guest && peers.guest.id !== m.guestID) { close("guest"); guestLeft(); }
        if (role === "officer") {
          if (m.peerPresent && admitted) { offer("victim"); } else if (m.peerPresent) { showAdmit(); } else { say(words.waiting); }
          if (m.guestPresent) { if (m.guestAdmitted) { offer("guest", m.guestID); } else { showAdmitGuest(m.guestID); } }
        } else if (admitted) {
          say(words.waiting);
          if (role === "victim" && m.guestPresent) { guestJoined(m.guestKind); offer("guest", m.guestID); }
        }
        break;
      case "peer":
        var who = m.role || (role === "officer" ? "victim" : "officer");
        // About a guest invited before the current one: nothing to do with this call's guest.
        if (who === "guest" && m.guest && admitGuest && admitGuest.dataset.guest && m.guest !== admitGuest.dataset.guest && !m.present) break;
        // A side whose socket dropped may still be connected peer to peer: its connection is kept, and offered
        // afresh when it is back.
        if (!m.present) {
          if (who === primary) say(words.reconnecting);
          if (who === "guest" && admitGuest && !admitGuest.hidden) { admitGuest.hidden = true; guestSay(words.guestLeft); }
          break;
        }
        if (role === "officer" && who === "victim") { if (admitted) { offer("victim"); } else { showAdmit(); } }
        if (role === "officer" && who === "guest") { if (m.admitted) { offer("guest", m.guest); } else { showAdmitGuest(m.guest); } }
        if (role === "victim" && who === "guest" && admitted) { guestJoined(m.kind); offer("guest", m.guest); }
        break;
      case "guest-removed":
        if (m.guest && peers.guest && peers.guest.id && peers.guest.id !== m.guest) break;
        close("guest");
        guestLeft();
        if (admitGuest) admitGuest.hidden = true;
        break;
      case "admitted":
        admitted = true;
        say(words.admitted || words.waiting);
        if (role === "victim" && m.guest) { guestJoined(m.guest); offer("guest", m.guestID); }
        break;
      case "offer": answer(from, m); break;
      case "answer": if (p) p.pc.setRemoteDescription({ type: "answer", sdp: m.sdp }).then(function () { flush(p); }); break;
      case "candidate":
        if (p && p.pc.remoteDescription) { p.pc.addIceCandidate(m.candidate).catch(function () {}); } else if (p) { p.pending.push(m.candidate); }
        break;
      case "media": if (from === primary) say(m.audioOnly ? words.audio : words.inCall); break;
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
      case "bye":
        if (m.from && m.from !== primary) { close(m.from); if (m.from === "guest") guestLeft(); break; }
        finish(m.reason === "not-safe" ? (words.notSafe || words.ended)
          : (m.reason === "removed" || m.reason === "replaced") ? (words.removed || words.ended) : words.ended);
        break;
    }
  }

  // The third participant: the victim is told who joined (and when they leave); the officer admits them.
  var guestNote = document.getElementById("guest-note");
  function guestJoined(kind) {
    guestKind = kind || guestKind;
    if (guestNote) guestNote.textContent = words["guest" + (guestKind || "supporter").replace(/^./, function (c) { return c.toUpperCase(); })] || "";
  }
  function guestLeft() {
    if (guestNote && guestNote.textContent) guestNote.textContent = words.guestLeft || "";
    if (role === "officer") guestSay(words.guestLeft);
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

  function flush(p) {
    p.pending.splice(0).forEach(function (c) { p.pc.addIceCandidate(c).catch(function () {}); });
  }

  function videoFor(other) { return root.querySelector("video[data-peer='" + other + "']"); }

  // Ends the connection with one side (it left, or was removed).
  function close(other) {
    var p = peers[other];
    if (!p) return;
    p.pc.close();
    delete peers[other];
    var video = videoFor(other);
    if (video) { video.srcObject = null; if (other !== primary) video.hidden = true; }
  }

  // A fresh connection to one side, replacing any before it.
  function peer(other, id) {
    close(other);
    var p = { pc: null, pending: [], videoSender: null, id: id };
    var servers = JSON.parse(root.getAttribute("data-ice") || "[]");
    // Someone from outside the police never learns the victim's address: with a relay configured, every
    // connection with the guest goes through it.
    var relay = root.getAttribute("data-ice-policy") === "relay" || ((role === "guest" || other === "guest") && servers.length > 0);
    var pc = p.pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: relay ? "relay" : "all" });
    peers[other] = p;
    local.getTracks().forEach(function (track) {
      var sender = pc.addTrack(track, local);
      if (track.kind === "video") p.videoSender = sender;
    });
    if (audioOnly && p.videoSender) p.videoSender.replaceTrack(null);
    if (trial) limitVideo(true);
    pc.onicecandidate = function (event) {
      if (event.candidate) send({ type: "candidate", to: other, candidate: event.candidate.toJSON() });
    };
    pc.ontrack = function (event) {
      var video = videoFor(other);
      if (video) { video.srcObject = event.streams[0]; video.hidden = false; }
      // Someone who joins or reconnects while the call is being recorded is heard in the recording too.
      if (recordMix && event.track.kind === "audio") {
        audioContext.createMediaStreamSource(new MediaStream([event.track])).connect(recordMix);
      }
    };
    pc.onconnectionstatechange = function () {
      if (peers[other] !== p) return;
      if (pc.connectionState === "connected") {
        if (other === primary) {
          say(audioOnly ? words.audio : words.inCall);
          if (audioButton) audioButton.hidden = false;
          if (evidence) evidence.hidden = false;
          if (recordSection) recordSection.hidden = false;
          watch();
        } else if (role === "officer") {
          guestSay(words.guestIn);
        }
      }
      // The side that offered tries again.
      if (pc.connectionState === "failed" && order.indexOf(role) < order.indexOf(other)) offer(other, p.id);
    };
    return p;
  }

  function offer(other, id) {
    var p = peer(other, id), connection = p.pc;
    connection.createOffer().then(function (o) { return connection.setLocalDescription(o); })
      .then(function () { send({ type: "offer", to: other, sdp: connection.localDescription.sdp }); });
  }

  function answer(other, m) {
    var p = peer(other), connection = p.pc;
    connection.setRemoteDescription({ type: "offer", sdp: m.sdp }).then(function () { flush(p); })
      .then(function () { return connection.createAnswer(); })
      .then(function (a) { return connection.setLocalDescription(a); })
      .then(function () { send({ type: "answer", to: other, sdp: connection.localDescription.sdp }); });
  }

  function senders() {
    return Object.keys(peers).map(function (k) { return peers[k].videoSender; }).filter(Boolean);
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
    var p = peers[primary];
    if (!p) return Promise.reject(new Error("no connection"));
    return p.pc.getStats().then(function (stats) {
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
    senders().forEach(function (s) { s.replaceTrack(on ? null : camera || null); });
    limitVideo(false);
    if (audioButton) audioButton.textContent = on ? audioButton.dataset.video : audioButton.dataset.audio;
    say(on ? words.audio : words.inCall);
    send({ type: "media", audioOnly: on });
  }

  // Caps (or frees) the video's bitrate: a trial of video after a fallback starts small.
  function limitVideo(capped) {
    senders().forEach(function (videoSender) {
      if (!videoSender.getParameters) return;
      var parameters = videoSender.getParameters();
      if (!parameters.encodings || !parameters.encodings.length) return;
      parameters.encodings.forEach(function (e) {
        if (capped) { e.maxBitrate = 200000; e.scaleResolutionDownBy = 2; } else { delete e.maxBitrate; e.scaleResolutionDownBy = 1; }
      });
      videoSender.setParameters(parameters).catch(function () {});
    });
  }

  // Three poor samples in a row (six seconds) fall back to sound. While on sound only, nothing measures video,
  // so every thirty seconds video is tried again, small: two poor samples in the trial and it is sound again;
  // three that are not poor and video stays, at full size. Someone who chose sound only is left alone.
  function watch() {
    if (monitor) return;
    monitor = setInterval(function () {
      var p = peers[primary];
      if (!p || p.pc.connectionState !== "connected") return;
      if (audioOnly) {
        if (!chosen && ++since >= 15) {
          audioOnly = false;
          since = poor = good = 0;
          trial = Date.now();
          senders().forEach(function (s) { s.replaceTrack(local && local.getVideoTracks()[0] || null); });
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
  var recordSection = document.getElementById("recording"), recording = null, audioContext = null, recordMix = null;
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
    recordMix = null;
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
        var mix = recordMix = audioContext.createMediaStreamDestination();
        var guestVideo = videoFor("guest");
        [local, remoteVideo.srcObject, guestVideo && guestVideo.srcObject].forEach(function (s) {
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
    Object.keys(peers).forEach(close);
    if (ws) ws.close();
  }

  function finish(text) {
    stop();
    say(text);
    remoteVideo.srcObject = null;
    showRecording(false);
    ["join", "leave", "audio-only", "admit", "guest"].forEach(function (id) {
      var button = document.getElementById(id);
      if (button) button.hidden = true;
    });
  }

  // The guest leaves of their own accord.
  var leave = document.getElementById("leave");
  if (leave) leave.addEventListener("click", function () {
    Object.keys(peers).forEach(function (other) { send({ type: "bye", to: other }); });
    finish(words.left);
  });

  // The officer invites a guest (the link is shown once), lets them in and can remove them.
  var guestSection = document.getElementById("guest"), admitGuest = document.getElementById("admit-guest");
  function guestSay(text) { var out = document.getElementById("guest-status"); if (out && text) out.textContent = text; }
  // The officer lets in the guest they saw waiting: that invitation, not whoever is invited by then.
  function showAdmitGuest(id) {
    if (!admitGuest) return;
    admitGuest.dataset.guest = id || "";
    admitGuest.hidden = false;
    guestSay(words.guestWaiting);
  }
  if (admitGuest) admitGuest.addEventListener("click", function () {
    admitGuest.hidden = true;
    send({ type: "admit", to: "guest", guest: admitGuest.dataset.guest });
    offer("guest", admitGuest.dataset.guest);
  });
  function officerPost(path, body) {
    return fetch(guestSection.getAttribute("data-invite") + path, {
      method: "POST", body: body || new URLSearchParams(), credentials: "same-origin",
      headers: { "X-CSRF-Token": root.getAttribute("data-csrf"), "Accept": "application/json" }
    });
  }
  if (guestSection) {
    var guestForm = document.getElementById("guest-form"), removeGuest = document.getElementById("remove-guest");
    guestForm.addEventListener("submit", function (event) {
      event.preventDefault();
      ["kind", "name"].forEach(function (f) {
        var error = document.getElementById("guest-" + f + "-error");
        error.hidden = true;
        error.textContent = "";
        document.getElementById("guest-" + f).removeAttribute("aria-invalid");
      });
      var body = new URLSearchParams();
      body.append("kind", document.getElementById("guest-kind").value);
      body.append("name", document.getElementById("guest-name").value);
      officerPost("", body).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.ok) {
            close("guest");
            if (admitGuest) admitGuest.hidden = true;
            document.getElementById("guest-link-panel").hidden = false;
            var link = document.getElementById("guest-link");
            link.value = answer.link;
            document.getElementById("guest-current").textContent = "Invited: " + answer.kind + ", " + answer.name + ".";
            removeGuest.hidden = false;
            guestSay("Their link is ready. Give it to them; when they are waiting, let them in here.");
            link.focus();
            link.select();
            return;
          }
          var errors = answer.errors || [];
          if (!errors.length) { guestSay("The link could not be made (" + response.status + "). Try again."); return; }
          errors.forEach(function (e, i) {
            var error = document.getElementById("guest-" + e.field + "-error"), field = document.getElementById("guest-" + e.field);
            if (!error) return;
            error.textContent = e.message;
            error.hidden = false;
            field.setAttribute("aria-invalid", "true");
            field.setAttribute("aria-describedby", error.id);
            if (i === 0) field.focus();
          });
          guestSay(errors.map(function (e) { return e.message; }).join(" "));
        });
      }).catch(function () { guestSay("The link could not be made: check the connection and try again."); });
    });
    document.getElementById("guest-copy").addEventListener("click", function () {
      var link = document.getElementById("guest-link");
      link.select();
      (navigator.clipboard ? navigator.clipboard.writeText(link.value) : Promise.reject()).then(function () {
        guestSay("Link copied.");
      }, function () { guestSay("Select the link and copy it."); });
    });
    removeGuest.addEventListener("click", function () {
      officerPost("/remove").then(function (response) {
        if (!response.ok && response.status !== 409) { guestSay("They could not be removed (" + response.status + "). Try again."); return; }
        close("guest");
        removeGuest.hidden = true;
        if (admitGuest) admitGuest.hidden = true;
        document.getElementById("guest-link-panel").hidden = true;
        document.getElementById("guest-current").textContent = "";
        guestSay(words.guestRemoved);
      }).catch(function () { guestSay("They could not be removed: check the connection and try again."); });
    });
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
    stats: function (other) { var p = peers[other || primary]; return p ? p.pc.getStats() : null; },
    state: function (other) { var p = peers[other || primary]; return p ? p.pc.connectionState : "none"; },
    judge: judge,
    audioOnly: function () { return audioOnly; }
  };
})();
