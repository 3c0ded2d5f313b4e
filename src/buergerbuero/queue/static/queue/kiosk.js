// Kiosk: scan the booking QR code with the camera where the browser has the BarcodeDetector API.
// Without it (or without a camera) the button stays hidden and the code is typed – nothing else changes.
(function () {
  "use strict";
  var button = document.getElementById("scan-button");
  var video = document.getElementById("scan-video");
  var input = document.getElementById("code");
  var form = document.getElementById("checkin-form");
  var status = document.getElementById("scan-status");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code", "data_matrix"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      status.textContent = status.dataset.hold;
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var started = Date.now();
      var scan = function () {
        if (Date.now() - started > 60000) { stop(); status.textContent = ""; return; }
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stop();
            input.value = codes[0].rawValue;
            form.submit();
          } else {
            window.setTimeout(scan, 250);
          }
        }).catch(function () { window.setTimeout(scan, 500); });
      };
      scan();
    }).catch(function () {
      status.textContent = status.dataset.nocamera;
    });
  });
})();
