// A small tus 1.0 client for the recording pages: creates an upload, sends bytes with PATCH, and after any
// failure asks the server where it got to (HEAD) and carries on from there, waiting longer each time.
(function () {
  "use strict";

  function b64(text) {
    return btoa(unescape(encodeURIComponent(text)));
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function sha256(blob) {
    if (!window.crypto || !window.crypto.subtle) return null;
    var digest = await window.crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    var bytes = new Uint8Array(digest);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text);
  }

  function Upload(options) {
    this.csrf = options.csrf;
    this.url = options.url || null;
    this.offset = 0;
    this.onStatus = options.onStatus || function () {};
    this.extra = options.headers || {};
  }

  Upload.prototype.headers = function (extra) {
    var h = { "Tus-Resumable": "1.0.0" };
    if (this.csrf) h["X-CSRF-Token"] = this.csrf;
    for (var e in this.extra) h[e] = this.extra[e];
    for (var k in extra) h[k] = extra[k];
    return h;
  };

  // A random key sent with the creation request: when the answer is lost and the request goes again, the
  // server returns the upload the first one made instead of starting a second.
  function attemptKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  Upload.prototype.create = async function (metadata, length) {
    metadata = Object.assign({ attempt: attemptKey() }, metadata);
    var meta = Object.keys(metadata).map(function (k) { return k + " " + b64(metadata[k]); }).join(",");
    var headers = { "Upload-Metadata": meta };
    if (length === null) headers["Upload-Defer-Length"] = "1"; else headers["Upload-Length"] = String(length);
    for (var attempt = 0; ; attempt++) {
      try {
        var response = await fetch("/uploads", { method: "POST", headers: this.headers(headers), credentials: "same-origin" });
        if (response.status === 201) {
          this.url = response.headers.get("Location");
          this.offset = 0;
          return this.url;
        }
        var message = await response.text();
        if (response.status < 500) throw new Error(message || ("The server refused the upload (" + response.status + ")."));
      } catch (e) {
        if (!(e instanceof TypeError)) throw e;
      }
      this.onStatus("Waiting for the connection to start the upload…");
      await sleep(Math.min(30000, 1000 * Math.pow(2, attempt)));
    }
  };

  // Where the server has got to (after a failure, or when resuming an earlier upload).
  Upload.prototype.where = async function () {
    var response = await fetch(this.url, { method: "HEAD", headers: this.headers({}), credentials: "same-origin" });
    if (response.status === 404 || response.status === 410) throw new Error("This upload has ended on the server; start again.");
    if (!response.ok) throw new TypeError("status " + response.status);
    this.offset = parseInt(response.headers.get("Upload-Offset"), 10);
    return this.offset;
  };

  // Sends `blob`, whose first byte is at `start`, until the server holds all of it. `finalLength`, when
  // given, is sent as Upload-Length (a recording that has just ended). Calls `progress(offset)`.
  Upload.prototype.send = async function (blob, start, finalLength, progress) {
    var end = start + blob.size;
    var chunk = 8 * 1024 * 1024;
    var failures = 0;
    var mustAsk = false;
    while (this.offset < end || (finalLength !== null && finalLength !== undefined && this.offset === end && blob.size === 0 && !this.lengthSent)) {
      try {
        if (mustAsk) { await this.where(); mustAsk = false; }
        if (this.offset < start) throw new Error("The server lost bytes it had acknowledged.");
        var from = this.offset - start;
        var piece = blob.slice(from, Math.min(blob.size, from + chunk));
        var headers = { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(this.offset) };
        var digest = await sha256(piece);
        if (digest) headers["Upload-Checksum"] = "sha256 " + digest;
        if (finalLength !== null && finalLength !== undefined) headers["Upload-Length"] = String(finalLength);
        var response = await fetch(this.url, { method: "PATCH", headers: this.headers(headers), body: piece, credentials: "same-origin" });
        if (response.status === 204) {
          this.offset = parseInt(response.headers.get("Upload-Offset"), 10);
          if (finalLength !== null && finalLength !== undefined) this.lengthSent = true;
          failures = 0;
          progress(this.offset);
          if (blob.size === 0) break;
          continue;
        }
        if (response.status === 409 || response.status === 423 || response.status === 460 || response.status >= 500) {
          mustAsk = true;
          throw new TypeError("retry " + response.status);
        }
        throw new Error((await response.text()) || ("The server refused the upload (" + response.status + ")."));
      } catch (e) {
        if (!(e instanceof TypeError)) throw e;
        mustAsk = true;
        failures++;
        this.onStatus("Connection lost: " + formatBytes(this.offset) + " stored safely. Retrying…");
        await sleep(Math.min(30000, 500 * Math.pow(2, failures)));
      }
    }
  };

  function formatBytes(n) {
    if (n < 1024 * 1024) return Math.round(n / 1024) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  window.TusUpload = Upload;
  window.TusUpload.formatBytes = formatBytes;
})();
