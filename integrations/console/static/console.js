/*
 * Shopdesk agent console. No framework, no build step; talks to /api/agent/* on the same origin.
 *
 * - The session token lives in sessionStorage (gone when the tab closes) and goes in the Authorization
 *   header; the WebSocket gets it as its first frame, never in the URL.
 * - Every piece of text from the API goes through textContent. Links are <a> elements built by hand,
 *   http/https only, rel="noopener noreferrer".
 * - Two views: the queue and conversations (#queue), and analytics (#analytics, analytics.js).
 * - Live updates: WS /api/agent/ws. "queue"/"status" frames re-fetch the queue; "message" frames are appended
 *   to the open transcript when they belong to it (deduplicated by message id). After a reconnect the queue
 *   and the open escalation are re-read, so nothing sent meanwhile is lost.
 * - Presence: while the socket is open the console sends {"type": "beat"} every beat_seconds (from the
 *   "ready" frame), and also answers the server's frames with one when a beat is due, since a background tab's
 *   timers may be slowed down but its socket events are not. Without beats the agent stops counting as there.
 *   Available/Away is the agent's own choice (POST /availability); "presence" frames re-fetch the team list.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "shopdesk-console:token";
  var AGENT_KEY = "shopdesk-console:agent";

  var PRIORITY = {
    3: { label: "Urgent", cls: "urgent" },
    2: { label: "High", cls: "high" },
    1: { label: "Normal", cls: "normal" },
  };
  var TRIGGER = {
    asked: "Asked for a person",
    misunderstood: "Assistant misunderstood twice",
    verification_failed: "Order verification failed",
    frustration: "Shopper sounds frustrated",
    sensitive: "Sensitive topic",
    rules: "Shop rules need a person",
    unanswered: "Question not in the policies",
  };
  var STATE = {
    queued: "Waiting",
    claimed: "Claimed",
    email: "Email follow-up",
    handed_back: "Handed back to the assistant",
    resolved: "Resolved",
  };
  var AUTHOR = { shopper: "Shopper", bot: "Assistant", agent: "Agent", system: "System" };
  var NOTE_LABEL = "Internal note — the shopper never sees this";
  var PRESENCE = { available: "Available", away: "Away", offline: "Offline" };

  // ---- state ----------------------------------------------------------------------------------------------
  var token = null;
  var me = null; // {id, username, display_name}
  var queue = []; // QueueItem[] as the API sorts them
  var queueFetchedAt = 0; // performance.now() of the last queue answer: waiting time ticks from there
  var openId = null; // the escalation on screen
  var open = null; // its EscalationDetail (transcript kept separately)
  var seen = {}; // message id -> element, for the open transcript
  var recent = []; // the last message frames, replayed when a transcript finishes loading
  var ws = null;
  var wsAttempts = 0;
  var wsTimer = null;
  var lastFrameAt = 0;
  var queueTimer = null;
  var busy = false;
  var availability = null; // "available" | "away": what this agent chose
  var team = []; // TeamMember[]
  var teamTimer = null;
  var beatEvery = 15000;
  var beatTimer = null;
  var lastBeatAt = 0;

  // ---- DOM helpers ------------------------------------------------------------------------------------------
  var $ = function (id) {
    return document.getElementById(id);
  };
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function show(node, visible) {
    node.hidden = !visible;
  }

  /** A link only for http(s) URLs; anything else is shown as plain text. */
  function safeLink(href, text) {
    var url = null;
    try {
      url = new URL(String(href));
    } catch (e) {
      url = null;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) return el("span", null, text);
    var a = el("a", "link", text);
    a.href = url.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
  var TRAILING = /[.,;:!?)\]}'"]+$/;

  /** Append text to node, turning http(s) URLs into safe links; never parses HTML. */
  function renderText(node, text) {
    text = String(text || "");
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var trimmed = match[0].replace(TRAILING, "");
      var link = safeLink(trimmed, trimmed);
      if (link.tagName !== "A") continue;
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      node.appendChild(link);
      last = match.index + trimmed.length;
      URL_PATTERN.lastIndex = last;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function time(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    return d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  }
  function day(iso) {
    if (!iso) return "";
    var d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso + "T12:00:00" : iso);
    if (isNaN(d)) return String(iso);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
  }
  function dayTime(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    return day(iso) + ", " + time(iso);
  }
  function waited(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min " + String(seconds % 60).padStart(2, "0") + " s";
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + " h " + String(minutes % 60).padStart(2, "0") + " min";
    return Math.floor(hours / 24) + " days";
  }
  function humanize(value) {
    var text = String(value || "").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  // ---- HTTP ---------------------------------------------------------------------------------------------------
  function ApiError(status, detail) {
    this.status = status;
    this.message = detail;
  }

  function detailText(data, status) {
    var detail = data && data.detail;
    if (typeof detail === "string" && detail) return detail.charAt(0).toUpperCase() + detail.slice(1);
    if (Array.isArray(detail) && detail.length && detail[0].msg) return String(detail[0].msg);
    if (status === 0) return "The server can't be reached. Check your connection and try again.";
    return "Something went wrong (HTTP " + status + "). Please try again.";
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    return fetch("/api/agent" + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    }).then(
      function (response) {
        if (response.status === 204) return null;
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            if (!response.ok) {
              if (response.status === 401 && path !== "/login") sessionEnded();
              throw new ApiError(response.status, detailText(data, response.status));
            }
            return data;
          });
      },
      function () {
        throw new ApiError(0, detailText(null, 0));
      }
    );
  }

  // ---- login / logout -----------------------------------------------------------------------------------------
  function showLogin(message) {
    show($("app-view"), false);
    show($("login-view"), true);
    var error = $("login-error");
    error.textContent = message || "";
    show(error, !!message);
    $("login-username").focus();
  }

  function showApp() {
    show($("login-view"), false);
    show($("app-view"), true);
    $("me-name").textContent = me.display_name;
    $("me-avatar").textContent = (me.display_name || "?").charAt(0).toUpperCase();
    connect();
    refreshQueue();
    refreshTeam();
    loadCanned();
    showView(false);
  }

  function remember(newToken, agent) {
    token = newToken;
    me = agent;
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
      sessionStorage.setItem(AGENT_KEY, JSON.stringify(agent));
    } catch (e) {
      /* storage blocked: the session lasts as long as the page */
    }
  }

  function forget() {
    token = null;
    me = null;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(AGENT_KEY);
    } catch (e) {
      /* ignore */
    }
    disconnect();
    if (analytics) analytics.reset();
    queue = [];
    team = [];
    availability = null;
    closeConversation();
    renderQueue();
    renderTeam();
  }

  function sessionEnded() {
    if (!token) return;
    forget();
    showLogin("Your session has ended. Please log in again.");
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var username = $("login-username").value.trim();
    var password = $("login-password").value;
    var error = $("login-error");
    if (!username || !password) {
      error.textContent = "Enter your username and password.";
      show(error, true);
      return;
    }
    var button = event.target.querySelector("button[type=submit]");
    button.disabled = true;
    api("POST", "/login", { username: username, password: password })
      .then(function (result) {
        $("login-password").value = "";
        show(error, false);
        remember(result.token, result.agent);
        showApp();
      })
      .catch(function (e) {
        error.textContent = e.message;
        show(error, true);
        $("login-password").select();
      })
      .finally(function () {
        button.disabled = false;
      });
  });

  $("logout").addEventListener("click", function () {
    var had = token;
    api("POST", "/logout")
      .catch(function () {
        /* the token is dropped either way */
      })
      .finally(function () {
        if (had) {
          forget();
          showLogin("");
        }
      });
  });

  // ---- the queue ----------------------------------------------------------------------------------------------
  function refreshQueue() {
    if (!token) return Promise.resolve();
    return api("GET", "/queue")
      .then(function (items) {
        queue = items;
        queueFetchedAt = performance.now();
        renderQueue();
      })
      .catch(function () {
        /* the next frame or reconnect tries again */
      });
  }

  function scheduleQueueRefresh() {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(refreshQueue, 120); // several frames in a burst: one request
  }

  function claimedByMe(item) {
    return !!(item && me && item.state === "claimed" && item.claimed_by_id === me.id);
  }

  function stateText(item) {
    if (item.state === "claimed") {
      return claimedByMe(item) ? "Claimed by you" : "Claimed by " + (item.claimed_by || "another agent");
    }
    return STATE[item.state] || humanize(item.state);
  }

  function priorityBadge(priority) {
    var p = PRIORITY[priority] || PRIORITY[1];
    var badge = el("span", "badge badge--" + p.cls, p.label);
    badge.setAttribute("title", "Priority: " + p.label);
    return badge;
  }

  function triggerText(item) {
    var text = TRIGGER[item.trigger] || humanize(item.trigger);
    if (item.topic) text += " · " + humanize(item.topic);
    return text;
  }

  function renderQueue() {
    var list = $("queue-list");
    var focused = document.activeElement && document.activeElement.getAttribute("data-escalation");
    clear(list);
    var waiting = queue.filter(function (i) {
      return i.state === "queued";
    }).length;
    $("queue-count").textContent = queue.length ? waiting + " waiting · " + queue.length + " open" : "";
    show($("queue-empty"), queue.length === 0);
    queue.forEach(function (item) {
      var li = el("li");
      var button = el("button", "queue-item queue-item--" + item.state);
      button.type = "button";
      button.setAttribute("data-escalation", String(item.id));
      button.setAttribute("data-conversation-id", item.conversation_id);
      if (item.id === openId) button.setAttribute("aria-current", "true");

      var top = el("span", "qi-top");
      top.appendChild(priorityBadge(item.priority));
      top.appendChild(el("span", "qi-trigger", triggerText(item)));
      button.appendChild(top);

      var order = el("span", "qi-order");
      if (item.verified_order) {
        order.appendChild(el("span", "qi-label", "Order "));
        order.appendChild(el("strong", null, item.verified_order));
      } else {
        order.appendChild(el("span", "qi-none", "No verified order"));
      }
      button.appendChild(order);

      var bottom = el("span", "qi-bottom");
      var wait = el("span", "qi-wait");
      wait.appendChild(el("span", "qi-label", item.state === "claimed" ? "Open " : "Waiting "));
      var clock = el("span", "qi-clock", waited(item.waiting_seconds));
      clock.setAttribute("data-waiting", String(item.waiting_seconds));
      wait.appendChild(clock);
      bottom.appendChild(wait);
      bottom.appendChild(el("span", "qi-state" + (claimedByMe(item) ? " qi-state--mine" : ""), stateText(item)));
      button.appendChild(bottom);

      button.addEventListener("click", function () {
        openEscalation(item.id, true);
      });
      li.appendChild(button);
      list.appendChild(li);
    });
    if (focused) {
      var again = list.querySelector('[data-escalation="' + focused + '"]');
      if (again) again.focus();
    }
  }

  // waiting times tick up between fetches
  setInterval(function () {
    if (!queueFetchedAt) return;
    var elapsed = (performance.now() - queueFetchedAt) / 1000;
    var clocks = document.querySelectorAll(".qi-clock");
    for (var i = 0; i < clocks.length; i++) {
      clocks[i].textContent = waited(Number(clocks[i].getAttribute("data-waiting")) + elapsed);
    }
  }, 1000);

  // ---- presence: my availability and the team ------------------------------------------------------------
  function refreshTeam() {
    if (!token) return Promise.resolve();
    return api("GET", "/team")
      .then(function (members) {
        team = members;
        var mine = members.filter(function (m) {
          return me && m.id === me.id;
        })[0];
        if (mine) availability = mine.availability;
        renderTeam();
      })
      .catch(function () {
        /* the next frame or the periodic refresh tries again */
      });
  }

  function scheduleTeamRefresh() {
    clearTimeout(teamTimer);
    teamTimer = setTimeout(refreshTeam, 120);
  }

  function renderTeam() {
    ["set-available", "set-away"].forEach(function (id) {
      var button = $(id);
      button.setAttribute("aria-pressed", String(button.getAttribute("data-availability") === availability));
    });
    show($("away-note"), availability === "away");
    var list = $("team-list");
    clear(list);
    team.forEach(function (member) {
      var li = el("li", "team-member");
      li.setAttribute("data-agent", member.username);
      li.appendChild(el("span", "team-name", member.display_name + (me && member.id === me.id ? " (you)" : "")));
      var state = PRESENCE[member.presence] ? member.presence : "offline";
      li.appendChild(el("span", "presence presence--" + state, PRESENCE[state]));
      list.appendChild(li);
    });
  }

  function setAvailability(value) {
    if (!token || value === availability) return;
    var error = $("presence-error");
    api("POST", "/availability", { availability: value })
      .then(function (member) {
        show(error, false);
        availability = member.availability;
        renderTeam();
        refreshTeam();
      })
      .catch(function (e) {
        error.textContent = "Your status was not changed: " + e.message;
        show(error, true);
      });
  }

  $("set-available").addEventListener("click", function () {
    setAvailability("available");
  });
  $("set-away").addEventListener("click", function () {
    setAvailability("away");
  });

  // others' consoles can go quiet without a frame saying so: look again now and then
  setInterval(function () {
    if (token) refreshTeam();
  }, 30000);

  function beat(socket) {
    if (ws !== socket || socket.readyState !== 1) return;
    lastBeatAt = Date.now();
    socket.send(JSON.stringify({ type: "beat" }));
  }

  // ---- one escalation ----------------------------------------------------------------------------------------
  function closeConversation() {
    openId = null;
    open = null;
    seen = {};
    clear($("transcript"));
    show($("detail"), false);
    show($("placeholder"), true);
    renderOrder(null, null);
  }

  function openEscalation(id, moveFocus) {
    if (openId !== id) {
      openId = id;
      open = null;
      seen = {};
      clear($("transcript"));
      $("reply").value = "";
      showError("");
      var buttons = document.querySelectorAll(".queue-item");
      for (var i = 0; i < buttons.length; i++) {
        if (Number(buttons[i].getAttribute("data-escalation")) === id) buttons[i].setAttribute("aria-current", "true");
        else buttons[i].removeAttribute("aria-current");
      }
    }
    return refreshDetail().then(function () {
      if (moveFocus && openId === id) $("conversation-title").focus();
    });
  }

  function refreshDetail() {
    if (openId === null || !token) return Promise.resolve();
    var id = openId;
    return api("GET", "/escalations/" + id)
      .then(function (detail) {
        if (openId !== id) return; // the agent moved on meanwhile
        open = detail;
        renderDetail();
        detail.transcript.forEach(addMessage);
        recent.forEach(addMessage); // frames that came while the request was on its way
      })
      .catch(function (e) {
        if (openId === id) showError(e.message);
      });
  }

  function conversationName(detail) {
    if (detail.order && detail.order.customer && detail.order.customer.name) return detail.order.customer.name;
    if (detail.customer_email) return detail.customer_email;
    return "Shopper " + detail.conversation_id.slice(0, 8);
  }

  function renderDetail() {
    var d = open;
    show($("placeholder"), false);
    show($("detail"), true);
    $("conversation-title").textContent = conversationName(d);

    var meta = $("detail-meta");
    clear(meta);
    meta.appendChild(priorityBadge(d.priority));
    meta.appendChild(el("span", "meta-item", triggerText(d)));
    meta.appendChild(el("span", "meta-item state state--" + d.state, stateText(d)));
    if (d.verified_order) meta.appendChild(el("span", "meta-item", "Order " + d.verified_order + " verified"));

    renderSummary($("summary"), d.summary);

    var mine = claimedByMe(d);
    var isOpen = d.state === "queued" || d.state === "claimed" || d.state === "email";
    var othersClaim = d.state === "claimed" && !mine;
    show($("claim"), isOpen && !mine && !othersClaim);
    show($("handback"), mine);
    show($("resolve"), mine);
    show($("composer"), mine);

    var locked = $("composer-locked");
    if (mine) show(locked, false);
    else {
      if (othersClaim) locked.textContent = (d.claimed_by || "Another agent") + " has this conversation.";
      else if (isOpen) locked.textContent = "Claim the conversation to reply to the shopper.";
      else locked.textContent = STATE[d.state] ? STATE[d.state] + "." : "This conversation is closed.";
      show(locked, true);
    }
    renderOrder(d.order, d);
  }

  /** The summary is "Why: …" lines; each becomes a labelled row (a line without a label spans both). */
  function renderSummary(dl, summary) {
    clear(dl);
    String(summary || "")
      .split("\n")
      .forEach(function (line) {
        if (!line.trim()) return;
        var match = /^([A-Z][A-Za-z ]{1,24}): (.*)$/.exec(line);
        var term = el("dt", null, match ? match[1] : "");
        var value = el("dd");
        renderText(value, match ? match[2] : line);
        if (!match) value.className = "wide";
        if (match) dl.appendChild(term);
        dl.appendChild(value);
      });
  }

  function addMessage(m) {
    if (!open || m.conversation_id !== open.conversation_id || seen[m.id]) return;
    var log = $("transcript");
    var item = messageElement(m);
    seen[m.id] = item;
    // keep id order when the POST answer and the socket race each other
    var after = null;
    var children = log.children;
    for (var i = 0; i < children.length; i++) {
      if (Number(children[i].getAttribute("data-id")) > m.id) {
        after = children[i];
        break;
      }
    }
    var nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
    log.insertBefore(item, after);
    if (nearBottom || m.author === "agent") log.scrollTop = log.scrollHeight;
  }

  function messageElement(m) {
    var kind = m.internal ? "note" : m.author;
    var item = el("article", "msg msg--" + kind);
    item.setAttribute("data-id", String(m.id));
    item.setAttribute("data-author", m.author);

    var head = el("p", "msg-head");
    var who;
    if (m.internal) who = NOTE_LABEL;
    else if (m.author === "agent") who = (m.agent_name || "Agent") + " (agent)";
    else who = AUTHOR[m.author] || humanize(m.author);
    head.appendChild(el("span", "msg-author", who));
    if (m.internal && m.agent_name) head.appendChild(el("span", "msg-by", "by " + m.agent_name));
    var stamp = el("time", "msg-time", time(m.created_at));
    stamp.setAttribute("datetime", m.created_at);
    head.appendChild(stamp);
    item.appendChild(head);

    var body = el("p", "msg-text");
    renderText(body, m.text);
    item.appendChild(body);

    if (m.buttons && m.buttons.length) {
      var offered = el("p", "msg-buttons");
      offered.appendChild(el("span", "sr-only", "Offered buttons: "));
      m.buttons.forEach(function (b) {
        offered.appendChild(el("span", "chip", b.title));
      });
      item.appendChild(offered);
    }
    return item;
  }

  function showError(message) {
    var banner = $("detail-error");
    banner.textContent = message || "";
    show(banner, !!message);
  }

  // ---- the order card --------------------------------------------------------------------------------------
  function row(dl, term, value) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", null, term));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = String(value);
    dl.appendChild(dd);
  }

  function statusBadge(status) {
    return el("span", "status status--" + String(status).replace(/[^a-z_]/gi, ""), humanize(status));
  }

  function section(card, title) {
    var s = el("section", "oc-section");
    s.appendChild(el("h4", "oc-title", title));
    card.appendChild(s);
    return s;
  }

  function renderOrder(order, detail) {
    var card = $("order-card");
    clear(card);
    if (!order) {
      var empty = el("div", "oc-empty");
      empty.appendChild(el("p", null, detail ? "No order was verified in this conversation." : "The verified order appears here."));
      if (detail && detail.customer_email) {
        var p = el("p", "muted");
        p.appendChild(document.createTextNode("Customer email: "));
        p.appendChild(el("strong", null, detail.customer_email));
        empty.appendChild(p);
      }
      card.appendChild(empty);
      return;
    }

    var head = el("div", "oc-head");
    var number = el("h3", "oc-number", order.number);
    head.appendChild(number);
    head.appendChild(statusBadge(order.status));
    card.appendChild(head);

    var facts = el("dl", "oc-facts");
    row(facts, "Placed", day(order.placed_at));
    row(facts, "Total", order.total);
    card.appendChild(facts);

    var customer = section(card, "Customer");
    var cdl = el("dl", "oc-facts");
    row(cdl, "Name", order.customer && order.customer.name);
    row(cdl, "Email", order.customer && order.customer.email);
    row(cdl, "Country", order.customer && order.customer.country);
    customer.appendChild(cdl);

    var items = section(card, "Items");
    var ul = el("ul", "oc-lines");
    (order.lines || []).forEach(function (line) {
      var li = el("li");
      li.appendChild(el("span", "oc-qty", line.quantity + " ×"));
      var name = el("span", "oc-name", line.name);
      li.appendChild(name);
      if (line.final_sale) li.appendChild(el("span", "tag", "Final sale"));
      if (line.category) li.appendChild(el("span", "oc-cat", humanize(line.category)));
      ul.appendChild(li);
    });
    items.appendChild(ul);

    var shipments = section(card, "Shipments");
    if (!order.shipments || !order.shipments.length) shipments.appendChild(el("p", "muted", "Not shipped yet."));
    (order.shipments || []).forEach(function (s) {
      var box = el("div", "oc-shipment");
      var sdl = el("dl", "oc-facts");
      row(sdl, "Carrier", s.carrier);
      row(sdl, "Tracking", s.tracking_url ? safeLink(s.tracking_url, s.tracking_number) : s.tracking_number);
      row(sdl, "Shipped", s.shipped_at ? day(s.shipped_at) : "Not yet");
      row(sdl, "Promised", day(s.promised_date));
      row(sdl, "Delivered", s.delivered_at ? dayTime(s.delivered_at) : null);
      if (s.latest_event) {
        var ev = s.latest_event;
        var text = [ev.description || humanize(ev.code), ev.location].filter(Boolean).join(" · ");
        row(sdl, "Latest", text + (ev.occurred_at ? " (" + dayTime(ev.occurred_at) + ")" : ""));
      }
      box.appendChild(sdl);
      shipments.appendChild(box);
    });

    var returns = section(card, "Returns");
    if (!order.returns || !order.returns.length) returns.appendChild(el("p", "muted", "None"));
    else {
      var rl = el("ul", "oc-simple");
      order.returns.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("span", null, r.rma_number));
        li.appendChild(statusBadge(r.status));
        rl.appendChild(li);
      });
      returns.appendChild(rl);
    }

    var refunds = section(card, "Refunds");
    if (!order.refunds || !order.refunds.length) refunds.appendChild(el("p", "muted", "None"));
    else {
      var fl = el("ul", "oc-simple");
      order.refunds.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("span", null, r.amount));
        li.appendChild(statusBadge(r.status));
        fl.appendChild(li);
      });
      refunds.appendChild(fl);
    }
  }

  // ---- agent actions ---------------------------------------------------------------------------------------
  function act(path, body, okFocus) {
    if (openId === null || busy) return Promise.resolve();
    var id = openId;
    busy = true;
    setBusy(true);
    showError("");
    return api("POST", "/escalations/" + id + path, body)
      .then(function (result) {
        if (result && result.conversation_id && result.text !== undefined) addMessage(result);
        return refreshDetail().then(function () {
          refreshQueue();
          if (okFocus && $(okFocus) && !$(okFocus).hidden) $(okFocus).focus();
          return result;
        });
      })
      .catch(function (e) {
        if (openId === id) showError(e.message);
        refreshDetail();
        refreshQueue();
        throw e;
      })
      .finally(function () {
        busy = false;
        setBusy(false);
      });
  }

  function setBusy(on) {
    ["claim", "handback", "resolve", "send", "note"].forEach(function (id) {
      $(id).disabled = on;
    });
  }

  $("claim").addEventListener("click", function () {
    act("/claim", undefined, "reply").catch(function () {});
  });
  $("handback").addEventListener("click", function () {
    act("/handback", undefined, "conversation-title").catch(function () {});
  });
  $("resolve").addEventListener("click", function () {
    act("/resolve", undefined, "conversation-title").catch(function () {});
  });

  function sendText(path) {
    var box = $("reply");
    var text = box.value.trim();
    if (!text) {
      showError("Write something first.");
      box.focus();
      return;
    }
    act(path, { text: text }, "reply")
      .then(function () {
        box.value = "";
      })
      .catch(function () {
        /* the text stays in the box; the banner says why */
      });
  }

  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    sendText("/reply");
  });
  $("note").addEventListener("click", function () {
    sendText("/note");
  });
  $("reply").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText("/reply");
    }
  });

  // ---- canned replies -------------------------------------------------------------------------------------
  var canned = [];
  function loadCanned() {
    api("GET", "/canned")
      .then(function (items) {
        canned = items;
        var select = $("canned");
        while (select.options.length > 1) select.remove(1);
        items.forEach(function (c, i) {
          var option = el("option", null, c.title);
          option.value = String(i);
          select.appendChild(option);
        });
      })
      .catch(function () {
        /* the picker stays empty */
      });
  }
  $("canned").addEventListener("change", function (event) {
    var choice = canned[Number(event.target.value)];
    event.target.value = "";
    if (!choice) return;
    var box = $("reply");
    var start = box.selectionStart || 0;
    var end = box.selectionEnd || 0;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    var gap = before && !/\s$/.test(before) ? " " : "";
    box.value = before + gap + choice.text + after;
    var caret = (before + gap + choice.text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
  });

  // ---- live updates ------------------------------------------------------------------------------------------
  function setConnection(state, text) {
    $("connection").setAttribute("data-state", state);
    $("connection-text").textContent = text;
  }

  function connect() {
    if (!token || (ws && ws.readyState <= 1)) return;
    clearTimeout(wsTimer);
    var socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/api/agent/ws");
    ws = socket;
    if (wsAttempts === 0) setConnection("connecting", "Connecting…");
    socket.onopen = function () {
      lastFrameAt = Date.now();
      socket.send(JSON.stringify({ type: "auth", token: token }));
    };
    socket.onmessage = function (event) {
      lastFrameAt = Date.now();
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (frame.type !== "ready" && Date.now() - lastBeatAt >= beatEvery) beat(socket);
      if (frame.type === "ready") {
        wsAttempts = 0;
        setConnection("live", "Live");
        beatEvery = Math.max(1, Number(frame.beat_seconds) || 15) * 1000;
        lastBeatAt = Date.now(); // connecting counted as one
        clearInterval(beatTimer);
        beatTimer = setInterval(function () {
          beat(socket);
        }, beatEvery);
        refreshTeam();
        // whatever happened while we were away: read it again
        refreshQueue();
        refreshDetail();
      } else if (frame.type === "queue") {
        scheduleQueueRefresh();
      } else if (frame.type === "presence") {
        scheduleTeamRefresh();
      } else if (frame.type === "status") {
        scheduleQueueRefresh();
        if (open && frame.conversation_id === open.conversation_id) refreshDetail();
      } else if (frame.type === "message" && frame.message) {
        recent.push(frame.message);
        if (recent.length > 200) recent.shift();
        addMessage(frame.message);
      }
    };
    socket.onclose = function (event) {
      if (ws !== socket) return;
      ws = null;
      clearInterval(beatTimer);
      if (event.code === 4401) {
        sessionEnded();
        return;
      }
      scheduleReconnect();
    };
  }

  function disconnect() {
    clearTimeout(wsTimer);
    clearInterval(beatTimer);
    if (ws) {
      var socket = ws;
      ws = null;
      socket.onclose = null;
      socket.close();
    }
  }

  function scheduleReconnect() {
    clearTimeout(wsTimer);
    var delay = Math.min(30000, 500 * Math.pow(2, wsAttempts)) * (0.75 + Math.random() * 0.5);
    wsAttempts += 1;
    setConnection("reconnecting", "Reconnecting…");
    wsTimer = setTimeout(function () {
      if (token && !ws) connect();
    }, delay);
  }

  // The server pings every 20 s; a socket silent for longer (sleeping laptop, dead proxy) is replaced.
  setInterval(function () {
    if (ws && ws.readyState === 1 && Date.now() - lastFrameAt > 50000) ws.close();
  }, 10000);
  window.addEventListener("online", function () {
    wsAttempts = 0;
    if (token && !ws) connect();
  });

  // ---- views: conversations or analytics ----------------------------------------------------------------------
  var analytics = window.ShopdeskAnalytics
    ? window.ShopdeskAnalytics.create({
        api: api,
        token: function () {
          return token;
        },
        labels: { trigger: TRIGGER },
      })
    : null;

  function showView(moveFocus) {
    var wantsAnalytics = location.hash === "#analytics" && !!analytics;
    show($("workspace"), !wantsAnalytics);
    show($("analytics-view"), wantsAnalytics);
    var current = wantsAnalytics ? "view-analytics" : "view-queue";
    ["view-queue", "view-analytics"].forEach(function (id) {
      if (id === current) $(id).setAttribute("aria-current", "page");
      else $(id).removeAttribute("aria-current");
    });
    if (wantsAnalytics && token) analytics.show();
    if (moveFocus) (wantsAnalytics ? $("analytics-view") : $("queue-title")).focus();
  }
  window.addEventListener("hashchange", function () {
    if (token) showView(true);
  });

  // ---- start ---------------------------------------------------------------------------------------------------
  function start() {
    try {
      token = sessionStorage.getItem(TOKEN_KEY);
      me = JSON.parse(sessionStorage.getItem(AGENT_KEY) || "null");
    } catch (e) {
      token = null;
    }
    if (!token || !me) {
      showLogin("");
      return;
    }
    api("GET", "/me")
      .then(function (agent) {
        me = agent;
        showApp();
      })
      .catch(function (e) {
        if (e.status === 401) return; // sessionEnded() showed the login form
        showLogin(e.message);
      });
  }
  start();
})();
