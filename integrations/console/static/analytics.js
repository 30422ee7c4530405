/*
 * Shopdesk agent console: the analytics view. Figures from GET /api/agent/analytics (JSON) drawn with
 * Chart.js (vendored in vendor/chart.js/, served with the page), each chart beside a table of the same
 * figures; the CSV export comes from GET /api/agent/analytics.csv with the agent's token.
 *
 * console.js creates it: ShopdeskAnalytics.create({api, token, labels}) -> {show(), reset()}.
 * Every text from the API goes through textContent.
 */
(function () {
  "use strict";

  var BRAND = "#1d4a37";
  var ACCENT = "#f2b134";
  var CHANNEL_COLOURS = { web: BRAND, telegram: "#2f7fb5" };
  var CHANNEL_NAMES = { web: "Web chat", telegram: "Telegram" };
  var SCORE_COLOURS = ["#b42318", "#d9480f", "#b08900", "#5c940d", "#2b8a3e"];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function $(id) {
    return document.getElementById(id);
  }
  function humanize(value) {
    var text = String(value || "").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  function day(iso, withYear) {
    var d = new Date(iso + "T00:00:00Z");
    if (isNaN(d)) return String(iso);
    var options = { day: "numeric", month: "short", timeZone: "UTC" };
    if (withYear) options.year = "numeric";
    return d.toLocaleDateString("en-GB", options);
  }
  function percent(share) {
    if (!share.total) return "–";
    return Math.round((100 * share.count) / share.total) + "%";
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    seconds = Math.round(seconds);
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min " + String(seconds % 60).padStart(2, "0") + " s";
    return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
  }

  /** A table: caption (visually hidden), column headers, rows of cells; the first cell of a row is its header. */
  function table(caption, headers, rows, empty) {
    var wrap = el("div", "figures");
    if (!rows.length) {
      wrap.appendChild(el("p", "muted", empty || "Nothing in this range."));
      return wrap;
    }
    var t = el("table", "figures-table");
    t.appendChild(el("caption", "sr-only", caption));
    var head = el("thead");
    var hr = el("tr");
    headers.forEach(function (h, i) {
      var th = el("th", i ? "num" : null, h);
      th.scope = "col";
      hr.appendChild(th);
    });
    head.appendChild(hr);
    t.appendChild(head);
    var body = el("tbody");
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (cell, i) {
        var c = el(i ? "td" : "th", i ? "num" : null, cell);
        if (!i) c.scope = "row";
        tr.appendChild(c);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    wrap.appendChild(t);
    return wrap;
  }

  function create(deps) {
    var charts = {};
    var loaded = false;
    var busy = false;

    function draw(id, config, description) {
      if (charts[id]) charts[id].destroy();
      var canvas = $(id);
      canvas.setAttribute("aria-label", description);
      if (!window.Chart) {
        canvas.setAttribute("data-unavailable", "true");
        return;
      }
      config.options = Object.assign(
        {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
        },
        config.options || {}
      );
      charts[id] = new window.Chart(canvas, config);
      canvas.setAttribute("data-rendered", "true");
    }

    function put(id, node) {
      var host = $(id);
      clear(host);
      host.appendChild(node);
    }

    function bars(id, items, label, colour, horizontal) {
      draw(
        id,
        {
          type: "bar",
          data: {
            labels: items.map(function (i) {
              return i.label;
            }),
            datasets: [
              {
                label: label,
                data: items.map(function (i) {
                  return i.count;
                }),
                backgroundColor: colour,
                borderRadius: 4,
              },
            ],
          },
          options: {
            indexAxis: horizontal ? "y" : "x",
            scales: {
              x: { beginAtZero: true, ticks: { precision: 0 } },
              y: { beginAtZero: true, ticks: { precision: 0 } },
            },
          },
        },
        label +
          ": " +
          (items.length
            ? items
                .map(function (i) {
                  return i.label + " " + i.count;
                })
                .join(", ")
            : "none")
      );
    }

    function tiles(report) {
      var dl = $("analytics-tiles");
      clear(dl);
      function tile(term, value, note) {
        var box = el("div", "tile");
        box.appendChild(el("dt", null, term));
        var dd = el("dd", value === "Not recorded" ? "tile-none" : null, value);
        if (note) dd.appendChild(el("span", "tile-note", note));
        box.appendChild(dd);
        dl.appendChild(box);
      }
      var reply = report.first_reply;
      var sat = report.satisfaction;
      tile("Conversations", String(report.conversations));
      tile("Resolved by the assistant", percent(report.contained), report.contained.count + " of " + report.contained.total);
      tile("Handed to a person", percent(report.handed_off), report.handed_off.count + " of " + report.handed_off.total);
      tile(
        "Median first agent reply",
        duration(reply.median_seconds),
        reply.replied + " of " + reply.escalations + " escalations answered"
      );
      tile(
        "Satisfaction",
        sat.average === null ? "–" : sat.average.toFixed(1) + " / 5",
        sat.responses + (sat.responses === 1 ? " answer" : " answers")
      );
      var notices = report.notices;
      tile("Notices sent", notices ? String(notices.sent) : "Not recorded", notices ? null : "no notices in this installation");
      tile("Opt-outs", notices ? String(notices.opted_out) : "Not recorded");
    }

    function daily(report) {
      var days = [];
      var channels = [];
      var counts = {};
      report.per_day.forEach(function (d) {
        if (days.indexOf(d.day) < 0) days.push(d.day);
        if (channels.indexOf(d.channel) < 0) channels.push(d.channel);
        counts[d.day + "|" + d.channel] = d.conversations;
      });
      var name = function (ch) {
        return CHANNEL_NAMES[ch] || humanize(ch);
      };
      var total = function (ch) {
        return days.reduce(function (sum, d) {
          return sum + counts[d + "|" + ch];
        }, 0);
      };
      draw(
        "chart-daily",
        {
          type: "bar",
          data: {
            labels: days.map(function (d) {
              return day(d, false);
            }),
            datasets: channels.map(function (ch) {
              return {
                label: name(ch),
                data: days.map(function (d) {
                  return counts[d + "|" + ch];
                }),
                backgroundColor: CHANNEL_COLOURS[ch] || ACCENT,
                borderRadius: 3,
              };
            }),
          },
          options: {
            plugins: { legend: { display: true, position: "bottom" } },
            scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
          },
        },
        "Stacked bar chart of conversations per day: " +
          channels
            .map(function (ch) {
              return name(ch) + " " + total(ch);
            })
            .join(", ") +
          " in " +
          days.length +
          " days"
      );
      put(
        "table-daily",
        table(
          "Conversations per day and channel",
          ["Day"].concat(channels.map(name)),
          days.map(function (d) {
            return [day(d, true)].concat(
              channels.map(function (ch) {
                return String(counts[d + "|" + ch]);
              })
            );
          })
        )
      );
    }

    function render(report) {
      $("analytics-from").value = report.first;
      $("analytics-to").value = report.last;
      $("analytics-scope").textContent =
        "Conversations started " + day(report.first, true) + " – " + day(report.last, true) + " (UTC): " + report.conversations;
      tiles(report);
      daily(report);

      var contained = report.contained;
      draw(
        "chart-containment",
        {
          type: "doughnut",
          data: {
            labels: ["Resolved by the assistant", "Handed to a person"],
            datasets: [{ data: [contained.count, report.handed_off.count], backgroundColor: [BRAND, ACCENT] }],
          },
          options: { plugins: { legend: { display: true, position: "bottom" } } },
        },
        "Doughnut chart: resolved by the assistant " + contained.count + ", handed to a person " + report.handed_off.count
      );
      put(
        "table-containment",
        table("Containment", ["", "Conversations", "Share"], [
          ["Resolved by the assistant", String(contained.count), percent(contained)],
          ["Handed to a person", String(report.handed_off.count), percent(report.handed_off)],
        ])
      );

      var reasons = report.handoff_reasons.map(function (r) {
        return { label: deps.labels.trigger[r.name] || humanize(r.name), count: r.count };
      });
      bars("chart-reasons", reasons, "Escalations by reason", ACCENT, true);
      put(
        "table-reasons",
        table("Handoff reasons", ["Reason", "Escalations"], reasons.map(function (r) {
          return [r.label, String(r.count)];
        }), "No conversation was handed to a person.")
      );

      var intents = report.top_intents.map(function (r) {
        return { label: r.name, count: r.count };
      });
      bars("chart-intents", intents, "Shopper messages by intent", BRAND, true);
      put(
        "table-intents",
        table("Top intents", ["Intent", "Messages"], intents.map(function (r) {
          return [r.label, String(r.count)];
        }), "No intents recorded in this range.")
      );

      var reply = report.first_reply;
      var buckets = reply.buckets.map(function (b) {
        return { label: b.name, count: b.count };
      });
      bars("chart-reply", buckets, "Escalations by time to first agent reply", "#2f7fb5", false);
      put(
        "table-reply",
        table("Time to first agent reply", ["", "Value"], [
          ["Escalations", String(reply.escalations)],
          ["Answered by an agent", String(reply.replied)],
          ["Median", duration(reply.median_seconds)],
          ["90th percentile", duration(reply.p90_seconds)],
          ["Mean", duration(reply.mean_seconds)],
        ])
      );

      var sat = report.satisfaction;
      draw(
        "chart-satisfaction",
        {
          type: "bar",
          data: {
            labels: sat.scores.map(function (s) {
              return s.name;
            }),
            datasets: [
              {
                label: "Answers",
                data: sat.scores.map(function (s) {
                  return s.count;
                }),
                backgroundColor: SCORE_COLOURS,
                borderRadius: 4,
              },
            ],
          },
          options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
        },
        "Bar chart of satisfaction answers: " +
          sat.scores
            .map(function (s) {
              return s.name + " of 5: " + s.count;
            })
            .join(", ")
      );
      put(
        "table-satisfaction",
        table("Satisfaction", ["Score", "Answers"], sat.scores.map(function (s) {
          return [s.name, String(s.count)];
        }).concat([
          ["Average", sat.average === null ? "–" : sat.average.toFixed(2)],
          ["Rating a person's help", String(sat.after_a_person)],
          ["Rating the assistant alone", String(sat.assistant_only)],
        ]))
      );

      put(
        "table-unanswered",
        table("Questions the documents could not answer", ["Question", "Times asked", "Last asked"], report.unanswered.map(function (q) {
          return [q.text, String(q.count), day(q.last_asked.slice(0, 10), true)];
        }), "Every policy question in this range found its answer in the documents.")
      );
    }

    function showError(message) {
      var banner = $("analytics-error");
      banner.textContent = message || "";
      banner.hidden = !message;
    }

    function query() {
      var from = $("analytics-from").value;
      var to = $("analytics-to").value;
      if (!from || !to) return null;
      return "from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
    }

    function load(params) {
      if (busy) return Promise.resolve();
      busy = true;
      showError("");
      $("analytics-view").setAttribute("aria-busy", "true");
      return deps
        .api("GET", "/analytics" + (params ? "?" + params : ""))
        .then(function (report) {
          loaded = true;
          render(report);
        })
        .catch(function (e) {
          showError(e.message);
        })
        .finally(function () {
          busy = false;
          $("analytics-view").removeAttribute("aria-busy");
        });
    }

    $("analytics-range").addEventListener("submit", function (event) {
      event.preventDefault();
      var params = query();
      if (!params) {
        showError("Choose the first and the last day.");
        return;
      }
      if ($("analytics-from").value > $("analytics-to").value) {
        showError("The first day comes after the last one.");
        return;
      }
      load(params);
    });

    $("analytics-csv").addEventListener("click", function () {
      var params = query() || "";
      showError("");
      fetch("/api/agent/analytics.csv" + (params ? "?" + params : ""), {
        headers: { Authorization: "Bearer " + deps.token() },
        credentials: "omit",
        cache: "no-store",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("The export failed (HTTP " + response.status + "). Please try again.");
          var disposition = response.headers.get("Content-Disposition") || "";
          var match = /filename="([^"]+)"/.exec(disposition);
          return response.blob().then(function (blob) {
            var link = el("a");
            link.href = URL.createObjectURL(blob);
            link.download = match ? match[1] : "shopdesk-analytics.csv";
            document.body.appendChild(link);
            link.click();
            setTimeout(function () {
              URL.revokeObjectURL(link.href);
              link.remove();
            }, 1000);
          });
        })
        .catch(function (e) {
          showError(e.message || "The export failed. Please try again.");
        });
    });

    return {
      show: function () {
        if (!loaded) load(query());
      },
      reset: function () {
        loaded = false;
        Object.keys(charts).forEach(function (id) {
          charts[id].destroy();
        });
        charts = {};
      },
    };
  }

  window.ShopdeskAnalytics = { create: create };
})();
