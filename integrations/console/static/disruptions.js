// The disruptions page of the agent console: record, list and close delivery disruptions
// (the API: /api/agent/disruptions). It uses the session the console's log-in stored for this tab.
(function () {
  "use strict";

  var TOKEN_KEY = "shopdesk-console:token";
  var token = null;
  try {
    token = sessionStorage.getItem(TOKEN_KEY);
  } catch (e) {
    token = null;
  }
  var $ = function (id) {
    return document.getElementById(id);
  };

  function signedOut() {
    $("signed-out").hidden = false;
    $("d-submit").disabled = true;
  }

  function detailText(data, status) {
    var detail = data && data.detail;
    if (typeof detail === "string" && detail) return detail;
    if (Array.isArray(detail) && detail.length && detail[0].msg) {
      var where = detail[0].loc ? String(detail[0].loc[detail[0].loc.length - 1]) : "";
      return (where ? where.replace(/_/g, " ") + ": " : "") + String(detail[0].msg);
    }
    return "Something went wrong (HTTP " + status + "). Please try again.";
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json", Authorization: "Bearer " + token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch("/api/agent/disruptions" + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (response.status === 401) signedOut();
          if (!response.ok) throw new Error(detailText(data, response.status));
          return data;
        });
    });
  }

  function codes(text) {
    return text
      .split(",")
      .map(function (part) {
        return part.trim();
      })
      .filter(Boolean);
  }

  function day(iso) {
    if (!iso) return "until closed";
    return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function render(items) {
    var body = $("list-body");
    body.textContent = "";
    $("list-empty").hidden = items.length > 0;
    $("list").hidden = items.length === 0;
    items.forEach(function (d) {
      var row = document.createElement("tr");
      row.dataset.id = String(d.id);
      var title = cell(row, d.title);
      title.title = d.explanation;
      var where = [d.carrier || "every carrier", d.countries.join(", ") || "every country"];
      if (d.postcode_prefixes.length) where.push(d.postcode_prefixes.join(", "));
      cell(row, where.join(" · "));
      cell(row, String(d.extra_days));
      cell(row, day(d.starts_at));
      cell(row, day(d.ends_at));
      cell(row, d.active ? "Active" : "Ended");
      var actions = cell(row, "");
      if (d.active) {
        var close = document.createElement("button");
        close.type = "button";
        close.className = "btn btn--secondary";
        close.textContent = "Close";
        close.setAttribute("aria-label", "Close " + d.title);
        close.addEventListener("click", function () {
          close.disabled = true;
          api("POST", "/" + d.id + "/close")
            .then(load)
            .catch(function (e) {
              close.disabled = false;
              showError(e.message);
            });
        });
        actions.appendChild(close);
      }
      body.appendChild(row);
    });
  }

  function load() {
    return api("GET", "").then(render);
  }

  function showError(message) {
    var error = $("form-error");
    error.textContent = message;
    error.hidden = !message;
  }

  $("disruption-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showError("");
    $("form-done").textContent = "";
    var ends = $("d-ends").value;
    var body = {
      title: $("d-title").value,
      carrier: $("d-carrier").value.trim() || null,
      countries: codes($("d-countries").value),
      postcode_prefixes: codes($("d-postcodes").value),
      extra_days: Number($("d-days").value),
      ends_at: ends ? new Date(ends).toISOString() : null,
      explanation: $("d-explanation").value,
    };
    $("d-submit").disabled = true;
    api("POST", "", body)
      .then(function (created) {
        $("disruption-form").reset();
        $("form-done").textContent = "Recorded “" + created.title + "”. Affected shoppers are being told.";
        return load();
      })
      .catch(function (e) {
        showError(e.message);
      })
      .finally(function () {
        if (token && $("signed-out").hidden) $("d-submit").disabled = false;
      });
  });

  if (!token) signedOut();
  else load().catch(function (e) {
    showError(e.message);
  });
})();
