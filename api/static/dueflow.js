/* Dueflow's pages: live deadline countdowns, the CSRF header for htmx, and read-only procedure diagrams
   (bpmn-js) with the current step, the path taken, or problems marked. No inline scripts (CSP). */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // ---- countdowns: the server renders them; this keeps them current while the page stays open ----
  var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  function duration(seconds) {
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1] * 1.2 || units[i][0] === "minute") {
        var count = Math.max(1, Math.round(seconds / units[i][1]));
        return new Intl.NumberFormat(lang, { style: "unit", unit: units[i][0], unitDisplay: "long" }).format(count);
      }
    }
    return "";
  }
  function tick() {
    document.querySelectorAll("time.countdown[data-due]").forEach(function (node) {
      var seconds = (new Date(node.dataset.due).getTime() - Date.now()) / 1000, overdue = seconds < 0;
      if (window.Intl && node.dataset.left) {
        node.textContent = (overdue ? node.dataset.late : node.dataset.left).replace("{time}", duration(Math.abs(seconds)));
      }
      node.classList.toggle("overdue", overdue);
      node.classList.toggle("soon", !overdue && seconds < 86400);
    });
  }
  setInterval(tick, 30000);

  // ---- htmx: every request carries the CSRF token ----
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf;
  });
  // a verification result names the altered event: mark its row in the timeline
  document.addEventListener("htmx:afterSwap", function (event) {
    var report = event.target.querySelector("[data-bad-seq]");
    document.querySelectorAll("tr.altered").forEach(function (row) { row.classList.remove("altered"); });
    if (report) {
      var row = document.getElementById("event-" + report.dataset.badSeq);
      if (row) { row.classList.add("altered"); }
    }
  });

  // ---- read-only diagrams ----
  function parse(text) { try { return JSON.parse(text || "[]"); } catch (e) { return []; } }
  function note(container, text) {
    var div = document.createElement("div");
    div.className = "diagram-note";
    div.textContent = text;
    container.appendChild(div);
  }
  function mark(viewer, container) {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    var path = parse(container.dataset.path), current = parse(container.dataset.current);
    var passed = {};
    path.forEach(function (id) { passed[id] = true; if (registry.get(id)) { canvas.addMarker(id, "df-done"); } });
    registry.filter(function (e) { return e.type === "bpmn:SequenceFlow"; }).forEach(function (flow) {
      var source = flow.businessObject.sourceRef, target = flow.businessObject.targetRef;
      if (source && target && passed[source.id] && (passed[target.id] || current.indexOf(target.id) >= 0)) {
        canvas.addMarker(flow.id, "df-done");
      }
    });
    current.forEach(function (id) {
      if (registry.get(id)) { canvas.removeMarker(id, "df-done"); canvas.addMarker(id, "df-current"); }
    });
    container.dataset.ready = "true";
  }
  // A large procedure fitted whole is unreadable: then show the current step at a readable size instead
  // (the viewer pans and zooms with the mouse or touch).
  function fit(viewer, container) {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport", "auto");
    var focus = parse(container.dataset.current).concat(parse(container.dataset.path).slice(-1))
      .map(function (id) { return registry.get(id); }).filter(Boolean)[0];
    if (canvas.zoom() >= 0.55 || !focus) { return; }
    canvas.zoom(0.8);
    var box = canvas.viewbox();
    canvas.viewbox({ x: focus.x + focus.width / 2 - box.width / 2, y: focus.y + focus.height / 2 - box.height / 2,
                     width: box.width, height: box.height });
  }
  function show(container) {
    if (!window.BpmnJS) { note(container, container.dataset.missing || ""); return; }
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.dataset.bpmnUrl, { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () { fit(viewer, container); mark(viewer, container); })
      .catch(function () { note(container, container.dataset.failed || ""); });
  }
  // The new-case page lists every procedure's start form; show only the chosen procedure's
  function startForms() {
    var select = document.getElementById("procedure");
    var forms = document.querySelectorAll("fieldset[data-start-form]");
    if (!select || !forms.length) { return; }
    var choose = function () {
      forms.forEach(function (f) { f.hidden = f.dataset.startForm !== select.value; });
    };
    select.addEventListener("change", choose);
    choose();
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    startForms();
    document.querySelectorAll(".diagram[data-bpmn-url]").forEach(show);
  });
})();
