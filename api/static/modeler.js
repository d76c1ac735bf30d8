/* The admin's BPMN modeler: the bundle's bpmn-js with the properties panel (api/modeler, built into build/web),
   a check that marks every lint and parse problem on its element, and deployment as a new version. */
(function () {
  "use strict";
  var EMPTY = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="definitions" targetNamespace="http://dueflow.example/bpmn">' +
    '<bpmn:process id="new_procedure" name="New procedure" isExecutable="true">' +
    '<bpmn:startEvent id="start" name="Case filed"/></bpmn:process>' +
    '<bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="new_procedure">' +
    '<bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="160" y="160" width="36" height="36"/>' +
    '</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var texts = (document.getElementById("texts") || { dataset: {} }).dataset;
  var canvasNode = document.getElementById("canvas");
  var statusNode = document.getElementById("status");
  var modeler, marked = [];

  function say(template, values, kind) {
    var text = (template || "").replace(/\{(\w+)\}/g, function (_, name) { return values && name in values ? values[name] : ""; });
    statusNode.className = "notice " + (kind || "ok");
    statusNode.textContent = text;
    return statusNode;
  }

  function clearProblems() {
    var canvas = modeler.get("canvas");
    marked.forEach(function (id) { canvas.removeMarker(id, "df-problem"); });
    marked = [];
    modeler.get("overlays").remove({ type: "problem" });
    document.getElementById("problems").innerHTML = "";
  }

  function showProblems(problems) {
    clearProblems();
    var registry = modeler.get("elementRegistry"), canvas = modeler.get("canvas"), overlays = modeler.get("overlays");
    var list = document.getElementById("problems"), counts = {};
    document.getElementById("problems-empty").hidden = problems.length > 0;
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = problem.severity === "warning" ? "warning" : "error";
      item.dataset.element = problem.element_id || "";
      item.dataset.rule = problem.rule || "";
      var where = document.createElement("code");
      where.textContent = problem.element_id || ((problem.file || "") + (problem.line ? ":" + problem.line : ""));
      var rule = document.createElement("strong");
      rule.textContent = " " + (problem.rule || "") + (problem.severity === "warning" ? " (" + texts.warning + ")" : "");
      var message = document.createElement("div");
      message.textContent = problem.message || "";
      item.appendChild(where); item.appendChild(rule); item.appendChild(message);
      if (problem.detail) {  // the page's language is not the checker's: its own words stay one click away
        var detail = document.createElement("details"), summary = document.createElement("summary");
        summary.textContent = texts.original;
        detail.appendChild(summary); detail.appendChild(document.createTextNode(problem.detail));
        item.appendChild(detail);
      }
      var element = problem.element_id && registry.get(problem.element_id);
      if (element) {
        var show = document.createElement("button");
        show.type = "button"; show.textContent = texts.show;
        show.addEventListener("click", function () {
          canvas.scrollToElement(element); modeler.get("selection").select(element);
        });
        item.appendChild(show);
        if (marked.indexOf(element.id) < 0) { canvas.addMarker(element.id, "df-problem"); marked.push(element.id); }
        counts[element.id] = (counts[element.id] || 0) + 1;
      }
      list.appendChild(item);
    });
    Object.keys(counts).forEach(function (id) {
      var badge = document.createElement("span");
      badge.className = "problem-badge";
      badge.textContent = "!" + counts[id];
      overlays.add(id, "problem", { position: { top: -10, right: 10 }, html: badge });
    });
  }

  function send(url) {
    return modeler.saveXML({ format: true }).then(function (result) {
      var form = new FormData(), key = canvasNode.dataset.key || processId() || "procedure";
      form.append("bpmn", new Blob([result.xml], { type: "application/xml" }), key + ".bpmn");
      form.append("key", canvasNode.dataset.key || "");
      form.append("version", canvasNode.dataset.version || "0");
      var lanes = document.getElementById("lanes");
      if (lanes && lanes.value.trim()) { form.append("lanes", lanes.value.trim()); }
      return fetch(url, { method: "POST", body: form, credentials: "same-origin",
                          headers: { "X-CSRF-Token": csrf, "Accept": "application/json" } });
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function processId() {
    var root = modeler.get("canvas").getRootElement();
    var bo = root && root.businessObject;
    if (bo && bo.$type === "bpmn:Collaboration") { bo = (bo.participants || [])[0] && bo.participants[0].processRef; }
    return bo && bo.id;
  }

  function failed(error) { say(texts.failed, { reason: String(error && error.message || error) }, "bad"); }

  function check() {
    say(texts.checking, {}, "warn");
    return send("/admin/procedures/check").then(function (answer) {
      if (answer.status !== 200) { throw new Error((answer.body.error || {}).message || answer.status); }
      var errors = answer.body.errors || 0;
      showProblems(answer.body.problems || []);
      if (errors) { say(texts.problems, { n: errors }, "bad"); } else { say(texts.noProblems, {}, "ok"); }
    }).catch(failed);
  }

  function deploy() {
    say(texts.deploying, {}, "warn");
    return send("/admin/procedures/deploy").then(function (answer) {
      if (answer.status === 422 && answer.body.problems) {
        showProblems(answer.body.problems);
        say(texts.notDeployed, {}, "bad");
        return;
      }
      if (answer.status !== 200 && answer.status !== 201) {
        throw new Error((answer.body.error || {}).message || answer.status);
      }
      showProblems(answer.body.problems || []);
      var node = say(answer.status === 201 ? texts.deployed : texts.unchanged,
                     { key: answer.body.key, n: answer.body.version }, "ok");
      node.dataset.deployedVersion = answer.body.version;
      var link = document.createElement("a");
      link.href = "/admin/procedures#procedure-" + answer.body.key;
      link.textContent = " " + texts.list;
      node.appendChild(link);
      canvasNode.dataset.key = answer.body.key;
      canvasNode.dataset.version = answer.body.version;
    }).catch(failed);
  }

  function download() {
    modeler.saveXML({ format: true }).then(function (result) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([result.xml], { type: "application/xml" }));
      link.download = (canvasNode.dataset.key || processId() || "procedure") + ".bpmn";
      document.body.appendChild(link); link.click(); link.remove();
    });
  }

  function start() {
    var config = JSON.parse(document.getElementById("modeler-config").textContent);
    modeler = window.DueflowModeler.create({ container: canvasNode, panel: "#properties-panel", dueflow: config });
    var source = canvasNode.dataset.source;
    var xml = source ? fetch(source, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); } return r.text();
    }) : Promise.resolve(EMPTY);
    return xml.then(function (text) { return modeler.importXML(text); }).then(function () {
      // fit, then keep the diagram clear of the palette on the left
      var canvas = modeler.get("canvas"), inner = canvas.viewbox().inner;
      var width = canvasNode.clientWidth, height = canvasNode.clientHeight, left = 130;
      var zoom = Math.max(0.45, Math.min(1, (width - left - 20) / inner.width, (height - 40) / inner.height));
      canvas.viewbox({ x: inner.x - left / zoom, y: inner.y - Math.max(20 / zoom, (height / zoom - inner.height) / 2),
                       width: width / zoom, height: height / zoom });
      canvasNode.dataset.ready = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.DueflowModeler || !canvasNode) { return; }
    document.getElementById("check").addEventListener("click", check);
    document.getElementById("deploy").addEventListener("click", deploy);
    document.getElementById("download").addEventListener("click", download);
    start().catch(failed);
  });
})();
