// Lernen 25 – live discussion of a PLG topic (protocol: docs/realtime.md).
// Without JavaScript the page works as plain HTML; this module adds live messages, sending
// without reload, typing and presence. Nothing is lost and nothing comes twice: every change of a
// message has a stream position (seq) per PLG, handed out in commit order; the client sends what it
// holds (everything up to lastSeq, and the positions in `held`), the server sends the rest once.

const root = document.getElementById("discussion");
const list = document.getElementById("messages");

if (root && list && root.dataset.live === "1") {
  const plg = root.dataset.plg;
  const topic = Number(root.dataset.topic);
  const me = Number(root.dataset.user);
  // What this person may do to messages, computed by the server from plc.permissions:
  // {"edit"|"delete"|"hide": "any" | "own" | "none"}. The client only looks the scope up.
  const scopes = JSON.parse(root.dataset.scopes || "{}");
  const postWhenLocked = root.dataset.postWhenLocked === "1";
  const form = document.getElementById("post-form");
  const textarea = form ? form.querySelector("textarea") : null;
  const status = document.getElementById("live-status");
  const typingLine = document.getElementById("typing");
  const presence = document.getElementById("presence");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");

  let lastSeq = Number(root.dataset.lastSeq || 0); // every position up to here is held
  const held = new Set(); // positions above lastSeq that arrived (after a gap)
  let gapTimer = null;
  let wasSynced = false; // this connection got its catch-up (it worked before it was closed)
  let triedAfterSignOut = false;
  let socket = null;
  let retry = 0;
  let stopped = false;
  let lastTyping = 0;
  let clientSeq = 0;
  const pending = new Map(); // client_id -> text, restored if the server refuses it
  const typers = new Map(); // user id -> timeout

  const text = root.dataset; // translated texts, rendered by the server (data-text-*)
  const say = (message) => { if (status) status.textContent = message; };

  function showActions(item) {
    const author = Number(item.dataset.author);
    const mine = author === me; // rules-allowlist: applies the server's "own" scope, decides nothing
    item.querySelectorAll("[data-for]").forEach((action) => {
      const scope = scopes[action.dataset.for] || "none";
      action.hidden = !(scope === "any" || (scope === "own" && mine));
    });
    if (csrf) {
      item.querySelectorAll("form").forEach((f) => {
        if (!f.querySelector("input[name=csrfmiddlewaretoken]")) {
          const input = document.createElement("input");
          input.type = "hidden"; input.name = "csrfmiddlewaretoken"; input.value = csrf.value;
          f.prepend(input);
        }
      });
    }
  }

  // Positions: a frame at or below lastSeq, or in `held`, came already (it is ignored).
  function isNew(seq) {
    if (seq <= lastSeq || held.has(seq)) return false;
    held.add(seq);
    advance();
    return true;
  }

  function advance() {
    while (held.has(lastSeq + 1)) { held.delete(lastSeq + 1); lastSeq += 1; }
    held.forEach((seq) => { if (seq <= lastSeq) held.delete(seq); });
    clearTimeout(gapTimer);
    // A gap (a position missing below one that came): ask for it if it does not come by itself.
    if (held.size) gapTimer = setTimeout(sync, 3000);
  }

  function sync() {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const have = [...held].sort((a, b) => a - b).slice(-256);
    socket.send(JSON.stringify({ type: "sync", last_seq: lastSeq, have }));
  }

  function upsert(frame) {
    if (!isNew(frame.seq) || frame.topic !== topic) return;
    const template = document.createElement("template");
    template.innerHTML = frame.html.trim();
    const item = template.content.firstElementChild;
    showActions(item);
    const existing = document.getElementById(`m${frame.id}`);
    if (existing) {
      if (Number(existing.dataset.seq) < frame.seq) existing.replaceWith(item); // never an older version
      return;
    }
    // Keep id order even if frames arrive out of order after a reconnect.
    const later = [...list.querySelectorAll(".l25-message")].find((el) => Number(el.dataset.id) > frame.id);
    list.insertBefore(item, later || null);
    document.getElementById("no-messages")?.remove();
    if (frame.author !== me) { // rules-allowlist: announces others' messages, decides nothing
      const name = item.querySelector(".l25-message__meta strong")?.textContent || "";
      say(`${text.textNew} ${name}`);
      markRead();
    }
  }

  function markRead() {
    if (document.visibilityState !== "visible" || !socket || socket.readyState !== WebSocket.OPEN) return;
    const newest = [...list.querySelectorAll(".l25-message")].pop();
    if (newest) socket.send(JSON.stringify({ type: "read", topic, message: Number(newest.dataset.id) }));
  }

  function showTyping(frame) {
    if (frame.topic !== topic || frame.user === me) return; // rules-allowlist: one's own typing is not shown
    clearTimeout(typers.get(frame.user)?.timer);
    typers.set(frame.user, { name: frame.name, timer: setTimeout(() => { typers.delete(frame.user); renderTyping(); }, 4000) });
    renderTyping();
  }

  function renderTyping() {
    if (!typingLine) return;
    const names = [...typers.values()].map((t) => t.name);
    const verb = names.length > 1 ? text.textTypingMany : text.textTypingOne;
    typingLine.textContent = names.length ? `${names.join(", ")} ${verb}` : "";
  }

  function showPresence(users, count) {
    if (!presence) return;
    const items = users.map((u) => {
      const li = document.createElement("li");
      li.textContent = u.name;
      return li;
    });
    if (count > users.length) {
      const more = document.createElement("li");
      more.textContent = `+ ${count - users.length} ${text.textMore}`;
      items.push(more);
    }
    presence.replaceChildren(...items);
  }

  function showError(frame) {
    const text = pending.get(frame.client_id);
    if (text !== undefined && textarea && !textarea.value) textarea.value = text;
    pending.delete(frame.client_id);
    let box = document.getElementById("live-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "live-error"; box.className = "kern-error"; box.setAttribute("role", "alert");
      (form || root).prepend(box);
    }
    box.textContent = frame.message;
  }

  function onFrame(event) {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    // Messages written together arrive as one array of frames (docs/realtime.md).
    for (const frame of Array.isArray(data) ? data : [data]) {
      if (frame && typeof frame === "object") handleFrame(frame);
    }
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "message":
        if (frame.client_id) pending.delete(frame.client_id);
        upsert(frame);
        break;
      case "synced":
        wasSynced = true;
        triedAfterSignOut = false;
        if (frame.complete === false) { window.location.reload(); break; }
        lastSeq = Math.max(lastSeq, frame.last_seq);
        advance();
        markRead();
        break;
      case "typing": showTyping(frame); break;
      case "presence": showPresence(frame.users, frame.count || frame.users.length); break;
      case "error": showError(frame); break;
      case "topic":
        if (frame.id === topic && frame.locked && !postWhenLocked && form) form.hidden = true;
        break;
      default: break;
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/plg/${plg}/`);
    wasSynced = false;
    socket.addEventListener("open", () => {
      retry = 0;
      say(text.textConnected);
      sync();
    });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", (event) => {
      // Close codes (docs/realtime.md): signed out, no access, no such discussion: do not retry.
      // 4401 after a working connection may be a password change in this very browser (its session
      // lives on under a new key): one immediate reconnect tells; refused again, it stops.
      if (event.code === 4401 && wasSynced && !triedAfterSignOut) {
        triedAfterSignOut = true;
        connect();
        return;
      }
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
        stopped = true;
        say(event.code === 4401 ? text.textSignedOut : text.textForbidden);
        if (form) form.hidden = true;
        return;
      }
      if (stopped) return;
      if (event.code === 4429) { // too many sockets or handshakes: try again much later
        say(text.textPaused);
        setTimeout(connect, 60000 * (0.75 + Math.random() / 2));
        return;
      }
      say(text.textReconnecting);
      const delay = Math.min(30000, 1000 * 2 ** retry) * (0.5 + Math.random() / 2);
      retry += 1;
      setTimeout(connect, delay);
    });
  }

  if (form && textarea) {
    form.addEventListener("submit", (event) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return; // plain POST without a connection
      event.preventDefault();
      const body = textarea.value.trim();
      if (!body) return;
      clientSeq += 1;
      const clientId = `${me}-${Date.now()}-${clientSeq}`;
      pending.set(clientId, body);
      socket.send(JSON.stringify({ type: "post", topic, body, client_id: clientId }));
      textarea.value = "";
      document.getElementById("live-error")?.remove();
      textarea.focus();
    });
    textarea.addEventListener("input", () => {
      const now = Date.now();
      if (socket && socket.readyState === WebSocket.OPEN && now - lastTyping > 3000) {
        lastTyping = now;
        socket.send(JSON.stringify({ type: "typing", topic }));
      }
    });
    // Helpers that insert text at the cursor: @mentions of members, links to the PLC's files.
    document.querySelectorAll("[data-inserts]").forEach((helper) => {
      helper.hidden = false;
      helper.addEventListener("click", (event) => {
        const button = event.target.closest("[data-insert]");
        if (!button) return;
        const insert = button.dataset.insert;
        const start = textarea.selectionStart ?? textarea.value.length;
        textarea.value = textarea.value.slice(0, start) + insert + textarea.value.slice(textarea.selectionEnd ?? start);
        textarea.focus();
        textarea.selectionStart = textarea.selectionEnd = start + insert.length;
      });
    });
  }

  document.addEventListener("visibilitychange", markRead);
  list.querySelectorAll(".l25-message").forEach((item) => {
    showActions(item);
    const seq = Number(item.dataset.seq);
    if (seq > lastSeq) held.add(seq); // rendered after the page read its stream position
  });
  connect();
}
