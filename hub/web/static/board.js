// The office board: refresh the rows every 2 s, sound an alarm while a line is loud.
// No inline script (the CSP forbids it); the rows come from the server, already escaped.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var mute = document.getElementById("mute");
  if (!board || !mute) { return; }
  var url = board.getAttribute("data-rows");
  var muted = window.localStorage.getItem("doorstep-muted") === "1";
  var audio = null;
  var last = null;

  function showMute() {
    mute.setAttribute("aria-pressed", muted ? "true" : "false");
    mute.textContent = muted ? "Alarm sound: muted" : "Alarm sound: on";
  }

  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    if (!audio) { audio = new Ctx(); }
    if (audio.state === "suspended") { audio.resume(); }
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = 880;
    gain.gain.value = 0.2;
    osc.connect(gain);
    gain.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  }

  function alarm() {
    var loud = board.querySelector("[data-loud]") !== null;
    document.body.classList.toggle("alarming", loud);
    if (loud && !muted) { beep(); }
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("board " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html === last) { alarm(); return; }
        last = html;
        var focused = document.activeElement && document.activeElement.id;
        board.innerHTML = html;
        if (focused) {
          var again = document.getElementById(focused);
          if (again) { again.focus(); }
        }
        alarm();
      })
      .catch(function () { /* keep the last rows; the next tick tries again */ });
  }

  mute.addEventListener("click", function () {
    muted = !muted;
    window.localStorage.setItem("doorstep-muted", muted ? "1" : "0");
    showMute();
    if (!muted) { alarm(); }
  });
  showMute();
  alarm();
  window.setInterval(refresh, 2000);
}());
