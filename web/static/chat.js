// The CléA chat widget. The web app serves it at /widget.js, bundled after
// socket.io-client (which gives it `io`), so one script tag embeds it:
//   <script src="https://ADDRESS-OF-THE-WEB-APP/widget.js" defer></script>
// It opens inside an element with id "clea-chat" when the page has one, else
// behind a floating "Une question sur CléA ?" button. It talks to the
// assistant over socket.io (websocket to the web app, which forwards it to
// Rasa), and over the REST proxy /chat when the websocket cannot connect.
// Every text is rendered as text; links are made only in the assistant's own
// messages. The conversation id is issued by the server (/chat/session, signed);
// the conversation is kept in localStorage, so it survives a reload;
// "Recommencer" starts a new one.
(function () {
  "use strict";

  var script = document.currentScript;
  var server = new URL(script.src, window.location.href).origin;
  var STORE_KEY = "clea-chat";
  var SOCKET_WAIT_MS = 5000;
  var UNAVAILABLE = "L'assistant ne répond pas pour le moment. Réessayez plus tard.";
  var LINK = /(https?:\/\/[^\s]+|www\.[^\s]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;

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
    section.appendChild(element("h2", { id: "clea-chat-title" }, "Discuter avec l'assistant CléA"));
    var log = element("div", { id: "clea-chat-log", role: "log", "aria-live": "polite",
      "aria-label": "Messages de la conversation" });
    var form = element("form", { id: "clea-chat-form" });
    var input = element("input", { id: "clea-chat-input", name: "message", autocomplete: "off",
      maxlength: "1000", required: "" });
    form.appendChild(element("label", { "for": "clea-chat-input" }, "Votre message"));
    form.appendChild(input);
    form.appendChild(element("button", { type: "submit" }, "Envoyer"));
    var restart = element("button", { type: "button", id: "clea-chat-restart" }, "Recommencer");
    section.appendChild(log);
    section.appendChild(form);
    section.appendChild(restart);
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
    return { log: log, form: form, input: input, restart: restart };
  }

  function loadConversation() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY));
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
    if (text.indexOf("@") > 0 && text.indexOf("http") !== 0) {
      link.href = "mailto:" + link.textContent;
    } else {
      link.href = text.indexOf("http") === 0 ? link.textContent : "https://" + link.textContent;
      link.rel = "noopener";
      link.target = "_blank";
    }
    return link;
  }

  function fill(node, text, withLinks) {
    if (!withLinks) {
      node.textContent = text;
      return;
    }
    var last = 0;
    text.replace(LINK, function (match, _group, offset) {
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

    function save() {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(conversation));
    }

    function show(entry) {
      var item = element("div", { "class": "message " + entry.who });
      fill(item, entry.text, entry.who === "bot");
      ui.log.appendChild(item);
      if (entry.who === "bot" && entry.buttons && entry.buttons.length) {
        var choices = element("div", { "class": "choices" });
        entry.buttons.forEach(function (choice) {
          var button = element("button", { type: "button" }, choice.title);
          button.addEventListener("click", function () {
            send(choice.title, choice.payload);
          });
          choices.appendChild(button);
        });
        ui.log.appendChild(choices);
      }
      ui.log.scrollTop = ui.log.scrollHeight;
    }

    function remember(entry) {
      conversation.history.push(entry);
      save();
      show(entry);
    }

    function receive(message) {
      var buttons = message.buttons || message.quick_replies || [];
      remember({ who: "bot", text: message.text || "", buttons: buttons.map(function (button) {
        return { title: button.title, payload: button.payload };
      }) });
    }

    function socketTransport() {
      var socket = io(server, { transports: ["websocket"], forceNew: true, reconnectionAttempts: 2,
        reconnectionDelay: 500 });
      var self = {};
      var confirmed = false;
      var waiting = [];
      var watchdog = null;
      function fallBackToRest() {
        if (transport === self) {
          socket.close();
          transport = restTransport();
          waiting.splice(0).forEach(transport.send);
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
      });
      socket.on("bot_uttered", receive);
      socket.on("connect_error", function () {
        if (!socket.active) {  // refused by the server: no retry will help
          fallBackToRest();
        }
      });
      socket.io.on("reconnect_failed", fallBackToRest);
      self.send = function (message) {
        if (socket.connected && confirmed) {
          socket.emit("user_uttered", { message: message });
        } else {
          waiting.push(message);
          // Some networks open websockets and then drop them: do not wait for ever.
          watchdog = watchdog || window.setTimeout(fallBackToRest, SOCKET_WAIT_MS);
        }
      };
      self.close = function () {
        socket.close();
      };
      return self;
    }

    function restTransport() {
      return {
        send: function (message) {
          window.fetch(server + "/chat", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ sender: conversation.sender, message: message })
          }).then(function (response) {
            return response.json().then(function (data) {
              if (!response.ok) {
                throw new Error(data.error || UNAVAILABLE);
              }
              data.forEach(receive);
            });
          }).catch(showError);
        },
        close: function () {}
      };
    }

    function showError(error) {
      show({ who: "error", text: error instanceof TypeError ? UNAVAILABLE : error.message });
    }

    // A new conversation, with an id issued by the server, then the greeting.
    function begin() {
      window.fetch(server + "/chat/session", { method: "POST" }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok || !data.sender) {
            throw new Error(data.error || UNAVAILABLE);
          }
          conversation = { sender: data.sender, history: [] };
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
      transport.send(payload || text);
    }

    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      ui.input.value = "";
      if (text) {
        send(text);
      }
    });

    ui.restart.addEventListener("click", function () {
      if (transport) {
        transport.close();
        transport = null;
      }
      begin();
      ui.input.focus();
    });

    if (conversation) {
      transport = socketTransport();
      conversation.history.forEach(show);
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
