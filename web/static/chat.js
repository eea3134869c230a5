// The CléA chat widget. The web app serves it at /widget.js, bundled after
// socket.io-client (which gives it `io`), so one script tag embeds it:
//   <script src="https://ADDRESS-OF-THE-WEB-APP/widget.js" defer></script>
// It opens inside an element with id "clea-chat" when the page has one, else
// behind a floating "Une question sur CléA ?" button. It talks to the
// assistant over socket.io (websocket to the web app, which forwards it to
// Rasa), and over the REST proxy /chat when the websocket cannot connect.
// Every text is rendered as text; links are made only in the assistant's own
// messages. The conversation id is issued by the server (/chat/session, signed).
// The conversation is kept in the tab's sessionStorage: it survives a reload,
// and is gone when the tab is closed (a shared computer keeps nothing). Once a
// pre-dossier is sent, what the person typed is removed from it too.
// Each assistant message can be listened to (/chat/audio, with its choices).
// Only the last message's choices can be clicked.
(function () {
  "use strict";

  var script = document.currentScript;
  var server = new URL(script.src, window.location.href).origin;
  var STORE_KEY = "clea-chat";
  var SOCKET_WAIT_MS = 5000;
  var TYPING_WAIT_MS = 30000;
  var UNAVAILABLE = "L'assistant ne répond pas pour le moment. Réessayez plus tard.";
  var NO_VOICE = "La lecture à voix haute ne marche pas pour le moment.";
  // A message whose answer did not come back (no network, a server restarting) is sent
  // again after these waits, with the same id: the assistant answers it once.
  var RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var RETRIED_STATUSES = [502, 503, 504];
  var SENT = /référence : [A-Z]{2,5}-\d{4}-[A-Z0-9]{3,8}/;
  var PHONE = "0[1-9](?:[ .]?\\d{2}){4}";
  var LINK = new RegExp("(https?:\\/\\/[^\\s]+|www\\.[^\\s]+|[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+|" +
    PHONE + ")", "g");
  // Addresses shown as examples of how to write one: not somebody to write to.
  var EXAMPLE_DOMAIN = /@(exemple|example)\./i;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function buildWidget(mount) {
    var section = element("section", { "class": "clea-chat", "id": "clea-chat-panel",
      "aria-labelledby": "clea-chat-title" });
    var header = element("div", { "class": "clea-chat-header" });
    header.appendChild(element("h2", { id: "clea-chat-title" }, "Discuter avec l'assistant CléA"));
    var restart = element("button", { type: "button", id: "clea-chat-restart",
      "class": "secondary" }, "Recommencer");
    header.appendChild(restart);
    var confirm = element("div", { "class": "clea-chat-confirm", role: "group",
      "aria-label": "Recommencer" });
    confirm.hidden = true;
    confirm.appendChild(element("p", {}, "Tout effacer et recommencer la conversation ?"));
    var confirmYes = element("button", { type: "button" }, "Oui, tout effacer");
    var confirmNo = element("button", { type: "button" }, "Non, continuer");
    confirm.appendChild(confirmYes);
    confirm.appendChild(confirmNo);
    var log = element("div", { id: "clea-chat-log", role: "log", "aria-live": "polite",
      "aria-label": "Messages de la conversation" });
    var typing = element("p", { "class": "clea-chat-typing", "aria-live": "polite" });
    var form = element("form", { id: "clea-chat-form" });
    var input = element("input", { id: "clea-chat-input", name: "message", autocomplete: "off",
      maxlength: "1000", required: "" });
    form.appendChild(element("label", { "for": "clea-chat-input" }, "Votre message"));
    form.appendChild(input);
    form.appendChild(element("button", { type: "submit" }, "Envoyer"));
    var erase = element("button", { type: "button", id: "clea-chat-erase", "class": "secondary" },
      "Terminer et effacer de cet appareil");
    section.appendChild(header);
    section.appendChild(confirm);
    section.appendChild(log);
    section.appendChild(typing);
    section.appendChild(form);
    section.appendChild(erase);
    if (mount) {
      mount.appendChild(section);
    } else {
      var launcher = element("button", { type: "button", "class": "clea-chat-launcher",
        "aria-expanded": "false", "aria-controls": "clea-chat-panel" }, "Une question sur CléA ?");
      section.classList.add("clea-chat-floating");
      section.hidden = true;
      launcher.addEventListener("click", function () {
        section.hidden = !section.hidden;
        launcher.setAttribute("aria-expanded", String(!section.hidden));
        if (!section.hidden) {
          input.focus();
        }
      });
      var corner = element("div", { "class": "clea-chat-corner" });
      corner.appendChild(section);
      corner.appendChild(launcher);
      document.body.appendChild(corner);
    }
    return { log: log, form: form, input: input, restart: restart, confirm: confirm,
      confirmYes: confirmYes, confirmNo: confirmNo, erase: erase, typing: typing };
  }

  function storage() {
    try {
      return window.sessionStorage;
    } catch (ignored) {  // storage refused by the browser: the conversation lives in the page
      return null;
    }
  }

  function loadConversation() {
    try {
      var saved = JSON.parse(storage().getItem(STORE_KEY));
      if (saved && /^web:[0-9a-f]{32}\.[0-9a-f]{32}$/.test(saved.sender) &&
          Array.isArray(saved.history)) {
        return saved;
      }
    } catch (ignored) { /* a broken or missing record: start again */ }
    return null;
  }

  function linkFor(text) {
    var link = document.createElement("a");
    link.textContent = text.replace(/[.,;:]+$/, "");
    if (new RegExp("^" + PHONE + "$").test(link.textContent)) {
      link.href = "tel:" + link.textContent.replace(/[ .]/g, "");
    } else if (text.indexOf("@") > 0 && text.indexOf("http") !== 0) {
      if (EXAMPLE_DOMAIN.test(link.textContent)) {
        return document.createTextNode(text);
      }
      link.href = "mailto:" + link.textContent;
    } else {
      link.href = text.indexOf("http") === 0 ? link.textContent : "https://" + link.textContent;
      link.rel = "noopener";
      link.target = "_blank";
    }
    if (link.textContent.length < text.length) {  // the sentence's full stop stays text
      var both = document.createDocumentFragment();
      both.appendChild(link);
      both.appendChild(document.createTextNode(text.slice(link.textContent.length)));
      return both;
    }
    return link;
  }

  function fill(node, text, withLinks) {
    if (!withLinks) {
      node.textContent = text;
      return;
    }
    var last = 0;
    text.replace(LINK, function (match) {
      var offset = arguments[arguments.length - 2];
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      node.appendChild(linkFor(match));
      last = offset + match.length;
      return match;
    });
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function start(mount) {
    var ui = buildWidget(mount);
    var conversation = loadConversation();
    var transport = null;
    var turnStarted = false;  // the next assistant message opens an answer
    var answerStart = null;  // the first message of the answer being shown
    var typingTimer = null;
    var player = { audio: null, button: null, urls: {} };

    function save() {
      var store = storage();
      if (store) {
        store.setItem(STORE_KEY, JSON.stringify(conversation));
      }
    }

    function setTyping(on) {
      window.clearTimeout(typingTimer);
      ui.typing.textContent = on ? "L'assistant écrit…" : "";
      if (on) {
        typingTimer = window.setTimeout(function () { setTyping(false); }, TYPING_WAIT_MS);
      }
    }

    // Buttons of earlier messages are closed: disabled, and the one chosen is marked.
    function closeChoices(chosen) {
      ui.log.querySelectorAll(".choices button:not([disabled])").forEach(function (button) {
        button.disabled = true;
        if (chosen && button === chosen) {
          button.classList.add("chosen");
          button.setAttribute("aria-label", button.textContent + " (votre choix)");
        }
      });
      conversation.history.forEach(function (entry) {
        if (entry.buttons && entry.buttons.length) {
          entry.closed = true;
        }
      });
    }

    function stopListening() {
      if (player.audio) {
        player.audio.pause();
        player.audio = null;
      }
      if (player.button) {
        player.button.textContent = "Écouter";
        player.button.setAttribute("aria-pressed", "false");
        player.button = null;
      }
    }

    function play(button, url) {
      player.audio = new window.Audio(url);
      player.button = button;
      button.textContent = "Stop";
      button.setAttribute("aria-pressed", "true");
      player.audio.addEventListener("ended", stopListening);
      player.audio.play().catch(function () {
        stopListening();
        show({ who: "error", text: NO_VOICE });
      });
    }

    function listen(button, entry) {
      var wasPlaying = player.button === button;
      stopListening();
      if (wasPlaying) {
        return;
      }
      var choices = (entry.buttons || []).map(function (choice) { return choice.title; });
      var key = entry.text + "\n" + choices.join("\n");
      if (player.urls[key]) {
        play(button, player.urls[key]);
        return;
      }
      button.textContent = "Chargement…";
      window.fetch(server + "/chat/audio", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: conversation.sender, text: entry.text, choices: choices })
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(NO_VOICE);
        }
        return response.blob();
      }).then(function (blob) {
        player.urls[key] = window.URL.createObjectURL(blob);
        play(button, player.urls[key]);
      }).catch(function () {
        button.textContent = "Écouter";
        show({ who: "error", text: NO_VOICE });
      });
    }

    // The quiz's place: one bar, "9 / 18"; the last one only stays in view.
    function progressOf(drawing) {
      ui.log.querySelectorAll(".quiz-progress").forEach(function (old) { old.remove(); });
      var item = element("div", { "class": "quiz-progress" });
      var bar = element("progress", { max: String(drawing.total), value: String(drawing.number),
        "aria-label": "Avancement du test" });
      item.appendChild(bar);
      item.appendChild(element("span", {}, drawing.number + " / " + drawing.total));
      return item;
    }

    // "Recevoir mon résultat par e-mail" (only when the server can send e-mails).
    function resultMailForm(drawing) {
      var box = element("div", { "class": "result-mail" });
      var open = element("button", { type: "button", "class": "secondary",
        "aria-expanded": "false" }, "Recevoir mon résultat par e-mail");
      var form = element("form");
      form.hidden = true;
      var fieldId = "clea-result-mail-" + Date.now();
      form.appendChild(element("label", { "for": fieldId }, "Votre adresse e-mail"));
      var address = element("input", { id: fieldId, type: "email", autocomplete: "email",
        inputmode: "email", required: "" });
      form.appendChild(address);
      form.appendChild(element("button", { type: "submit" }, "Envoyer le résultat"));
      var status = element("p", { role: "status" });
      open.addEventListener("click", function () {
        form.hidden = !form.hidden;
        open.setAttribute("aria-expanded", String(!form.hidden));
        if (!form.hidden) {
          address.focus();
        }
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var levels = {};
        (drawing.domains || []).forEach(function (domain) { levels[domain.id] = domain.level; });
        status.textContent = "Envoi…";
        window.fetch(server + "/chat/result-email", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sender: conversation.sender, email: address.value.trim(),
            levels: levels })
        }).then(function (response) {
          return response.json().then(function (data) {
            status.textContent = response.ok ? "C'est envoyé à " + address.value.trim() + "." :
              (data.error || UNAVAILABLE);
          });
        }).catch(function () { status.textContent = UNAVAILABLE; });
      });
      box.appendChild(open);
      box.appendChild(form);
      box.appendChild(status);
      return box;
    }

    // The quiz's result: one bar per domain, its level in words beside it.
    function resultOf(drawing) {
      var figure = element("figure", { "class": "quiz-result" });
      figure.appendChild(element("figcaption", {}, "Votre résultat"));
      var list = element("ul");
      (drawing.domains || []).forEach(function (domain) {
        var line = element("li");
        line.appendChild(element("span", { "class": "domain" }, domain.name));
        var track = element("span", { "class": "track" });
        var bar = element("span", { "class": "bar" });
        bar.style.width = Math.round(100 * (domain.score || 0)) + "%";
        track.appendChild(bar);
        line.appendChild(track);
        line.appendChild(element("span", { "class": "level" }, domain.label));
        list.appendChild(line);
      });
      figure.appendChild(list);
      if (conversation.resultByEmail) {
        figure.appendChild(resultMailForm(drawing));
      }
      var print = element("button", { type: "button", "class": "secondary" },
        "Imprimer mon résultat");
      print.addEventListener("click", function () {
        figure.classList.add("printing");
        window.print();
      });
      window.addEventListener("afterprint", function () { figure.classList.remove("printing"); });
      figure.appendChild(print);
      return figure;
    }

    function show(entry) {
      if (entry.who === "drawing") {
        var drawn = entry.drawing.kind === "progress" ? progressOf(entry.drawing) :
          entry.drawing.kind === "quiz_result" ? resultOf(entry.drawing) : null;
        if (drawn) {
          ui.log.appendChild(drawn);
          if (turnStarted) {
            turnStarted = false;
            answerStart = drawn;
          }
        }
        return;
      }
      var item = element("div", { "class": "message " + entry.who });
      fill(item, entry.text, entry.who === "bot");
      ui.log.appendChild(item);
      if (entry.who === "bot" && entry.text) {
        var tools = element("div", { "class": "message-tools" });
        var listenButton = element("button", { type: "button", "class": "listen",
          "aria-pressed": "false" }, "Écouter");
        listenButton.addEventListener("click", function () { listen(listenButton, entry); });
        tools.appendChild(listenButton);
        ui.log.appendChild(tools);
      }
      if (entry.who === "bot" && entry.buttons && entry.buttons.length) {
        var choices = element("div", { "class": "choices" });
        entry.buttons.forEach(function (choice) {
          var button = element("button", { type: "button" }, choice.title);
          button.disabled = Boolean(entry.closed);
          button.addEventListener("click", function () {
            closeChoices(button);
            send(choice.title, choice.payload);
          });
          choices.appendChild(button);
        });
        ui.log.appendChild(choices);
      }
      if (entry.who === "bot" && turnStarted) {
        turnStarted = false;
        answerStart = item;
      }
      if (entry.who === "bot" && answerStart) {
        // An answer opens at its first line, however long it is; its next messages make room
        // to bring that line to the top of the box.
        ui.log.scrollTop += answerStart.getBoundingClientRect().top -
          ui.log.getBoundingClientRect().top;
        var onScreen = answerStart.getBoundingClientRect().top;
        if (onScreen < 0) {  // the page itself is scrolled past it (the form is below)
          window.scrollBy(0, onScreen - 8);
        }
      } else if (entry.who !== "bot") {
        ui.log.scrollTop = ui.log.scrollHeight;
      }
    }

    function remember(entry) {
      if (entry.who === "bot" && entry.buttons && entry.buttons.length) {
        closeChoices(null);
      }
      conversation.history.push(entry);
      save();
      show(entry);
    }

    function receive(message) {
      setTyping(false);
      var drawing = message.clea_display || (message.custom && message.custom.clea_display);
      if (drawing && drawing.kind === "listen") {  // "lis-moi le message": the last one
        var listenButtons = ui.log.querySelectorAll("button.listen");
        if (listenButtons.length) {
          listenButtons[listenButtons.length - 1].click();
        }
        return;
      }
      if (drawing) {
        remember({ who: "drawing", drawing: drawing });
        return;
      }
      var buttons = message.buttons || message.quick_replies || [];
      var entry = { who: "bot", text: message.text || "", buttons: buttons.map(function (button) {
        return { title: button.title, payload: button.payload };
      }) };
      remember(entry);
      if (SENT.test(entry.text)) {
        // A pre-dossier is sent: the device keeps its reference, nothing the person typed.
        conversation.history = [entry];
        save();
      }
    }

    function socketTransport() {
      var socket = io(server, { transports: ["websocket"], forceNew: true, reconnectionAttempts: 2,
        reconnectionDelay: 500 });
      var self = {};
      var confirmed = false;
      var waiting = [];
      var watchdog = null;
      var pending = null;  // the message sent, not answered yet
      function fallBackToRest() {
        if (transport === self) {
          socket.close();
          transport = restTransport();
          if (pending) {  // its answer may be lost: asked again, with its id
            transport.send(pending.message, pending.id);
          }
          waiting.splice(0).forEach(function (message) { transport.send(message); });
        }
      }
      socket.on("connect", function () {
        socket.emit("session_request", { session_id: conversation.sender });
      });
      socket.on("session_confirm", function (id) {
        if (id && id !== conversation.sender) {  // an id the server no longer knows
          conversation = { sender: id, history: [] };
          save();
          ui.log.replaceChildren();
          waiting = ["/greet"];
        }
        confirmed = true;
        window.clearTimeout(watchdog);
        watchdog = null;
        waiting.splice(0).forEach(self.send);
      });
      socket.on("disconnect", function () {
        confirmed = false;
        if (pending) {
          fallBackToRest();
        }
      });
      socket.on("bot_uttered", function (message) {
        pending = null;
        receive(message);
      });
      socket.on("connect_error", function () {
        if (!socket.active) {  // refused by the server: no retry will help
          fallBackToRest();
        }
      });
      socket.io.on("reconnect_failed", fallBackToRest);
      self.send = function (message) {
        if (socket.connected && confirmed) {
          pending = { message: message, id: newMessageId() };
          socket.emit("user_uttered", { message: message, message_id: pending.id });
        } else {
          waiting.push(message);
          // Some networks open websockets and then drop them: do not wait for ever.
          watchdog = watchdog || window.setTimeout(fallBackToRest, SOCKET_WAIT_MS);
        }
      };
      self.close = function () {  // the conversation ends here: nothing to ask again
        pending = null;
        socket.close();
      };
      return self;
    }

    function newMessageId() {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (byte) {
        return ("0" + byte.toString(16)).slice(-2);
      }).join("");
    }

    // One message at a time, in order; each retried with its id until it is answered.
    function restTransport() {
      var queue = [];
      var busy = false;
      var closed = false;
      function next() {
        if (!busy && !closed && queue.length) {
          busy = true;
          attempt(queue.shift(), 0);
        }
      }
      function done() {
        busy = false;
        next();
      }
      function retryLater(item, tries) {
        if (tries >= RETRY_DELAYS_MS.length) {
          return false;
        }
        window.setTimeout(function () {
          if (!closed) {
            attempt(item, tries + 1);
          }
        }, RETRY_DELAYS_MS[tries]);
        return true;
      }
      function attempt(item, tries) {
        window.fetch(server + "/chat", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sender: item.sender, message: item.message, message_id: item.id })
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (response.ok && Array.isArray(data)) {
              data.forEach(receive);
              done();
            } else if (RETRIED_STATUSES.indexOf(response.status) < 0 || !retryLater(item, tries)) {
              throw new Error(data.error || UNAVAILABLE);
            }
          });
        }, function () {  // no answer at all
          if (!retryLater(item, tries)) {
            throw new Error(UNAVAILABLE);
          }
        }).catch(function (error) {
          showError(error);
          done();
        });
      }
      return {
        send: function (message, id) {
          queue.push({ sender: conversation.sender, message: message, id: id || newMessageId() });
          next();
        },
        close: function () {
          closed = true;
        }
      };
    }

    function showError(error) {
      setTyping(false);
      show({ who: "error", text: error instanceof TypeError ? UNAVAILABLE : error.message });
    }

    // A new conversation, with an id issued by the server, then the greeting.
    function begin() {
      stopListening();
      window.fetch(server + "/chat/session", { method: "POST" }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok || !data.sender) {
            throw new Error(data.error || UNAVAILABLE);
          }
          conversation = { sender: data.sender, history: [],
            resultByEmail: Boolean(data.result_by_email) };
          save();
          ui.log.replaceChildren();
          transport = socketTransport();
          send("", "/greet");
        });
      }).catch(showError);
    }

    function send(text, payload) {
      if (!transport) {  // no conversation id yet: the server did not answer
        begin();
        return;
      }
      if (text) {
        remember({ who: "user", text: text });
      }
      turnStarted = true;
      answerStart = null;
      setTyping(true);
      transport.send(payload || text);
    }

    function startOver() {
      if (transport) {
        transport.close();
        transport = null;
      }
      var store = storage();
      if (store) {
        store.removeItem(STORE_KEY);
      }
      begin();
    }

    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      ui.input.value = "";
      if (text) {
        closeChoices(null);
        send(text);
      }
    });

    ui.restart.addEventListener("click", function () {
      ui.confirm.hidden = false;
      ui.confirmNo.focus();
    });
    ui.confirmNo.addEventListener("click", function () {
      ui.confirm.hidden = true;
      ui.restart.focus();
    });
    ui.confirmYes.addEventListener("click", function () {
      ui.confirm.hidden = true;
      startOver();
      ui.input.focus();
    });
    ui.erase.addEventListener("click", function () {
      startOver();
      ui.typing.textContent = "Conversation effacée de cet appareil.";
    });

    if (conversation) {
      transport = socketTransport();
      conversation.history.forEach(show);
      ui.log.scrollTop = ui.log.scrollHeight;
      if (conversation.history.length === 0) {
        send("", "/greet");
      }
    } else {
      begin();
    }
  }

  function whenReady() {
    start(document.getElementById("clea-chat"));
  }

  var stylesheet = element("link", { rel: "stylesheet", href: server + "/static/chat.css" });
  document.head.appendChild(stylesheet);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", whenReady);
  } else {
    whenReady();
  }
}());
