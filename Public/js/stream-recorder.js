// Records a media stream and uploads it while recording: each second's data joins a queue that one sender
// drains through tus (tus-upload.js), so a dropped connection loses nothing already recorded. Used by the
// interview recording page (the camera) and the video call (the call itself, with the victim's consent).
(function () {
  "use strict";

  function StreamRecorder(options) {
    this.options = options;      // { csrf, interview, filename, onStatus, onProgress, onFinished }
    this.upload = null;
    this.queue = [];             // blobs not yet acknowledged, in order
    this.queuedFrom = 0;         // offset of the first byte of queue[0]
    this.recorded = 0;           // bytes recorded so far
    this.stopped = false;
    this.finished = false;
    this.sending = null;
    this.recorder = null;
    this.failed = null;
    var self = this;
    this.whenFinished = new Promise(function (resolve, reject) { self.resolveFinished = resolve; self.rejectFinished = reject; });
    this.whenFinished.catch(function () {});
  }

  StreamRecorder.type = function () {
    return ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"].find(function (t) {
      return window.MediaRecorder && MediaRecorder.isTypeSupported(t);
    }) || "video/webm";
  };

  StreamRecorder.prototype.drain = async function () {
    var self = this, o = this.options;
    while (this.queue.length > 0 || (this.stopped && !this.finished)) {
      if (this.queue.length === 0 && !this.stopped) return;
      var blob = new Blob(this.queue);
      var start = this.queuedFrom;
      var count = this.queue.length;
      var last = this.stopped;
      await this.upload.send(blob, start, last ? this.recorded : null, function (offset) {
        if (o.onProgress) o.onProgress(offset, self.recorded);
      });
      this.queue.splice(0, count);
      this.queuedFrom = start + blob.size;
      if (last && this.queuedFrom === this.recorded) {
        this.finished = true;
        if (o.onFinished) o.onFinished(this.recorded);
        this.resolveFinished(this.recorded);
      }
    }
  };

  StreamRecorder.prototype.kick = function () {
    var self = this;
    if (this.sending) return;
    // The tus client retries what retrying can fix (a dropped connection, a busy server); anything else (the
    // upload refused or expired) ends the recording's upload, said once, rather than being tried for ever.
    this.sending = this.drain().catch(function (e) {
      self.failed = e;
      self.options.onStatus(e.message);
      self.rejectFinished(e);
    }).then(function () {
      self.sending = null;
      if (!self.failed && (self.queue.length > 0 || (self.stopped && !self.finished))) self.kick();
    });
  };

  // Creates the upload and starts recording `stream`; `onStop` runs when the recorder stops.
  StreamRecorder.prototype.start = async function (stream, onStop) {
    var self = this, o = this.options, type = StreamRecorder.type();
    this.upload = new window.TusUpload({ csrf: o.csrf, onStatus: o.onStatus });
    await this.upload.create({ interview: o.interview, filename: o.filename, filetype: type.split(";")[0], source: "browser" }, null);
    this.recorder = new MediaRecorder(stream, { mimeType: type });
    this.recorder.ondataavailable = function (event) {
      if (event.data && event.data.size > 0) {
        self.queue.push(event.data);
        self.recorded += event.data.size;
        self.kick();
      }
    };
    this.recorder.onstop = function () {
      self.stopped = true;
      if (onStop) onStop();
      self.kick();
    };
    this.recorder.start(1000);
    return this.upload.url;
  };

  // Stops recording; the promise settles when every byte is uploaded and the recording is sealed.
  StreamRecorder.prototype.stop = function () {
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    else if (!this.recorder) this.rejectFinished(new Error("The recording had not started."));
    return this.whenFinished;
  };

  window.StreamRecorder = StreamRecorder;
})();
