// The agent console's live updates: one EventSource per page (no library, no CDN).
// The server renders every fragment (Jinja2, escaped); this script only puts
// fragments in place, moves focus to a new pop-up, and reconnects.
(function () {
  "use strict";

  var body = document.body;
  if (!body || body.dataset.live !== "1" || !window.EventSource) {
    return;
  }
  var region = document.getElementById("popup-region");
  var status = document.getElementById("live-status");
  var source = null;

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function say(text) {
    if (!status) {
      return;
    }
    status.textContent = text;
    status.hidden = !text;
  }

  function showPopup(data) {
    var existing = region.querySelector("[data-popup-id]");
    var same = existing && existing.dataset.popupId === data.id;
    region.replaceChildren(fragment(data.html));
    var popup = region.querySelector("[data-popup-id]");
    if (!popup) {
      return;
    }
    // A new call takes the focus (keyboard and screen-reader users land on it);
    // an update of the pop-up already shown keeps the agent where they are.
    if (!same || !popup.contains(document.activeElement)) {
      popup.focus();
    }
  }

  function showActivity(data) {
    var row = document.getElementById("activity-" + data.id);
    if (row) {
      row.replaceWith(fragment(data.html));
      return;
    }
    var lists = document.querySelectorAll("tbody[data-activities]");
    for (var i = 0; i < lists.length; i += 1) {
      var lead = lists[i].dataset.lead;
      if (!lead || lead === data.lead) {
        lists[i].prepend(fragment(data.html));
      }
    }
  }

  function connect() {
    var url = "/events?after=" + encodeURIComponent(body.dataset.seq || "0") +
      "&page=" + encodeURIComponent(body.dataset.page || "/");
    source = new EventSource(url);
    source.addEventListener("open", function () {
      body.dataset.liveState = "open";
      say("");
    });
    source.addEventListener("popup", function (event) {
      showPopup(JSON.parse(event.data));
    });
    source.addEventListener("activity", function (event) {
      showActivity(JSON.parse(event.data));
    });
    source.addEventListener("reload", function () {
      source.close();
      window.location.reload();
    });
    source.addEventListener("bye", function () {
      source.close();
      body.dataset.liveState = "closed";
      say("Live updates paused: the console is open in too many tabs. Reload to resume here.");
    });
    source.addEventListener("error", function () {
      body.dataset.liveState = "reconnecting";
      if (source.readyState === EventSource.CLOSED) {
        // Refused (the server is full or restarting): try again a little later.
        say("Live updates lost; reconnecting…");
        window.setTimeout(connect, 5000);
      }
    });
  }

  connect();
})();
