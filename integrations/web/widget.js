/*
 * Shopdesk chat widget. Embed with one tag on any page:
 *   <script src="https://support.example/widget.js" data-shopdesk-url="https://support.example" defer></script>
 * Optional: data-shopdesk-title="Harbour & Pine help", data-shopdesk-greeting="Hi! ...".
 *
 * No framework, no build step. Every piece of message text goes through textContent (links become <a>
 * elements built by hand, http/https only). The conversation id, its token and the cursor (the largest
 * message id seen) live in localStorage, so a reload restores the history and a dropped WebSocket
 * reconnects from the cursor: nothing is lost, and message ids make sure nothing shows twice.
 */
(function () {
  "use strict";
  if (window.__shopdeskWidget) return;
  window.__shopdeskWidget = true;

  var script = document.currentScript;
  var attr = function (name, fallback) {
    var value = script && script.getAttribute(name);
    return value ? value : fallback;
  };
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var BASE = new URL(attr("data-shopdesk-url", scriptOrigin), location.href).href.replace(/\/+$/, "");
  var TITLE = attr("data-shopdesk-title", "Customer support");
  var GREETING = attr(
    "data-shopdesk-greeting",
    "Hi! I can check where your order is, explain a delay, help with returns or answer questions about our policies."
  );
  var STORE_KEY = "shopdesk:" + BASE;
  var AUTHOR_LABEL = { shopper: "You", bot: "Assistant", agent: "Support agent", system: "Notice" };
  var STATUS_LABEL = {
    bot: "Assistant · replies instantly",
    queued: "Waiting for a person to join…",
    agent: "You're chatting with our team",
    closed: "This conversation has ended",
  };

  // ---- state ------------------------------------------------------------------------------------------
  var state = load();
  var seen = {}; // message id -> element
  var pending = {}; // client_message_id -> element
  var inFlight = 0;
  var status = "bot";
  var ws = null;
  var wsAttempts = 0;
  var wsTimer = null;
  var lastFrameAt = 0;
  var starting = null;

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (saved && typeof saved.id === "string" && typeof saved.token === "string") {
        return { id: saved.id, token: saved.token, cursor: Number(saved.cursor) || 0 };
      }
    } catch (e) {
      /* storage blocked or corrupt: start afresh */
    }
    return { id: null, token: null, cursor: 0 };
  }
  function save() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) {
      /* private mode: the conversation lasts as long as the page */
    }
  }
  function forget() {
    if (ws) {
      ws.onclose = null;
      ws.close();
      ws = null;
    }
    state = { id: null, token: null, cursor: 0 };
    save();
  }
  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  // ---- DOM ----------------------------------------------------------------------------------------------
  function el(tag, className, props) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (props) {
      Object.keys(props).forEach(function (key) {
        if (key === "text") node.textContent = props[key];
        else node.setAttribute(key, props[key]);
      });
    }
    return node;
  }

  function chatIcon() {
    var NS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "sd-launcher-icon");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(NS, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute(
      "d",
      "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"
    );
    svg.appendChild(path);
    return svg;
  }

  if (!document.querySelector('link[data-shopdesk-css]')) {
    var css = el("link", null, { rel: "stylesheet", href: BASE + "/widget.css", "data-shopdesk-css": "" });
    document.head.appendChild(css);
  }

  var root = el("div", "sd-root");
  var launcher = el("button", "sd-launcher", {
    type: "button",
    "aria-expanded": "false",
    "aria-controls": "sd-panel",
    "aria-label": "Open the support chat",
  });
  launcher.appendChild(chatIcon());
  launcher.appendChild(el("span", "sd-launcher-text", { text: "Chat with us" }));

  var panel = el("section", "sd-panel", { id: "sd-panel", role: "region", "aria-label": TITLE });
  panel.hidden = true;
  var header = el("header", "sd-header");
  var heading = el("div", "sd-heading");
  heading.appendChild(el("h2", "sd-title", { text: TITLE }));
  var statusLine = el("p", "sd-status", { text: STATUS_LABEL.bot });
  heading.appendChild(statusLine);
  var closeButton = el("button", "sd-close", { type: "button", "aria-label": "Close the chat" });
  closeButton.appendChild(el("span", null, { "aria-hidden": "true", text: "\u00D7" }));
  header.appendChild(heading);
  header.appendChild(closeButton);

  var log = el("div", "sd-log", {
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  var greeting = el("div", "sd-msg sd-msg--bot sd-msg--greeting");
  greeting.appendChild(el("span", "sd-sr", { text: "Assistant: " }));
  greeting.appendChild(el("span", "sd-text", { text: GREETING }));
  log.appendChild(greeting);

  var typing = el("div", "sd-typing", { "aria-hidden": "true" });
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  typing.hidden = true;
  var typingAnnouncement = el("p", "sd-sr", { role: "status" });

  var quick = el("div", "sd-quick", { role: "group", "aria-label": "Suggested replies" });
  var notice = el("p", "sd-notice", { role: "status" });
  notice.hidden = true;

  var form = el("form", "sd-form");
  var inputId = "sd-input";
  form.appendChild(el("label", "sd-sr", { for: inputId, text: "Your message" }));
  var input = el("textarea", "sd-input", {
    id: inputId,
    rows: "1",
    maxlength: "2000",
    placeholder: "Type your message…",
    autocomplete: "off",
  });
  var sendButton = el("button", "sd-send", { type: "submit", "aria-label": "Send message" });
  sendButton.appendChild(el("span", null, { "aria-hidden": "true", text: "Send" }));
  form.appendChild(input);
  form.appendChild(sendButton);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(typingAnnouncement);
  panel.appendChild(quick);
  panel.appendChild(notice);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  function mount() {
    document.body.appendChild(root);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  // ---- rendering ----------------------------------------------------------------------------------------
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
  var TRAILING = /[.,;:!?)\]}'"]+$/;

  /** Append text to node, turning http(s) URLs into safe links; never parses HTML. */
  function renderText(node, text) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var raw = match[0];
      var trimmed = raw.replace(TRAILING, "");
      var start = match.index;
      var url = null;
      try {
        url = new URL(trimmed);
      } catch (e) {
        url = null;
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) continue;
      node.appendChild(document.createTextNode(text.slice(last, start)));
      var link = el("a", "sd-link", { href: url.href, target: "_blank", rel: "noopener noreferrer" });
      link.textContent = trimmed;
      node.appendChild(link);
      last = start + trimmed.length;
      URL_PATTERN.lastIndex = last;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function bubble(author, text) {
    var item = el("div", "sd-msg sd-msg--" + author);
    item.appendChild(el("span", "sd-sr", { text: AUTHOR_LABEL[author] + ": " }));
    if (author === "agent" || author === "system") {
      item.appendChild(el("span", "sd-author", { "aria-hidden": "true", text: AUTHOR_LABEL[author] }));
    }
    var body = el("span", "sd-text");
    renderText(body, text);
    item.appendChild(body);
    return item;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function addMessage(message) {
    if (seen[message.id]) return;
    var item = message.client_message_id && pending[message.client_message_id];
    if (item) {
      delete pending[message.client_message_id];
      item.classList.remove("sd-msg--pending", "sd-msg--failed");
      var retry = item.querySelector(".sd-retry");
      if (retry) retry.remove();
    } else {
      item = bubble(message.author, message.text);
      insertInOrder(item, message.id);
    }
    item.setAttribute("data-id", String(message.id));
    seen[message.id] = item;
    if (message.id > state.cursor) {
      state.cursor = message.id;
      save();
    }
    if (message.author !== "shopper") showQuickReplies(message);
    else if (message.id > quickFor) {
      quickFor = message.id; // the shopper has moved on: earlier suggestions no longer apply
      quick.textContent = "";
    }
    scrollDown();
  }

  /** Keep the log in id order even when the socket and the POST answer race each other. */
  function insertInOrder(item, id) {
    var children = log.querySelectorAll(".sd-msg[data-id]");
    for (var i = 0; i < children.length; i++) {
      if (Number(children[i].getAttribute("data-id")) > id) {
        log.insertBefore(item, children[i]);
        return;
      }
    }
    var anchor = log.querySelector(".sd-msg--pending") || (typing.parentNode === log ? typing : null);
    if (anchor) log.insertBefore(item, anchor);
    else log.appendChild(item);
  }

  var quickFor = 0;
  function showQuickReplies(message) {
    if (message.id < quickFor) return;
    quickFor = message.id;
    quick.textContent = "";
    (message.buttons || []).forEach(function (b) {
      var button = el("button", "sd-chip", { type: "button", text: b.title });
      button.addEventListener("click", function () {
        quick.textContent = "";
        send(b.title, b.payload);
        input.focus();
      });
      quick.appendChild(button);
    });
  }

  function setStatus(next) {
    status = next;
    statusLine.textContent = STATUS_LABEL[next] || "";
    panel.setAttribute("data-status", next);
    updateTyping();
  }

  function updateTyping() {
    var show = inFlight > 0 && status === "bot";
    if (show === !typing.hidden) return;
    typing.hidden = !show;
    typingAnnouncement.textContent = show ? "The assistant is typing" : "";
    if (show) {
      log.appendChild(typing); // keep the dots under the last message
      scrollDown();
    }
  }

  function showNotice(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------
  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = "Bearer " + state.token;
    return fetch(BASE + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (!response.ok) {
            var error = new Error("HTTP " + response.status);
            error.status = response.status;
            throw error;
          }
          return data;
        });
    });
  }

  function ensureConversation() {
    if (state.id) return Promise.resolve();
    if (!starting) {
      starting = api("POST", "/api/conversations")
        .then(function (created) {
          state = { id: created.id, token: created.token, cursor: 0 };
          save();
          connect();
        })
        .finally(function () {
          starting = null;
        });
    }
    return starting;
  }

  function loadHistory() {
    if (!state.id) return Promise.resolve();
    return api("GET", "/api/conversations/" + state.id + "/messages?after=0")
      .then(function (history) {
        history.messages.forEach(addMessage);
        setStatus(history.status);
        if (history.status === "closed") forget();
        else connect();
      })
      .catch(function (error) {
        if (error.status === 401 || error.status === 403 || error.status === 404 || error.status === 410) {
          forget(); // gone, or idle too long: the next message starts a new conversation
        } else scheduleReconnect();
      });
  }

  // ---- sending --------------------------------------------------------------------------------------------
  var RETRY_DELAYS = [500, 1500, 4000, 8000];

  function send(text, payload) {
    text = text.trim();
    if (!text) return;
    var body = { text: text, client_message_id: randomId() };
    if (payload) body.payload = payload;
    var item = bubble("shopper", text);
    item.classList.add("sd-msg--pending");
    pending[body.client_message_id] = item;
    log.appendChild(item);
    scrollDown();
    deliver(body, item, 0, false);
  }

  function deliver(body, item, attempt, restarted) {
    inFlight += 1;
    updateTyping();
    ensureConversation()
      .then(function () {
        return api("POST", "/api/conversations/" + state.id + "/messages", body);
      })
      .then(function (turn) {
        addMessage(turn.message);
        turn.replies.forEach(addMessage);
        setStatus(turn.status);
        showNotice("");
      })
      .catch(function (error) {
        var stale = [401, 403, 404, 409, 410].indexOf(error.status) !== -1;
        if (stale && !restarted) {
          forget(); // the conversation is gone or closed: start a new one and send there
          return later(0, function () {
            deliver(body, item, attempt, true);
          });
        }
        var transient = !error.status || error.status >= 500 || error.status === 429;
        if (transient && attempt < RETRY_DELAYS.length) {
          showNotice("Connection trouble, retrying…");
          return later(RETRY_DELAYS[attempt], function () {
            deliver(body, item, attempt + 1, restarted);
          });
        }
        markFailed(body, item);
      })
      .finally(function () {
        inFlight -= 1;
        updateTyping();
      });
  }

  function later(ms, fn) {
    inFlight += 1; // keep the typing dots up while a retry waits
    setTimeout(function () {
      inFlight -= 1;
      fn();
    }, ms);
  }

  function markFailed(body, item) {
    item.classList.remove("sd-msg--pending");
    item.classList.add("sd-msg--failed");
    showNotice("");
    if (item.querySelector(".sd-retry")) return;
    var retry = el("button", "sd-retry", { type: "button", text: "Not sent. Try again" });
    retry.addEventListener("click", function () {
      retry.remove();
      item.classList.remove("sd-msg--failed");
      item.classList.add("sd-msg--pending");
      deliver(body, item, 0, false); // same client_message_id: never stored twice
    });
    item.appendChild(retry);
  }

  // ---- live delivery ------------------------------------------------------------------------------------
  function connect() {
    if (!state.id || (ws && ws.readyState <= 1)) return;
    clearTimeout(wsTimer);
    var url = BASE.replace(/^http/, "ws") + "/api/conversations/" + state.id + "/ws?after=" + state.cursor;
    var socket = new WebSocket(url);
    ws = socket;
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "auth", token: state.token })); // not in the URL: URLs get logged
      lastFrameAt = Date.now();
    };
    socket.onmessage = function (event) {
      lastFrameAt = Date.now();
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (frame.type === "message") addMessage(frame.message);
      else if (frame.type === "status") {
        wsAttempts = 0;
        showNotice("");
        setStatus(frame.status);
      }
    };
    socket.onclose = function (event) {
      if (ws !== socket) return;
      ws = null;
      if (event.code === 4401 || event.code === 4403 || event.code === 4404 || event.code === 4410) {
        forget();
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    clearTimeout(wsTimer);
    var delay = Math.min(30000, 500 * Math.pow(2, wsAttempts)) * (0.75 + Math.random() * 0.5);
    wsAttempts += 1;
    if (wsAttempts > 2) showNotice("Reconnecting…");
    wsTimer = setTimeout(function () {
      if (navigator.onLine === false) return scheduleReconnect();
      if (ws === null && state.id) loadOrConnect();
    }, delay);
  }

  function loadOrConnect() {
    connect();
  }

  // a socket that went silent (sleeping laptop, dead proxy) is replaced
  setInterval(function () {
    if (!ws || ws.readyState !== 1) return;
    if (Date.now() - lastFrameAt > 60000) {
      ws.close();
    } else {
      ws.send(JSON.stringify({ type: "ping" }));
    }
  }, 25000);
  window.addEventListener("online", function () {
    wsAttempts = 0;
    if (state.id && !ws) connect();
  });

  // ---- opening and closing ------------------------------------------------------------------------------
  function open() {
    panel.hidden = false;
    root.classList.add("sd-open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Close the support chat");
    try {
      sessionStorage.setItem(STORE_KEY + ":open", "1");
    } catch (e) {
      /* ignore */
    }
    scrollDown();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    root.classList.remove("sd-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Open the support chat");
    try {
      sessionStorage.removeItem(STORE_KEY + ":open");
    } catch (e) {
      /* ignore */
    }
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open();
    else close();
  });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = "";
    autosize();
    quick.textContent = "";
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", autosize);

  // ---- start ---------------------------------------------------------------------------------------------
  loadHistory();
  try {
    if (sessionStorage.getItem(STORE_KEY + ":open") === "1") {
      var reopen = function () {
        open();
      };
      if (document.body) reopen();
      else document.addEventListener("DOMContentLoaded", reopen);
    }
  } catch (e) {
    /* ignore */
  }
})();
