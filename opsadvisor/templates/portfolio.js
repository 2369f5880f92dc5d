(function () {
  "use strict";
  // The service list of the portfolio page, from the JSON data above (batch/outputs/html_report.py).
  // A row: [id, name, model, mode, suggested, conflicts, pending risks, governance, open decisions, matrix
  // letters, file, place, error]; conflicts, risks and files index the data's tables. A conflict is
  // [kind, message parts...]: its message is the parts joined with the service's name.
  var D = JSON.parse(document.getElementById("data").textContent);
  var rows = D.rows, PAGE = 100, limit = PAGE, open = -1, shown = [];
  var $ = function (id) { return document.getElementById(id); };
  var findings = rows.map(function (r) { return r[5].length + r[6].length + r[8]; });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  function options(id, items) {
    var select = $(id);
    items.forEach(function (item) { var o = el("option", item[1]); o.value = item[0]; select.appendChild(o); });
  }
  var models = {};
  rows.forEach(function (r) { if (r[2]) models[r[2]] = 1; });
  options("f-model", Object.keys(models).sort().map(function (m) { return [m, "model " + m]; }));
  options("f-kind", D.kinds.map(function (k, i) { return [String(i), k[1]]; }));
  options("f-risk", D.risks.map(function (k, i) { return [String(i), k[1]]; }));
  options("f-process", D.processes.map(function (p, i) { return [String(i), p]; }));
  options("f-party", Object.keys(D.parties).map(function (l) { return [l, D.parties[l]]; }));

  var ids = ["q", "f-model", "f-kind", "f-risk", "f-process", "f-party", "sort"];
  function state() {
    var s = {};
    ids.forEach(function (id) { s[id] = $(id).value; });
    return s;
  }
  function matches(r, s, query) {
    if (query && (r[0] + " " + r[1]).toLowerCase().indexOf(query) < 0) return false;
    if (s["f-model"] && r[2] !== s["f-model"]) return false;
    if (s["f-kind"] === "*" ? !r[5].length : s["f-kind"] && !r[5].some(function (c) { return D.conflicts[c][0] === +s["f-kind"]; })) return false;
    if (s["f-risk"] === "*" ? !r[6].length : s["f-risk"] && r[6].indexOf(+s["f-risk"]) < 0) return false;
    var party = s["f-party"], process = s["f-process"];
    if (party && process) return r[9].charAt(2 * process) === party || r[9].charAt(2 * process + 1) === party;
    if (party) return r[9].indexOf(party) >= 0;
    return true;
  }
  var orders = {
    findings: function (a, b) { return findings[b] - findings[a] || a - b; },
    id: function (a, b) { return rows[a][0] < rows[b][0] ? -1 : rows[a][0] > rows[b][0] ? 1 : a - b; },
    name: function (a, b) { return rows[a][1] < rows[b][1] ? -1 : rows[a][1] > rows[b][1] ? 1 : a - b; },
    model: function (a, b) { return rows[a][2] < rows[b][2] ? -1 : rows[a][2] > rows[b][2] ? 1 : a - b; }
  };
  function filter() {
    var s = state(), query = s.q.trim().toLowerCase();
    shown = [];
    for (var i = 0; i < rows.length; i++) if (matches(rows[i], s, query)) shown.push(i);
    shown.sort(orders[s.sort] || orders.findings);
    limit = PAGE;
    render();
  }
  function cell(tr, text, cls) { tr.appendChild(el("td", String(text), cls)); }
  function detail(i) {
    var r = rows[i], td = el("td"), tr = el("tr", undefined, "detail");
    td.colSpan = 7;
    td.appendChild(el("p", "Location: " + D.files[r[10]] + r[11]));
    if (r[12]) td.appendChild(el("p", "Invalid: " + r[12]));
    var lists = [
      ["Conflicts", r[5].map(function (c) { var k = D.conflicts[c]; return D.kinds[k[0]][1] + ": " + k.slice(1).join(r[1]); })],
      ["Pending risks", r[6].map(function (k) { return D.risks[k][1]; })],
      ["Governance areas", r[7].map(function (p) { return D.processes[p] || "?"; })]
    ];
    lists.forEach(function (list) {
      td.appendChild(el("h4", list[0] + " (" + list[1].length + ")"));
      var ul = el("ul");
      list[1].forEach(function (text) { ul.appendChild(el("li", text)); });
      td.appendChild(ul);
    });
    if (r[9]) {
      var table = el("table", undefined, "matrix"), head = el("tr");
      ["process", "application", "interface"].forEach(function (h) { head.appendChild(el("th", h)); });
      table.appendChild(head);
      D.processes.forEach(function (name, p) {
        var row = el("tr");
        row.appendChild(el("td", name));
        [r[9].charAt(2 * p), r[9].charAt(2 * p + 1)].forEach(function (l) { row.appendChild(el("td", D.parties[l] || l)); });
        table.appendChild(row);
      });
      td.appendChild(table);
    }
    tr.appendChild(td);
    return tr;
  }
  function render() {
    var body = document.createElement("tbody");
    shown.slice(0, limit).forEach(function (i) {
      var r = rows[i], tr = el("tr", undefined, r[12] ? "svc invalid" : "svc");
      tr.dataset.index = i;
      cell(tr, r[0]);
      cell(tr, r[1]);
      cell(tr, r[12] ? "invalid" : r[2] + (r[4] ? " (suggested)" : ""));
      cell(tr, r[3] || "");
      cell(tr, r[5].length, r[5].length ? "n has" : "n");
      cell(tr, r[6].length, "n");
      cell(tr, r[8], "n");
      body.appendChild(tr);
      if (i === open) body.appendChild(detail(i));
    });
    var list = $("list");
    list.replaceChild(body, list.tBodies[0]);
    $("shown").textContent = shown.length.toLocaleString("en");
    $("shown").dataset.count = shown.length;
    $("more").hidden = limit >= shown.length;
  }
  ids.forEach(function (id) { $(id).addEventListener(id === "q" ? "input" : "change", filter); });
  $("more").addEventListener("click", function () { limit += PAGE * 10; render(); });
  $("list").addEventListener("click", function (event) {
    var tr = event.target.closest("tr.svc");
    if (!tr) return;
    var i = +tr.dataset.index;
    open = open === i ? -1 : i;
    render();
  });
  // A state in the address (#q=pay&f-model=B&open=3): a shared link, and how the tests drive the page.
  location.hash.slice(1).split("&").forEach(function (pair) {
    var kv = pair.split("="), key = decodeURIComponent(kv[0]), value = decodeURIComponent(kv[1] || "");
    if (key === "open") open = +value;
    else if (ids.indexOf(key) >= 0) $(key).value = value;
  });
  filter();
  document.body.dataset.readyMs = Math.round(performance.now());
})();
